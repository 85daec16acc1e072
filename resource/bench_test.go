package resource

import (
	"encoding/json"
	"testing"
)

// plainUser is what an app would marshal with encoding/json for the same
// output as AppendUser, for comparison.
type plainUser struct {
	Schemas    []string `json:"schemas"`
	ID         string   `json:"id"`
	ExternalID string   `json:"externalId,omitempty"`
	UserName   string   `json:"userName"`
	Name       *struct {
		Formatted  string `json:"formatted,omitempty"`
		FamilyName string `json:"familyName,omitempty"`
		GivenName  string `json:"givenName,omitempty"`
	} `json:"name,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Active      bool   `json:"active"`
	Emails      []struct {
		Value   string `json:"value,omitempty"`
		Type    string `json:"type,omitempty"`
		Primary bool   `json:"primary,omitempty"`
	} `json:"emails,omitempty"`
	Enterprise *struct {
		EmployeeNumber string `json:"employeeNumber,omitempty"`
		Department     string `json:"department,omitempty"`
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta struct {
		ResourceType string `json:"resourceType"`
		Created      string `json:"created"`
		LastModified string `json:"lastModified"`
		Location     string `json:"location"`
		Version      string `json:"version"`
	} `json:"meta"`
}

func benchUser() *User {
	u := fullUser()
	u.Addresses, u.Groups, u.Roles, u.Extensions, u.Extra, u.Title = nil, nil, nil, nil, nil, ""
	u.Emails = u.Emails[:1]
	u.DisplayName = "Babs Jensen"
	u.Enterprise.Manager = nil
	return u
}

func BenchmarkAppendUser(b *testing.B) {
	r := DefaultRegistry()
	u := benchUser()
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		buf = r.AppendUser(buf[:0], u, nil)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkEncodingJSONPlainUser(b *testing.B) {
	var p plainUser
	if err := json.Unmarshal(DefaultRegistry().AppendUser(nil, benchUser(), nil), &p); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := json.Marshal(&p)
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
}

func BenchmarkDecodeUser(b *testing.B) {
	r := DefaultRegistry()
	body := []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1","active":true,
 "emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b@testuser.com"}],
 "meta":{"resourceType":"User"},
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
 "roles":[]}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := r.DecodeUser(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetUserName(b *testing.B) {
	u := benchUser()
	b.ReportAllocs()
	for b.Loop() {
		if u.Get(UserSchema, "userName") == nil {
			b.Fatal("nil")
		}
	}
}
