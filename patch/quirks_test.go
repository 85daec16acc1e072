package patch

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/quirk"
)

// quirkCase runs fixtures with the default options and, with quirk q
// turned off, expects the scimType off (or, when off is "", no error).
func quirkCase(t *testing.T, q quirk.Set, off string, names ...string) {
	t.Helper()
	for _, name := range names {
		runFixture(t, name, Options{})
		if off == "" {
			continue
		}
		r := applyFixture(t, loadFixture(t, name), Options{Disable: q})
		if got := scimType(r.err); got != off {
			t.Errorf("%s with the quirk off: error %v, want scimType %s", name, r.err, off)
		}
	}
}

// members returns the members of a decoded group.
func membersOf(v any) any { return v.(map[string]any)["members"] }

func TestQuirkOpCase(t *testing.T) {
	quirkCase(t, quirk.OpCase, "invalidSyntax", "entra_capitalised_ops", "entra_add_member")
	runFixture(t, "onelogin_lowercase_add", Options{Disable: quirk.OpCase})
}

func TestQuirkKeyCase(t *testing.T) {
	quirkCase(t, quirk.KeyCase, "invalidSyntax", "generic_lowercase_operations")
}

func TestQuirkMissingSchemas(t *testing.T) {
	quirkCase(t, quirk.MissingSchemas, "invalidSyntax", "generic_no_schemas")
}

func TestQuirkEmptyOperations(t *testing.T) {
	quirkCase(t, quirk.EmptyOperations, "invalidSyntax", "generic_empty_operations")
}

func TestQuirkBoolStrings(t *testing.T) {
	quirkCase(t, quirk.BoolStrings, "invalidValue", "entra_bool_strings", "entra_bool_strings_subattribute")
}

func TestQuirkPathlessPaths(t *testing.T) {
	quirkCase(t, quirk.PathlessPaths, "invalidPath", "entra_pathless_dotted", "entra_pathless_extension_object")
}

func TestQuirkRemoveByValue(t *testing.T) {
	quirkCase(t, quirk.RemoveByValue, "", "entra_remove_member_by_value")
	// Off, RFC 7644 §3.5.2.2 applies: path "members" removes them all.
	r := applyFixture(t, loadFixture(t, "entra_remove_member_by_value"), Options{Disable: quirk.RemoveByValue})
	if r.err != nil || membersOf(r.json) != nil {
		t.Errorf("quirk off: err %v, members %v; want every member removed", r.err, membersOf(r.json))
	}
}

func TestQuirkCreateOnNoMatch(t *testing.T) {
	quirkCase(t, quirk.CreateOnNoMatch, "noTarget", "entra_filter_creates_element")
}

func TestQuirkManagerString(t *testing.T) {
	quirkCase(t, quirk.ManagerString, "invalidValue", "entra_manager_string", "entra_manager_clear")
}

func TestQuirkUnwrapArray(t *testing.T) {
	quirkCase(t, quirk.UnwrapArray, "invalidValue", "entra_manager_array")
}

func TestQuirkLoneObject(t *testing.T) {
	quirkCase(t, quirk.LoneObject, "invalidValue", "entra_lone_object")
}

func TestQuirkRoleStrings(t *testing.T) {
	quirkCase(t, quirk.RoleStrings, "", "entra_roles_json_string")
	r := applyFixture(t, loadFixture(t, "entra_roles_json_string"), Options{Disable: quirk.RoleStrings})
	want := []any{map[string]any{"value": `{"id":"06b07648-ecfe-589f-9d2f-6325724a46ee","value":"25","displayName":"Role1234"}`}}
	if diff := cmp.Diff(want, r.json.(map[string]any)["roles"]); r.err != nil || diff != "" {
		t.Errorf("quirk off: err %v, roles (-want +got):\n%s", r.err, diff)
	}
}

func TestQuirkReadOnlyValues(t *testing.T) {
	quirkCase(t, quirk.ReadOnlyValues, "mutability", "okta_readonly_in_value")
}

func TestQuirkIdempotentRemove(t *testing.T) {
	quirkCase(t, quirk.IdempotentRemove, "noTarget", "okta_remove_absent_member")
}

// The cases below need no switch: RFC 7643 §2.5 and RFC 7644 §3.5.2 already
// give them a meaning; the tests pin the IdP bodies.

func TestEntraNullRef(t *testing.T) { runFixture(t, "entra_add_member", Options{}) }

func TestEntraExtensionPath(t *testing.T) { runFixture(t, "entra_extension_path", Options{}) }

func TestEntraRemoveMemberFilter(t *testing.T) {
	runFixture(t, "entra_remove_member_filter", Options{})
}

func TestAddPresentMember(t *testing.T) { runFixture(t, "entra_add_present_member", Options{}) }

func TestOktaGroupRename(t *testing.T) {
	runFixture(t, "okta_group_rename_noop", Options{})
	runFixture(t, "okta_group_rename", Options{})
}

func TestOktaMembersAddRemove(t *testing.T) { runFixture(t, "okta_members_add_remove", Options{}) }

func TestOktaReplaceMembersEmpty(t *testing.T) {
	runFixture(t, "okta_replace_members_empty", Options{})
}

func TestOktaDeactivate(t *testing.T) { runFixture(t, "okta_deactivate", Options{}) }
