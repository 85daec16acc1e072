package resource_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/scimkit/scim/resource"
)

// AppendGroupHead, AppendGroupMembers over any split of the members and
// AppendGroupTail are byte for byte AppendGroup, under every projection,
// with a registered group extension and extra attributes.
func TestAppendGroupInParts(t *testing.T) {
	const ext = "urn:example:params:scim:schemas:extension:acme:2.0:Group"
	r, err := resource.NewRegistry(nil, []*resource.Schema{{ID: ext, Name: "AcmeGroup", Attributes: []*resource.Attribute{
		{Name: "costCenter", Type: resource.TypeString, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	g := &resource.Group{ID: "g1", ExternalID: "ext", DisplayName: "Sales \"EU\"",
		Extensions: map[string]json.RawMessage{ext: json.RawMessage(`{"costCenter":"42"}`)},
		Extra:      map[string]json.RawMessage{"note": json.RawMessage(`"kept"`)},
		Meta:       resource.Meta{ResourceType: "Group", Created: at, LastModified: at, Location: "https://x/Groups/g1", Version: "7"}}
	for i := range 7 {
		g.Members = append(g.Members, resource.Member{Value: fmt.Sprint("u", i), Ref: fmt.Sprint("https://x/Users/u", i), Display: "U\u2028" + fmt.Sprint(i), Type: "User"})
	}
	for _, q := range [][2]string{{"", ""}, {"members", ""}, {"members.value", ""}, {"displayName", ""}, {"", "members"},
		{"", "meta"}, {"", "members.display"}, {ext + ":costCenter", ""}, {"", "displayName," + ext}} {
		p, err := resource.NewProjection(r.Group, q[0], q[1])
		if err != nil {
			t.Fatal(err)
		}
		for _, members := range []int{0, 1, 7} {
			whole := *g
			whole.Members = g.Members[:members]
			want := r.AppendGroup(nil, &whole, p)
			for step := 1; step <= 7; step++ {
				got := r.AppendGroupHead([]byte("x"), &whole, p)
				n := 0
				for n < members {
					k := min(step, members-n)
					got = r.AppendGroupMembers(got, whole.Members[n:n+k], n, p)
					n += k
				}
				got = r.AppendGroupTail(got, &whole, n, p)
				if !bytes.Equal(got[1:], want) || got[0] != 'x' {
					t.Errorf("%v, %d members in steps of %d:\n got %s\nwant %s", q, members, step, got[1:], want)
				}
			}
		}
	}
}
