package sqlstore

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/scimkit/scim/resource"
)

func benchUser() *resource.User {
	t := true
	return &resource.User{
		ID: "2819c223", ExternalID: "bjensen", UserName: "bjensen@example.com",
		Name:        &resource.Name{Formatted: "Ms. Barbara J Jensen III", FamilyName: "Jensen", GivenName: "Barbara"},
		DisplayName: "Babs Jensen", Title: "Tour Guide", Active: &t,
		Emails:       []resource.MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: &t}, {Value: "babs@jensen.org", Type: "home"}},
		PhoneNumbers: []resource.MultiValue{{Value: "555-555-8377", Type: "work"}},
		Addresses:    []resource.Address{{StreetAddress: "100 Universal City Plaza", Locality: "Hollywood", Region: "CA", PostalCode: "91608", Country: "USA", Type: "work", Primary: &t}},
		Enterprise: &resource.EnterpriseUser{EmployeeNumber: "701984", CostCenter: "4130", Department: "Tour Operations",
			Manager: &resource.Manager{Value: "26118915"}},
		Extensions: map[string]json.RawMessage{"urn:example:params:scim:schemas:extension:acme:2.0:User": json.RawMessage(`{"badge":"42"}`)},
		Extra:      map[string]json.RawMessage{"customField": json.RawMessage(`"kept"`)},
		Meta:       resource.Meta{Created: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
}

// BenchmarkCodecUser encodes a user into its data column and decodes it
// back, the work of every write and of every row read.
func BenchmarkCodecUser(b *testing.B) {
	u := benchUser()
	b.ReportAllocs()
	for b.Loop() {
		data, err := encodeUser(u)
		if err != nil {
			b.Fatal(err)
		}
		var back resource.User
		if err := users.decode([]byte(data), &back); err != nil {
			b.Fatal(err)
		}
	}
}
