package patch

import (
	"strconv"
	"testing"

	"github.com/scimkit/scim/resource"
)

// BenchmarkEntraUserPatch applies a typical Entra update: capitalised ops,
// a filtered email, a name part, the enterprise department and "False".
func BenchmarkEntraUserPatch(b *testing.B) {
	body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
	{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
	{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"},
	{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Engineering"},
	{"op":"Replace","path":"active","value":"False"}]}`)
	reg := resource.DefaultRegistry()
	base := mustUser(b, bjensen)
	b.ReportAllocs()
	for b.Loop() {
		ops, err := ParseRequest(body, Options{})
		if err != nil {
			b.Fatal(err)
		}
		u := *base
		if _, err := ApplyUser(reg, &u, ops, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemberAdd adds one member to groups of several sizes, the
// Entra way; ApplyGroup takes its membership path.
func BenchmarkMemberAdd(b *testing.B) {
	body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"}]}]}`)
	reg := resource.DefaultRegistry()
	for _, n := range []int{100, 10000} {
		g := &resource.Group{ID: "g", DisplayName: "Big"}
		for i := range n {
			g.Members = append(g.Members, resource.Member{Value: "user-" + strconv.Itoa(i)})
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ops, err := ParseRequest(body, Options{})
				if err != nil {
					b.Fatal(err)
				}
				c := *g
				if _, err := ApplyGroup(reg, &c, ops, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(strconv.Itoa(n)+"/tree", func(b *testing.B) {
			ops, _ := ParseRequest(body, Options{})
			b.ReportAllocs()
			for b.Loop() {
				c := *g
				if _, err := applyGroupTree(reg, &c, ops, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMembers is the handler's check for the store's fast path.
func BenchmarkMembers(b *testing.B) {
	ops, _ := ParseRequest([]byte(`{"Operations":[{"op":"replace","value":{"id":"g","displayName":"Eng"}},
	{"op":"remove","path":"members[value eq \"u1\"]"},{"op":"add","path":"members","value":[{"value":"u2"}]}]}`), Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, ok := Members("g", ops, Options{}); !ok {
			b.Fatal("not ok")
		}
	}
}

// BenchmarkValueFilterOps applies requests of 10 and 1,000 value-filter
// operations, each creating its own email (Entra's create-on-no-match),
// so that the attribute grows with the request; ns/filter-op is the cost
// per operation, the same at both sizes when PATCH is linear.
func BenchmarkValueFilterOps(b *testing.B) {
	reg := resource.DefaultRegistry()
	for _, n := range []int{10, 1000} {
		body := filterOps(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ops, err := ParseRequest(body, Options{})
				if err != nil {
					b.Fatal(err)
				}
				u := &resource.User{UserName: "a"}
				if _, err := ApplyUser(reg, u, ops, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/filter-op")
		})
	}
}
