package patch_test

import (
	"fmt"

	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/resource"
)

// An Entra ID update, applied to a typed user.
func ExampleApplyUser() {
	body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
	  {"op":"Replace","path":"emails[type eq \"work\"].value","value":"babs@example.com"},
	  {"op":"Replace","path":"active","value":"False"}]}`)
	ops, err := patch.ParseRequest(body, patch.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	u := &resource.User{ID: "2819c223", UserName: "bjensen"}
	changed, err := patch.ApplyUser(resource.DefaultRegistry(), u, ops, patch.Options{})
	fmt.Println(changed, err, u.Emails[0].Type, u.Emails[0].Value, u.IsActive())
	// Output: true <nil> work babs@example.com false
}

// Okta's group rename, sent with every membership change, changes nothing
// when the name is the same: the handler can skip the write.
func ExampleApplyGroup() {
	ops, _ := patch.ParseRequest([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"replace","value":{"id":"abf4dd94","displayName":"Engineering"}}]}`), patch.Options{})
	g := &resource.Group{ID: "abf4dd94", DisplayName: "Engineering"}
	changed, err := patch.ApplyGroup(resource.DefaultRegistry(), g, ops, patch.Options{})
	fmt.Println(changed, err)
	// Output: false <nil>
}
