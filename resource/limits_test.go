package resource

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDecodeRefusesNUL: U+0000 is refused in every string, values and keys,
// wherever it sits in the body (PostgreSQL cannot store it in text or jsonb).
func TestDecodeRefusesNUL(t *testing.T) {
	r := testRegistry(t)
	for _, body := range []string{
		`{"userName":"a\u0000b"}`,
		`{"userName":"a","displayName":"\u0000"}`,
		`{"userName":"a","emails":[{"value":"x\u0000@y"}]}`,
		`{"userName":"a","favourite\u0000":"x"}`,
		`{"userName":"a","x":{"y":["\u0000"]}}`,
		`{"userName":"a","` + extURN + `":{"level":1,"tags":["t\u0000"]}}`,
	} {
		_, err := r.DecodeUser([]byte(body))
		var e *Error
		if !errors.As(err, &e) || e.ScimType != "invalidValue" || !strings.Contains(e.Detail, "U+0000") {
			t.Errorf("DecodeUser(%s) = %v, want invalidValue about U+0000", body, err)
		}
	}
	if _, err := r.DecodeGroup([]byte(`{"displayName":"g","members":[{"value":"\u0000"}]}`)); err == nil {
		t.Error("DecodeGroup accepted a NUL in a member value")
	}
}

// TestDecodeSchemasLimit: schemas is bounded by MaxValues like every other
// multi-valued attribute.
func TestDecodeSchemasLimit(t *testing.T) {
	r := testRegistry(t)
	list := func(n int) string {
		return `["` + UserSchema + `"` + strings.Repeat(`,"urn:x"`, n-1) + `]`
	}
	if _, err := r.DecodeUser([]byte(`{"userName":"a","schemas":` + list(MaxValues) + `}`)); err != nil {
		t.Fatalf("%d schemas: %v", MaxValues, err)
	}
	_, err := r.DecodeUser([]byte(`{"userName":"a","schemas":` + list(MaxValues+1) + `}`))
	var e *Error
	if !errors.As(err, &e) || e.ScimType != "invalidValue" || !strings.Contains(e.Detail, `"schemas"`) {
		t.Errorf("%d schemas: err = %v, want invalidValue about schemas", MaxValues+1, err)
	}
	_, err = r.DecodeGroup([]byte(`{"displayName":"g","schemas":` + strings.Replace(list(MaxValues+1), UserSchema, GroupSchema, 1) + `}`))
	if !errors.As(err, &e) || e.ScimType != "invalidValue" {
		t.Errorf("group with %d schemas: err = %v, want invalidValue", MaxValues+1, err)
	}
}

// TestValidateIndexedLength: userName, externalId and group displayName
// are limited to MaxIndexedLength bytes.
func TestValidateIndexedLength(t *testing.T) {
	r := testRegistry(t)
	ok, long := strings.Repeat("é", MaxIndexedLength/2), strings.Repeat("a", MaxIndexedLength+1)
	users := []struct {
		u    *User
		attr string
	}{
		{&User{UserName: ok, ExternalID: ok}, ""},
		{&User{UserName: long}, `"userName"`},
		{&User{UserName: "a", ExternalID: long}, `"externalId"`},
	}
	for _, tt := range users {
		checkLimitErr(t, r.ValidateUser(tt.u), tt.attr)
	}
	groups := []struct {
		g    *Group
		attr string
	}{
		{&Group{DisplayName: ok, ExternalID: ok}, ""},
		{&Group{DisplayName: long}, `"displayName"`},
		{&Group{DisplayName: "g", ExternalID: long}, `"externalId"`},
	}
	for _, tt := range groups {
		checkLimitErr(t, r.ValidateGroup(tt.g), tt.attr)
	}
}

func checkLimitErr(t *testing.T, err error, attr string) {
	t.Helper()
	if attr == "" {
		if err != nil {
			t.Errorf("err = %v, want nil", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.ScimType != "invalidValue" || !strings.Contains(e.Detail, attr) || !strings.Contains(e.Detail, "1024 bytes") {
		t.Errorf("err = %v, want invalidValue about %s and 1024 bytes", err, attr)
	}
}

// TestPrimaryFalseRoundTrip: primary false is a value (RFC 7643 §2.5: only
// null and unassigned are absent), kept through decoding and encoding for
// every multi-valued attribute that has primary.
func TestPrimaryFalseRoundTrip(t *testing.T) {
	r := testRegistry(t)
	var b strings.Builder
	b.WriteString(`{"userName":"a"`)
	for _, a := range []string{"emails", "phoneNumbers", "ims", "photos", "entitlements", "roles", "x509Certificates"} {
		b.WriteString(`,"` + a + `":[{"value":"YWJj","primary":false},{"value":"ZGVm","primary":true},{"value":"Z2hp"}]`)
	}
	b.WriteString(`,"addresses":[{"country":"US","primary":false},{"country":"NL","primary":"False"},{"country":"DE"}]}`)
	u, err := r.DecodeUser([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	f, tr := false, true
	want := []MultiValue{{Value: "YWJj", Primary: &f}, {Value: "ZGVm", Primary: &tr}, {Value: "Z2hp"}}
	for name, got := range map[string][]MultiValue{"emails": u.Emails, "phoneNumbers": u.PhoneNumbers, "ims": u.IMs,
		"photos": u.Photos, "entitlements": u.Entitlements, "roles": u.Roles, "x509Certificates": u.X509Certificates} {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	wantAddr := []Address{{Country: "US", Primary: &f}, {Country: "NL", Primary: &f}, {Country: "DE"}}
	if diff := cmp.Diff(wantAddr, u.Addresses); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
	enc := string(r.AppendUser(nil, u, nil))
	if n := strings.Count(enc, `"primary":false`); n != 9 {
		t.Errorf(`encoding has %d "primary":false, want 9: %s`, n, enc)
	}
	if n := strings.Count(enc, `"primary":true`); n != 7 {
		t.Errorf(`encoding has %d "primary":true, want 7: %s`, n, enc)
	}
	u2, err := r.DecodeUser([]byte(enc))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, u2); diff != "" {
		t.Errorf("round trip (-first +second):\n%s", diff)
	}
	if got := u.Get(UserSchema, "emails").([]any)[0].(map[string]any)["primary"]; got != false {
		t.Errorf(`Get emails[0].primary = %v, want false`, got)
	}
}

// TestIndexedLengthAdvertised: /Schemas (the registry's descriptions)
// states the limit, and maxIndexed agrees with MaxIndexedLength.
func TestIndexedLengthAdvertised(t *testing.T) {
	if maxIndexed != strconv.Itoa(MaxIndexedLength)+" bytes" {
		t.Fatalf("maxIndexed = %q, MaxIndexedLength = %d", maxIndexed, MaxIndexedLength)
	}
	r := DefaultRegistry()
	for _, a := range []*Attribute{r.User.Schema.Attr("userName"), r.Group.Schema.Attr("displayName")} {
		if !strings.Contains(a.Description, "At most 1024 bytes.") {
			t.Errorf("%s: description %q does not state the limit", a.Name, a.Description)
		}
	}
}
