package resource

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const extURN = "urn:example:params:scim:schemas:extension:acme:2.0:User"

// testRegistry has one custom User extension.
func testRegistry(t testing.TB) *Registry {
	t.Helper()
	r, err := NewRegistry([]*Schema{{
		ID:   extURN,
		Name: "AcmeUser",
		Attributes: []*Attribute{
			{Name: "badge", Type: TypeString, Mutability: Immutable, Returned: ReturnedDefault},
			{Name: "level", Type: TypeInteger, Required: true, Mutability: ReadWrite, Returned: ReturnedDefault},
			{Name: "vip", Type: TypeBoolean, Mutability: ReadWrite, Returned: ReturnedDefault},
			{Name: "secret", Type: TypeString, Mutability: ReadWrite, Returned: ReturnedRequest},
			{Name: "hired", Type: TypeDateTime, Mutability: ReadWrite, Returned: ReturnedDefault},
			{Name: "tags", Type: TypeString, MultiValued: true, Mutability: ReadWrite, Returned: ReturnedDefault},
		},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ptr[T any](v T) *T { return &v }

func TestDecodeUserIdPBodies(t *testing.T) {
	r := testRegistry(t)
	tests := []struct {
		name string
		body string
		want *User
	}{{
		// Microsoft Entra ID, MS-TUT example POST /Users (docs/idp-compatibility.md#read-only-attributes).
		name: "entra",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1","active":true,
 "emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
 "meta":{"resourceType":"User"},
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
 "roles":[]}`,
		want: &User{
			ExternalID: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
			UserName:   "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
			Active:     ptr(true),
			Emails:     []MultiValue{{Value: "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com", Type: "work", Primary: ptr(true)}},
			Name:       &Name{Formatted: "givenName familyName", FamilyName: "familyName", GivenName: "givenName"},
		},
	}, {
		// The older MS-TUT example: explicit nulls and a typo'd URN (docs/idp-compatibility.md#null-and-empty, docs/idp-compatibility.md#entra-unknown-schema-urns).
		name: "entra old",
		body: `{"active":true,"addresses":null,"displayName":"Jane Doe","emails":[{"primary":true,"type":"work","value":"jane@contoso.com"}],
 "externalId":"jdoe","meta":{"resourceType":"User"},"name":{"familyName":"Doe","givenName":"Jane"},"phoneNumbers":null,
 "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
 "title":null,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":null},
 "userName":"jdoe@contoso.com"}`,
		want: &User{
			ExternalID: "jdoe", UserName: "jdoe@contoso.com", DisplayName: "Jane Doe", Active: ptr(true),
			Emails:     []MultiValue{{Value: "jane@contoso.com", Type: "work", Primary: ptr(true)}},
			Name:       &Name{FamilyName: "Doe", GivenName: "Jane"},
			Enterprise: &EnterpriseUser{Department: "Sales"},
		},
	}, {
		// Okta OKTA-REF POST /Users: password, groups:[] and locale (docs/idp-compatibility.md#okta-password).
		name: "okta",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"ignored","userName":"test.user@okta.local",
 "name":{"givenName":"Test","familyName":"User"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
 "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}`,
		want: &User{
			ExternalID: "00ujl29u0le5T6Aj10h7", UserName: "test.user@okta.local", DisplayName: "Test User", Locale: "en-US",
			Name:     &Name{GivenName: "Test", FamilyName: "User"},
			Emails:   []MultiValue{{Value: "test.user@okta.local", Type: "work", Primary: ptr(true)}},
			Password: "1mz050nq", Active: ptr(true),
		},
	}, {
		// Microsoft's validator / SCIMReferenceCode Postman casing (docs/idp-compatibility.md#attribute-case).
		name: "validator casing",
		body: `{"UserName":"UserName123","Active":"True","DisplayName":"BobIsAmazing",
 "Emails":[{"Primary":"true","Type":"work","Value":"bob@x.com"}],"Schemas":["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],
 "ExternalId":"${__Guid}","Name":{"FamilyName":"familyName","GivenName":"givenName"}}`,
		want: &User{
			UserName: "UserName123", Active: ptr(true), DisplayName: "BobIsAmazing", ExternalID: "${__Guid}",
			Emails: []MultiValue{{Value: "bob@x.com", Type: "work", Primary: ptr(true)}},
			Name:   &Name{FamilyName: "familyName", GivenName: "givenName"},
		},
	}, {
		name: "manager forms and lone object",
		body: `{"userName":"a","emails":{"value":"a@b.c"},"active":"FALSE",
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"123456"},
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"E1"}`,
		want: &User{UserName: "a", Active: ptr(false), Emails: []MultiValue{{Value: "a@b.c"}},
			Enterprise: &EnterpriseUser{EmployeeNumber: "E1", Manager: &Manager{Value: "123456"}}},
	}, {
		name: "manager array with null ref",
		body: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"$ref":null,"value":"m1"}]}}`,
		want: &User{UserName: "a", Enterprise: &EnterpriseUser{Manager: &Manager{Value: "m1"}}},
	}, {
		name: "manager empty string",
		body: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":""}}`,
		want: &User{UserName: "a"},
	}, {
		name: "custom extension without schemas entry, extra kept",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a",
 "URN:EXAMPLE:params:scim:schemas:extension:acme:2.0:User":{"Level":3,"VIP":"True","unknown":[1, 2],"badge":null},
 "customThing":{"x":1},"nothing":null}`,
		want: &User{UserName: "a",
			Extensions: map[string]json.RawMessage{extURN: json.RawMessage(`{"level":3,"vip":true,"unknown":[1, 2]}`)},
			Extra:      map[string]json.RawMessage{"customThing": json.RawMessage(`{"x":1}`)}},
	}, {
		name: "duplicate keys differing in case: last wins",
		body: `{"userName":"first","USERNAME":"second","title":"t","Title":null}`,
		want: &User{UserName: "second"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.DecodeUser([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if err := r.ValidateUser(got); err != nil && got.Extensions == nil {
				t.Errorf("ValidateUser: %v", err)
			}
		})
	}
}

func TestDecodeGroupIdPBodies(t *testing.T) {
	r := testRegistry(t)
	tests := []struct {
		name, body string
		want       *Group
	}{{
		// Entra MS-TUT POST /Groups with the ADSCIM URN (docs/idp-compatibility.md#entra-unknown-schema-urns).
		name: "entra",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
 "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName","meta":{"resourceType":"Group"}}`,
		want: &Group{ExternalID: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", DisplayName: "displayName"},
	}, {
		// Okta group push: members without type, display present (docs/idp-compatibility.md#member-type-default).
		name: "okta",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2",
 "members":[{"value":"23a3","display":"test.user@okta.local"},{"value":"u2","type":"user","$ref":null}]}`,
		want: &Group{DisplayName: "Test SCIMv2", Members: []Member{
			{Value: "23a3", Display: "test.user@okta.local"}, {Value: "u2", Type: "User"}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.DecodeGroup([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if err := r.ValidateGroup(got); err != nil {
				t.Errorf("ValidateGroup: %v", err)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	r := testRegistry(t)
	deep := strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth)
	many := `{"userName":"a","emails":[` + strings.Repeat(`{"value":"x"},`, MaxValues) + `{"value":"y"}]}`
	tests := []struct {
		name, body, scimType, detail string
	}{
		{"malformed", `{"userName":`, "invalidSyntax", ""},
		{"trailing", `{"userName":"a"} x`, "invalidSyntax", ""},
		{"not object", `["a"]`, "invalidSyntax", ""},
		{"bad escape", `{"userName":"\x"}`, "invalidSyntax", ""},
		{"lone surrogate", `{"userName":"\ud800"}`, "invalidSyntax", ""},
		{"invalid utf8", "{\"userName\":\"\xff\"}", "invalidSyntax", "UTF-8"},
		{"control char", "{\"userName\":\"a\x01\"}", "invalidSyntax", ""},
		{"too deep", `{"userName":"a","x":` + deep + `}`, "invalidSyntax", "nesting"},
		{"too long", `{"userName":"` + strings.Repeat("a", MaxStringLength+1) + `"}`, "invalidValue", "exceeds"},
		{"too many values", many, "invalidValue", `"emails"`},
		{"userName number", `{"userName":1}`, "invalidValue", `"userName"`},
		{"active garbage", `{"userName":"a","active":"yes"}`, "invalidValue", `"active"`},
		{"primary wrong", `{"userName":"a","emails":[{"value":"x","primary":3}]}`, "invalidValue", `"emails[0].primary"`},
		{"name string", `{"userName":"a","name":"Bob"}`, "invalidValue", `"name"`},
		{"schemas without core", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"a"}`, "invalidValue", "schemas"},
		{"x509 not base64", `{"userName":"a","x509Certificates":[{"value":"!!"}]}`, "invalidValue", "x509Certificates"},
		{"ext integer", `{"userName":"a","` + extURN + `":{"level":"three"}}`, "invalidValue", "level"},
		{"ext dateTime", `{"userName":"a","` + extURN + `":{"hired":"yesterday"}}`, "invalidValue", "hired"},
		{"manager number", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":5}}`, "invalidValue", "manager"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.DecodeUser([]byte(tt.body))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.ScimType != tt.scimType || !strings.Contains(e.Detail, tt.detail) {
				t.Errorf("got %q %q, want %q containing %q", e.ScimType, e.Detail, tt.scimType, tt.detail)
			}
		})
	}
	if _, err := r.DecodeGroup([]byte(`{"displayName":"g","members":[{"value":"1","type":"Robot"}]}`)); err == nil {
		t.Error("member type Robot accepted")
	}
}

