package event

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/scimkit/scim/resource"
)

// TestUserChangedMatchesJSON compares the struct diff with the diff of
// the JSON forms (changed, which handles any user) over random pairs of
// users: independent ones, and one a few edits away from the other, with
// every kind of field unassigned, empty, repeated and reordered.
func TestUserChangedMatchesJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(vals ...string) string { return vals[r.IntN(len(vals))] }
	s := func() string { return pick("", "", "a", "b", "Ünïcode", `q"uote`) }
	boolp := func() *bool {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return new(bool)
		}
		v := true
		return &v
	}
	multi := func() []resource.MultiValue {
		var out []resource.MultiValue
		for range r.IntN(4) {
			out = append(out, resource.MultiValue{Value: s(), Display: s(), Type: pick("", "work", "home"), Primary: boolp()})
		}
		if len(out) > 1 && r.IntN(3) == 0 {
			out = append(out, out[0]) // a repeat
		}
		return out
	}
	user := func() *resource.User {
		u := &resource.User{ID: "id", ExternalID: s(), UserName: s(), DisplayName: s(), NickName: s(), ProfileURL: s(), Title: s(),
			UserType: s(), PreferredLanguage: s(), Locale: s(), Timezone: s(), Active: boolp(),
			Emails: multi(), PhoneNumbers: multi(), IMs: multi(), Photos: multi(), Entitlements: multi(), Roles: multi(), X509Certificates: multi()}
		if r.IntN(3) > 0 {
			u.Name = &resource.Name{Formatted: s(), FamilyName: s(), GivenName: s(), MiddleName: s(), HonorificPrefix: s(), HonorificSuffix: s()}
		}
		for range r.IntN(3) {
			u.Addresses = append(u.Addresses, resource.Address{Formatted: s(), StreetAddress: s(), Locality: s(), Region: s(),
				PostalCode: s(), Country: s(), Type: pick("", "work"), Primary: boolp()})
		}
		if r.IntN(3) > 0 {
			u.Enterprise = &resource.EnterpriseUser{EmployeeNumber: s(), CostCenter: s(), Organization: s(), Division: s(), Department: s()}
			if r.IntN(2) == 0 {
				u.Enterprise.Manager = &resource.Manager{Value: s(), Ref: s(), DisplayName: s()}
			}
		}
		if r.IntN(4) == 0 {
			u.Groups = []resource.GroupRef{{Value: s()}} // read-only: never a change
		}
		return u
	}
	edit := func(u *resource.User) *resource.User {
		c := user()
		out := u.Clone()
		for range 1 + r.IntN(3) {
			switch r.IntN(8) {
			case 0:
				out.UserName = c.UserName
			case 1:
				out.Name = c.Name
			case 2:
				out.Active = c.Active
			case 3:
				out.Emails = c.Emails
			case 4:
				slices.Reverse(out.Emails) // an order change is no change
			case 5:
				out.Enterprise = c.Enterprise
			case 6:
				out.Addresses = c.Addresses
			case 7:
				if out.Enterprise != nil && c.Enterprise != nil {
					e := *out.Enterprise
					e.Manager = c.Enterprise.Manager
					out.Enterprise = &e
				}
			}
		}
		return out
	}
	for i := range 20000 {
		before := user()
		after := user()
		if i%2 == 0 {
			after = edit(before)
		}
		if i%7 == 0 {
			before = &resource.User{} // a create
		}
		got, ok := userChanged(before, after)
		if !ok {
			t.Fatalf("userChanged declined a user without extensions")
		}
		a, err := before.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		b, err := after.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want, err := changed(a, b, userIgnored)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pair %d:\nbefore %s\nafter  %s\nstruct diff %q\nJSON diff   %q", i, a, b, got, want)
		}
	}
}
