package patch

import (
	"encoding/json"
	"github.com/scimkit/scim/quirk"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/resource"
)

// FuzzApply checks that no request panics, that a failed PATCH leaves the
// resource unchanged, that an unchanged result leaves it untouched, and
// that a successful one validates.
func FuzzApply(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var fx fixture
		if err := json.Unmarshal(data, &fx); err != nil {
			f.Fatal(err)
		}
		f.Add(string(fx.Request))
	}
	for _, op := range []string{
		`{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}`,
		`{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work","primary":true}}`,
		`{"op":"remove","path":"members"}`,
		`{"op":"remove","path":"userName"}`,
		`{"op":"replace","path":"emails[type eq \"work\" and primary eq true].display","value":"W"}`,
		`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"manager":"m2"}}`,
	} {
		f.Add(`{"Operations":[` + op + `]}`)
	}
	reg := resource.DefaultRegistry()
	f.Fuzz(func(t *testing.T, body string) {
		ops, err := ParseRequest([]byte(body), Options{MaxOperations: 20})
		if err != nil {
			return
		}
		for _, opts := range []Options{{}, {Disable: ^quirk.Set(0)}} {
			u, want := fuzzUser(t), fuzzUser(t)
			changed, err := ApplyUser(reg, u, ops, opts)
			checkApplied(t, "user", changed, err, want, u, func() error { return reg.ValidateUser(u) })

			g, wantG := mustGroup(t, tourGuides), mustGroup(t, tourGuides)
			changed, err = ApplyGroup(reg, g, ops, opts)
			checkApplied(t, "group", changed, err, wantG, g, func() error { return reg.ValidateGroup(g) })
		}
	})
}

func fuzzUser(t *testing.T) *resource.User {
	u := mustUser(t, bjensen)
	u.Password = "secret"
	u.Extra = map[string]json.RawMessage{"favouriteColour": json.RawMessage(`"blue"`)}
	u.Enterprise = &resource.EnterpriseUser{Department: "Tours", Manager: &resource.Manager{Value: "m1", DisplayName: "Boss"}}
	return u
}

func checkApplied[T any](t *testing.T, what string, changed bool, err error, want, got *T, validate func() error) {
	t.Helper()
	if err != nil {
		if _, ok := err.(*Error); !ok {
			t.Fatalf("%s: error %T %v is not *Error", what, err, err)
		}
		if changed {
			t.Fatalf("%s: changed with error %v", what, err)
		}
	}
	if err != nil || !changed {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s: changed = %v, err = %v, but the resource changed (-want +got):\n%s", what, changed, err, diff)
		}
		return
	}
	if err := validate(); err != nil {
		t.Fatalf("%s: the result does not validate: %v", what, err)
	}
}