func TestValidate(t *testing.T) {
	r := testRegistry(t)
	tests := []struct {
		name   string
		user   *User
		detail string
	}{
		{"ok", &User{UserName: "a"}, ""},
		{"blank userName", &User{UserName: "  "}, `"userName" is required`},
		{"ext missing required", &User{UserName: "a", Extensions: map[string]json.RawMessage{extURN: json.RawMessage(`{"vip":true}`)}}, "level"},
		{"ext wrong type", &User{UserName: "a", Extensions: map[string]json.RawMessage{extURN: json.RawMessage(`{"level":1,"vip":"maybe"}`)}}, "vip"},
		{"ext unknown", &User{UserName: "a", Extensions: map[string]json.RawMessage{"urn:x": json.RawMessage(`{}`)}}, "not registered"},
	}
	for _, tt := range tests {
		err := r.ValidateUser(tt.user)
		if tt.detail == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.ScimType != "invalidValue" || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("%s: err = %v, want invalidValue containing %q", tt.name, err, tt.detail)
		}
	}
	var e *Error
	if err := r.ValidateGroup(&Group{}); !errors.As(err, &e) || !strings.Contains(e.Detail, `"displayName" is required`) {
		t.Errorf("ValidateGroup(empty) = %v", err)
	}
}

