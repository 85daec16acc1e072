package resource

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// everyFieldUser returns a user with every field of every struct it
// reaches set to a non-zero value; TestEveryFieldUserIsFull keeps it so
// when a field is added.
func everyFieldUser() *User {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	mv := func(v string, primary bool) MultiValue {
		return MultiValue{Value: v, Display: "d " + v, Type: "work", Primary: ptr(primary)}
	}
	return &User{
		ID: "u1", ExternalID: "ext-u1", UserName: "bjensen",
		Name: &Name{Formatted: "Ms. Barbara J Jensen III", FamilyName: "Jensen", GivenName: "Barbara",
			MiddleName: "Jane", HonorificPrefix: "Ms.", HonorificSuffix: "III"},
		DisplayName: "Babs", NickName: "B", ProfileURL: "https://example.com/b", Title: "Guide",
		UserType: "Employee", PreferredLanguage: "en-US", Locale: "en-US", Timezone: "Europe/Paris",
		Active: ptr(true), Password: "secret",
		Emails:       []MultiValue{mv("b@example.com", true), mv("c@example.com", false)},
		PhoneNumbers: []MultiValue{mv("555-0100", true)},
		IMs:          []MultiValue{mv("aim-b", true)},
		Photos:       []MultiValue{mv("https://example.com/p.png", true)},
		Addresses: []Address{{Formatted: "1 Main St", StreetAddress: "1 Main St", Locality: "Paris", Region: "IDF",
			PostalCode: "75001", Country: "FR", Type: "work", Primary: ptr(true)}},
		Groups:           []GroupRef{{Value: "g1", Ref: "https://example.com/Groups/g1", Display: "Admins", Type: "direct"}},
		Entitlements:     []MultiValue{mv("ent", true)},
		Roles:            []MultiValue{mv("role", true)},
		X509Certificates: []MultiValue{mv("TUlJRA==", true)},
		Enterprise: &EnterpriseUser{EmployeeNumber: "1", CostCenter: "2", Organization: "3", Division: "4", Department: "5",
			Manager: &Manager{Value: "u2", Ref: "https://example.com/Users/u2", DisplayName: "Boss"}},
		Extensions: map[string]json.RawMessage{"urn:example:ext:1.0:User": json.RawMessage(`{"badge":"42"}`)},
		Extra:      map[string]json.RawMessage{"customField": json.RawMessage(`"kept"`)},
		Meta:       Meta{ResourceType: "User", Created: at, LastModified: at, Location: "https://example.com/Users/u1", Version: "7"},
	}
}

func everyFieldGroup() *Group {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	return &Group{
		ID: "g1", ExternalID: "ext-g1", DisplayName: "Admins",
		Members:    []Member{{Value: "u1", Ref: "https://example.com/Users/u1", Display: "Babs", Type: "User"}},
		Extensions: map[string]json.RawMessage{"urn:example:ext:1.0:Group": json.RawMessage(`{"code":"7"}`)},
		Extra:      map[string]json.RawMessage{"note": json.RawMessage(`"kept"`)},
		Meta:       Meta{ResourceType: "Group", Created: at, LastModified: at, Location: "https://example.com/Groups/g1", Version: "3"},
	}
}

// zeroFields returns the paths of the zero fields v reaches.
func zeroFields(path string, v reflect.Value) []string {
	if v.IsZero() {
		return []string{path}
	}
	var out []string
	switch v.Kind() {
	case reflect.Pointer:
		if v.Elem().Kind() == reflect.Struct {
			out = zeroFields(path, v.Elem()) // a *bool is set when not nil
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			return nil
		}
		for i := 0; i < v.NumField(); i++ {
			out = append(out, zeroFields(path+"."+v.Type().Field(i).Name, v.Field(i))...)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil
		}
		for i := 0; i < v.Len(); i++ {
			out = append(out, zeroFields(path+"[]", v.Index(i))...)
		}
	}
	return out
}

// TestEveryFieldUserIsFull keeps the fixtures of the clone and attribute
// tests complete: a field added to User, Group or a type they hold is zero
// in them until the fixture (and with it the code under test) covers it.
// Email primary false is a value, not a zero: it is a non-nil pointer.
func TestEveryFieldUserIsFull(t *testing.T) {
	for name, v := range map[string]any{"User": everyFieldUser(), "Group": everyFieldGroup()} {
		if z := zeroFields(name, reflect.ValueOf(v)); len(z) > 0 {
			t.Errorf("fields not set in the fixture: %v", z)
		}
	}
}

// aliases returns the paths at which a and b (equal values) share memory:
// a pointer, a slice's array or a map.
func aliases(path string, a, b reflect.Value) []string {
	var out []string
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return nil
		}
		if a.Pointer() == b.Pointer() {
			out = append(out, path)
		}
		out = append(out, aliases(path, a.Elem(), b.Elem())...)
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if a.Type().Field(i).IsExported() {
				out = append(out, aliases(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))...)
			}
		}
	case reflect.Slice:
		if a.Len() == 0 || b.Len() == 0 {
			return nil
		}
		if a.Pointer() == b.Pointer() {
			out = append(out, path)
		}
		for i := 0; i < a.Len(); i++ {
			out = append(out, aliases(path+"[]", a.Index(i), b.Index(i))...)
		}
	case reflect.Map:
		if a.IsNil() || b.IsNil() {
			return nil
		}
		if a.Pointer() == b.Pointer() {
			out = append(out, path)
		}
		for _, k := range a.MapKeys() {
			out = append(out, aliases(path+"["+k.String()+"]", a.MapIndex(k), b.MapIndex(k))...)
		}
	}
	return out
}

func TestCloneIsDeep(t *testing.T) {
	u := everyFieldUser()
	c := u.Clone()
	if d := cmp.Diff(u, c); d != "" {
		t.Errorf("User.Clone differs (-orig +clone):\n%s", d)
	}
	if a := aliases("User", reflect.ValueOf(u), reflect.ValueOf(c)); len(a) > 0 {
		t.Errorf("User.Clone shares memory at %v", a)
	}
	g := everyFieldGroup()
	cg := g.Clone()
	if d := cmp.Diff(g, cg); d != "" {
		t.Errorf("Group.Clone differs (-orig +clone):\n%s", d)
	}
	if a := aliases("Group", reflect.ValueOf(g), reflect.ValueOf(cg)); len(a) > 0 {
		t.Errorf("Group.Clone shares memory at %v", a)
	}
}

func TestCloneKeepsNilAndEmpty(t *testing.T) {
	if (*User)(nil).Clone() != nil || (*Group)(nil).Clone() != nil {
		t.Error("Clone of nil is not nil")
	}
	u := &User{Emails: []MultiValue{}, Extra: map[string]json.RawMessage{}}
	c := u.Clone()
	if c.Emails == nil || len(c.Emails) != 0 || c.Extra == nil || len(c.Extra) != 0 || c.Extensions != nil || c.Name != nil {
		t.Errorf("Clone(%+v) = %+v, want empty kept empty and nil kept nil", u, c)
	}
}
