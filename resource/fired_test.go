package resource

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/quirk"
)

const entURN = EnterpriseUserSchema

// TestDecodeFired: each body tolerance records itself in
// DecodeOptions.Fired when it applies, and a body that RFC 7643 reads as
// it is records nothing.
func TestDecodeFired(t *testing.T) {
	r := testRegistry(t)
	for _, tc := range []struct {
		body string
		want quirk.Set
	}{
		{`{"userName":"a","active":"True"}`, quirk.BoolStrings},
		{`{"userName":"a","emails":[{"value":"a@b.c","primary":"false"}]}`, quirk.BoolStrings},
		{`{"userName":"a","` + extURN + `":{"level":1,"vip":"TRUE"}}`, quirk.BoolStrings},
		{`{"userName":"a","emails":{"value":"a@b.c"}}`, quirk.LoneObject},
		{`{"userName":"a","name":[{"givenName":"A"}]}`, quirk.UnwrapArray},
		{`{"userName":"a","name":[]}`, quirk.UnwrapArray},
		{`{"userName":"a","` + entURN + `":{"manager":"m1"}}`, quirk.ManagerString},
		{`{"userName":"a","` + entURN + `:manager":""}`, quirk.ManagerString},
		{`{"userName":"a","` + entURN + `":{"manager":[{"value":"m1"}]}}`, quirk.UnwrapArray},
		{`{"userName":"a","` + entURN + `":{"manager":["m1"]}}`, quirk.UnwrapArray | quirk.ManagerString},
		{`{"userName":"a","favouriteColour":"red"}`, quirk.UnknownAttributes},
		{`{"userName":"a","name":{"givenName":"A","nick":"x"}}`, quirk.UnknownAttributes},
		{`{"userName":"a","addresses":[{"country":"AU","planet":"Earth"}]}`, quirk.UnknownAttributes},
		{`{"userName":"a","` + entURN + `":{"shoeSize":9}}`, quirk.UnknownAttributes},
		{`{"userName":"a","` + entURN + `":{"manager":{"value":"m1","rank":2}}}`, quirk.UnknownAttributes},
		{`{"userName":"a","` + entURN + `:shoeSize":9}`, quirk.UnknownAttributes},
		{`{"userName":"a","` + extURN + `":{"level":1,"colour":"red"}}`, quirk.UnknownAttributes},
		{`{"userName":"a","urn:example:unregistered:1.0:User":{"x":1}}`, quirk.UnknownAttributes},

		{`{"schemas":["` + UserSchema + `","` + entURN + `"],"UserName":"a","Active":true,"name":{"givenName":"A"},"emails":[{"value":"a@b.c","primary":true}],` +
			`"addresses":null,"title":"","meta":{"resourceType":"User"},"groups":[{"value":"g","unknownRO":1}],` +
			`"` + entURN + `":{"manager":{"value":"m1","displayName":"M"},"department":"D"},"` + extURN + `":{"level":1,"vip":false}}`, 0},
	} {
		var fired quirk.Set
		if _, err := r.DecodeUserWith([]byte(tc.body), DecodeOptions{Fired: &fired}); err != nil {
			t.Errorf("%s: %v", tc.body, err)
		}
		if fired != tc.want {
			t.Errorf("%s: fired %v, want %v", tc.body, fired, tc.want)
		}
	}
	var fired quirk.Set
	if _, err := r.DecodeGroupWith([]byte(`{"displayName":"G","members":{"value":"u","label":"x"}}`), DecodeOptions{Fired: &fired}); err != nil || fired != quirk.LoneObject|quirk.UnknownAttributes {
		t.Errorf("group: err %v, fired %v", err, fired)
	}
}

// TestDecodeUnknownAttributes: with quirk.UnknownAttributes on (the
// default) attributes no schema defines are kept at the top level and in
// custom extensions and ignored inside core and enterprise attributes, as
// before; off, each is invalidSyntax naming it.
func TestDecodeUnknownAttributes(t *testing.T) {
	r := testRegistry(t)
	body := `{"userName":"a","favouriteColour":"red","name":{"givenName":"A","nick":"x"},` +
		`"` + entURN + `":{"department":"D","shoeSize":9},"` + extURN + `":{"level":1,"colour":"red"}}`
	u, err := r.DecodeUserWith([]byte(body), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]json.RawMessage{"favouriteColour": json.RawMessage(`"red"`)}, u.Extra); diff != "" {
		t.Errorf("Extra (-want +got):\n%s", diff)
	}
	if *u.Name != (Name{GivenName: "A"}) || *u.Enterprise != (EnterpriseUser{Department: "D"}) {
		t.Errorf("name %+v, enterprise %+v", u.Name, u.Enterprise)
	}
	if got := string(u.Extensions[extURN]); got != `{"level":1,"colour":"red"}` {
		t.Errorf("custom extension %s", got)
	}

	strict := DecodeOptions{Disable: quirk.UnknownAttributes}
	for _, tc := range []struct{ body, path string }{
		{`{"schemas":["` + UserSchema + `"],"userName":"a","favouriteColour":"red"}`, "favouriteColour"},
		{`{"userName":"a","name":{"givenName":"A","nick":"x"}}`, "name.nick"},
		{`{"userName":"a","emails":[{"value":"a@b.c"},{"value":"b@b.c","label":"x"}]}`, "emails.label"},
		{`{"userName":"a","` + entURN + `":{"shoeSize":9}}`, entURN + ":shoeSize"},
		{`{"userName":"a","` + entURN + `:shoeSize":9}`, entURN + ":shoeSize"},
		{`{"userName":"a","` + entURN + `":{"manager":{"value":"m","rank":2}}}`, entURN + ":manager.rank"},
		{`{"userName":"a","` + extURN + `":{"level":1,"colour":"red"}}`, extURN + ":colour"},
		{`{"userName":"a","favouriteColour":null}`, "favouriteColour"},
	} {
		_, err := r.DecodeUserWith([]byte(tc.body), strict)
		var re *Error
		if !errors.As(err, &re) || re.ScimType != ScimTypeInvalidSyntax || !strings.Contains(re.Detail, `"`+tc.path+`"`) {
			t.Errorf("%s: %v, want invalidSyntax naming %q", tc.body, err, tc.path)
		}
	}
	if _, err := r.DecodeGroupWith([]byte(`{"displayName":"G","colour":"red"}`), strict); err == nil {
		t.Error("group with an unknown attribute accepted")
	}
	// Read-only attributes are ignored, not refused, and unknown schema
	// URNs in schemas stay tolerated.
	ok := `{"schemas":["` + UserSchema + `","urn:example:typo"],"id":"x","userName":"a","meta":{"resourceType":"User","foo":1},"groups":[{"value":"g","foo":1}]}`
	if _, err := r.DecodeUserWith([]byte(ok), strict); err != nil {
		t.Errorf("strict refused %s: %v", ok, err)
	}
}
