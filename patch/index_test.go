package patch

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/resource"
)

// TestFilteredOpsAtOnce: value-filter operations applied in one request
// (where the index, the tombstones and the primary tracking of index.go
// carry from one operation to the next) give what applying them one per
// request gives (where each operation starts afresh).
func TestFilteredOpsAtOnce(t *testing.T) {
	ops := []string{
		`{"op":"add","path":"emails[type eq \"home\"].value","value":"h@x"}`,
		`{"op":"add","path":"emails[type eq \"Other\"].value","value":"o@x"}`,
		`{"op":"replace","path":"emails[type eq \"WORK\"].display","value":"W"}`,
		`{"op":"replace","path":"emails[type eq \"home\"].type","value":"other"}`,
		`{"op":"replace","path":"emails[type eq \"other\"].primary","value":true}`,
		`{"op":"remove","path":"emails[value eq \"O@X\"]"}`,
		`{"op":"add","path":"emails[type eq \"home\"].value","value":"h2@x"}`,
		`{"op":"replace","path":"emails[type eq \"home\" and value eq \"h2@x\"]","value":{"type":"home","value":"h3@x","primary":true}}`,
		`{"op":"replace","path":"emails[value eq \"bjensen@example.com\"].type","value":"home"}`,
		`{"op":"remove","path":"emails[type eq \"home\"].display"}`,
		`{"op":"replace","path":"emails[type eq \"other\" or value eq \"h3@x\"].display","value":"D"}`,
		`{"op":"add","path":"emails","value":[{"value":"n@x","type":"new"}]}`,
		`{"op":"replace","path":"emails[type eq \"new\"].value","value":"n2@x"}`,
		`{"op":"remove","path":"emails[type eq \"other\"]"}`,
		`{"op":"remove","path":"emails[type eq \"home\"]"}`,
		`{"op":"add","path":"emails[type eq \"home\"].value","value":"back@x"}`,
		`{"op":"replace","path":"addresses[type eq \"work\"].locality","value":"LA"}`,
		`{"op":"remove","path":"addresses[type eq \"work\"]"}`,
		`{"op":"add","path":"addresses[type eq \"home\"].country","value":"NL"}`,
	}
	reg := resource.DefaultRegistry()
	one := mustUser(t, bjensen)
	for i, op := range ops {
		parsed, err := ParseRequest([]byte(`{"Operations":[`+op+`]}`), Options{})
		if err != nil {
			t.Fatalf("op %d: %v", i+1, err)
		}
		if _, err := ApplyUser(reg, one, parsed, Options{}); err != nil {
			t.Fatalf("op %d alone: %v", i+1, err)
		}
	}
	all := mustUser(t, bjensen)
	parsed, err := ParseRequest([]byte(`{"Operations":[`+strings.Join(ops, ",")+`]}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ApplyUser(reg, all, parsed, Options{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(one, all); diff != "" {
		t.Errorf("one per request vs all at once (-one +all):\n%s", diff)
	}
	if len(all.Emails) != 2 || all.Emails[1].Value != "back@x" {
		t.Errorf("emails = %+v", all.Emails)
	}
}

// filterOps returns n value-filter operations, each creating (Entra's
// way) or updating its own email, as an IdP syncing many addresses sends.
func filterOps(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		s := strconv.Itoa(i)
		b.WriteString(`{"op":"Add","path":"emails[type eq \"t` + s + `\"].value","value":"u` + s + `@example.com"}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// TestFilterOpsLinear: a request of value-filter operations evaluates each
// operation's filter against the candidates its index gives, not against
// every value: 1,000 operations creating 1,000 emails cost about 1,000
// filter evaluations, not 500,000.
func TestFilterOpsLinear(t *testing.T) {
	reg := resource.DefaultRegistry()
	ops, err := ParseRequest(filterOps(1000), Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := &resource.User{UserName: "a"}
	matchCalls.Store(0)
	if _, err := ApplyUser(reg, u, ops, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(u.Emails) != 1000 || u.Emails[999].Value != "u999@example.com" {
		t.Fatalf("%d emails", len(u.Emails))
	}
	if n := matchCalls.Load(); n > 2000 {
		t.Errorf("%d filter evaluations for 1,000 operations", n)
	}
}
