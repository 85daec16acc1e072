package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// appRoles is an app's own roles served read-only as SCIM resources: the
// app decides which roles exist, the identity provider assigns them.
type appRoles map[string]string // id -> name, e.g. "admin" -> "Administrator"

func (a appRoles) object(id string) *resource.Object {
	attrs, _ := json.Marshal(map[string]string{"displayName": a[id]})
	return &resource.Object{ID: id, Attributes: attrs}
}

func (a appRoles) GetResource(_ context.Context, id string) (*resource.Object, error) {
	if _, ok := a[id]; !ok {
		return nil, store.ErrNotFound
	}
	return a.object(id), nil
}

func (a appRoles) ListResources(_ context.Context, p store.Page) (scim.CustomList, error) {
	ids := []string{"admin", "member"} // a stable order
	from := min(p.StartIndex-1, len(ids))
	to := min(from+p.Count, len(ids))
	var out []*resource.Object
	for _, id := range ids[from:to] {
		out = append(out, a.object(id))
	}
	return scim.CustomList{Resources: out, TotalResults: len(ids)}, nil
}

// Serve the app's roles at /Roles for Okta's entitlement management, and
// refuse the assignment of a role the app does not have.
func ExampleCustomType() {
	srv, _ := scim.New(scim.Config{
		Store:        memory.New(),
		Authenticate: scim.NoAuthentication,
		NewID:        func() string { return "u1" },
		ResourceTypes: []scim.CustomType{{
			Type:    scim.OktaRoleType(),
			Source:  appRoles{"admin": "Administrator", "member": "Member"},
			Assigns: scim.AssignsRoles,
		}},
	})
	send := func(method, path, body string) string {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		var m struct {
			TotalResults int
			Resources    []struct{ ID, DisplayName string }
			Detail       string
		}
		json.Unmarshal(rec.Body.Bytes(), &m)
		return strings.TrimSpace(fmt.Sprintf("%d %d %v %s", rec.Code, m.TotalResults, m.Resources, m.Detail))
	}
	fmt.Println(send(http.MethodGet, "/Roles?startIndex=1&count=100", ""))
	fmt.Println(send(http.MethodPost, "/Users", `{"userName":"ada@acme.test","roles":[{"value":"admin"}]}`))
	fmt.Println(send(http.MethodPatch, "/Users/u1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"add","path":"roles","value":[{"value":"owner"}]}]}`))
	// Output:
	// 200 2 [{admin Administrator} {member Member}]
	// 201 0 []
	// 400 0 [] roles[1].value "owner" is not the id of any resource of /Roles, which list the values this service provider accepts
}
