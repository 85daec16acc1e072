package resource

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJSONFormIsComplete: json.Marshal and json.Unmarshal keep everything
// a user or a group holds but the password, custom extensions that no
// registry registers included.
func TestJSONFormIsComplete(t *testing.T) {
	u := everyFieldUser()
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var back User
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	want := everyFieldUser()
	want.Password = ""
	if d := cmp.Diff(want, &back); d != "" {
		t.Errorf("User through encoding/json (-want +got):\n%s\n%s", d, b)
	}
	var top struct{ Schemas []string }
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{UserSchema, EnterpriseUserSchema, "urn:example:ext:1.0:User"}, top.Schemas); d != "" {
		t.Errorf("schemas (-want +got):\n%s", d)
	}

	g := everyFieldGroup()
	b, err = json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	var gb Group
	if err := json.Unmarshal(b, &gb); err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	if d := cmp.Diff(everyFieldGroup(), &gb); d != "" {
		t.Errorf("Group through encoding/json (-want +got):\n%s\n%s", d, b)
	}
}

func TestJSONFormExtensionRules(t *testing.T) {
	const ext = "urn:example:ext:1.0:User"
	body := `{"schemas":["` + UserSchema + `","` + ext + `","urn:example:scalar"],"userName":"a",` +
		`"` + ext + `":{"b":[1, 2]},"urn:example:scalar":"x","urn:example:unlisted":{"c":1}}`
	var u User
	if err := u.UnmarshalJSON([]byte(body)); err != nil {
		t.Fatal(err)
	}
	want := &User{UserName: "a",
		Extensions: map[string]json.RawMessage{ext: json.RawMessage(`{"b":[1, 2]}`)},
		Extra: map[string]json.RawMessage{"urn:example:scalar": json.RawMessage(`"x"`),
			"urn:example:unlisted": json.RawMessage(`{"c":1}`)}}
	if d := cmp.Diff(want, &u); d != "" {
		t.Errorf("UnmarshalJSON (-want +got):\n%s", d)
	}
	// A request body is not the JSON form: DecodeUser keeps an extension
	// the registry does not register as an unknown attribute.
	got, err := DefaultRegistry().DecodeUser([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got.Extensions != nil || string(got.Extra[ext]) != `{"b":[1, 2]}` {
		t.Errorf("DecodeUser: Extensions %s, Extra %s; want the extension in Extra", got.Extensions, got.Extra)
	}
	// MarshalJSON refuses to write what it could not read back.
	for _, bad := range []*User{
		{UserName: "a", Extensions: map[string]json.RawMessage{ext: json.RawMessage(`{"b":`)}},
		{UserName: "a", Extra: map[string]json.RawMessage{"x": json.RawMessage(`nope`)}},
	} {
		if b, err := bad.MarshalJSON(); err == nil {
			t.Errorf("MarshalJSON(%v) = %s, want an error", bad, b)
		}
	}
	if b, err := (&Group{DisplayName: "g", Extra: map[string]json.RawMessage{"x": json.RawMessage(`{`)}}).MarshalJSON(); err == nil {
		t.Errorf("Group.MarshalJSON = %s, want an error", b)
	}
}