func TestCheckImmutable(t *testing.T) {
	r := testRegistry(t)
	ext := func(s string) map[string]json.RawMessage {
		return map[string]json.RawMessage{extURN: json.RawMessage(s)}
	}
	old := &User{UserName: "a", Extensions: ext(`{"badge":"B1","level":1}`)}
	tests := []struct {
		name    string
		old     *User
		new     *User
		wantErr bool
	}{
		{"same", old, &User{UserName: "b", Extensions: ext(`{"badge":"B1","level":2}`)}, false},
		{"changed", old, &User{UserName: "a", Extensions: ext(`{"badge":"B2","level":1}`)}, true},
		{"removed", old, &User{UserName: "a"}, true},
		{"unset before", &User{UserName: "a"}, &User{UserName: "a", Extensions: ext(`{"badge":"B2"}`)}, false},
	}
	for _, tt := range tests {
		err := r.CheckImmutable(r.User, tt.old, tt.new)
		var e *Error
		if tt.wantErr != (err != nil) || (err != nil && (!errors.As(err, &e) || e.ScimType != "mutability")) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	if err := r.CheckImmutable(r.Group, &Group{Members: []Member{{Value: "1"}}}, &Group{}); err != nil {
		t.Errorf("members change reported: %v", err)
	}
}
