package patch

import (
	"testing"

	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

// TestFiredFixtures applies the IdP fixtures with Options.Fired and checks
// that each records exactly the tolerances it needs: its quirk (see
// TestQuirk*) and, for Entra, the capitalised op names it sends with it;
// the fixtures RFC 7644 reads as they are record nothing.
func TestFiredFixtures(t *testing.T) {
	for name, want := range map[string]quirk.Set{
		"entra_capitalised_ops":           quirk.OpCase,
		"entra_add_member":                quirk.OpCase,
		"entra_add_present_member":        quirk.OpCase,
		"entra_extension_path":            quirk.OpCase,
		"generic_lowercase_operations":    quirk.KeyCase,
		"generic_no_schemas":              quirk.MissingSchemas,
		"generic_empty_operations":        quirk.EmptyOperations,
		"entra_bool_strings":              quirk.OpCase | quirk.BoolStrings,
		"entra_bool_strings_subattribute": quirk.OpCase | quirk.BoolStrings,
		"entra_pathless_dotted":           quirk.PathlessPaths,
		"entra_pathless_extension_object": quirk.PathlessPaths,
		"entra_remove_member_by_value":    quirk.OpCase | quirk.RemoveByValue,
		"entra_filter_creates_element":    quirk.OpCase | quirk.CreateOnNoMatch,
		"entra_manager_string":            quirk.ManagerString,
		"entra_manager_clear":             quirk.ManagerString,
		"entra_manager_array":             quirk.OpCase | quirk.UnwrapArray,
		"entra_lone_object":               quirk.LoneObject,
		"entra_roles_json_string":         quirk.OpCase | quirk.RoleStrings,
		"okta_readonly_in_value":          quirk.ReadOnlyValues,
		"okta_remove_absent_member":       quirk.IdempotentRemove,

		"onelogin_lowercase_add":     0,
		"entra_remove_member_filter": 0,
		"okta_deactivate":            0,
		"okta_group_rename":          0,
		"okta_group_rename_noop":     0,
		"okta_members_add_remove":    0,
		"okta_replace_members_empty": 0,
	} {
		var fired quirk.Set
		r := applyFixture(t, loadFixture(t, name), Options{Fired: &fired})
		if r.err != nil {
			t.Errorf("%s: %v", name, r.err)
		}
		if fired != want {
			t.Errorf("%s: fired %v, want %v", name, fired, want)
		}
	}
}

// TestFiredMembersPlan: on the membership path the planner records a
// remove of a member the request removed already, and Apply one the
// group does not have; removing a present member records nothing.
func TestFiredMembersPlan(t *testing.T) {
	for _, tc := range []struct {
		body string
		want quirk.Set
	}{
		{`[{"op":"remove","path":"members[value eq \"u1\"]"}]`, 0},
		{`[{"op":"remove","path":"members[value eq \"absent\"]"}]`, quirk.IdempotentRemove},
		{`[{"op":"remove","path":"members[value eq \"u1\"]"},{"op":"remove","path":"members[value eq \"u1\"]"}]`, quirk.IdempotentRemove},
		{`[{"op":"add","path":"members","value":[{"value":"u9"}]},{"op":"remove","path":"members[value eq \"u9\"]"}]`, 0},
		{`[{"op":"add","path":"members","value":[{"value":"u9","label":"x"}]}]`, quirk.UnknownAttributes},
	} {
		var fired quirk.Set
		opts := Options{Fired: &fired}
		ops, err := ParseRequest([]byte(`{"schemas":["`+PatchOpSchema+`"],"Operations":`+tc.body+`}`), opts)
		if err != nil {
			t.Fatal(err)
		}
		g := &resource.Group{ID: "g", DisplayName: "G", Members: []resource.Member{{Value: "u1", Type: "User"}, {Value: "u2", Type: "User"}}}
		if _, err := PlanGroup(g.ID, ops, opts).Apply(resource.DefaultRegistry(), g); err != nil {
			t.Errorf("%s: %v", tc.body, err)
		}
		if fired != tc.want {
			t.Errorf("%s: fired %v, want %v", tc.body, fired, tc.want)
		}
	}
}
