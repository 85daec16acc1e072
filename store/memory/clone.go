package memory

import (
	"encoding/json"

	"github.com/scimkit/scim/resource"
)

// cloneUser returns a deep copy of u: no slice, map or pointer of the copy
// is shared with u.
func cloneUser(u *resource.User) *resource.User {
	c := *u
	if u.Name != nil {
		n := *u.Name
		c.Name = &n
	}
	if u.Active != nil {
		a := *u.Active
		c.Active = &a
	}
	c.Emails = cloneSlice(u.Emails)
	c.PhoneNumbers = cloneSlice(u.PhoneNumbers)
	c.IMs = cloneSlice(u.IMs)
	c.Photos = cloneSlice(u.Photos)
	c.Addresses = cloneSlice(u.Addresses)
	c.Groups = cloneSlice(u.Groups)
	c.Entitlements = cloneSlice(u.Entitlements)
	c.Roles = cloneSlice(u.Roles)
	c.X509Certificates = cloneSlice(u.X509Certificates)
	if u.Enterprise != nil {
		e := *u.Enterprise
		if e.Manager != nil {
			m := *e.Manager
			e.Manager = &m
		}
		c.Enterprise = &e
	}
	c.Extensions = cloneRaw(u.Extensions)
	c.Extra = cloneRaw(u.Extra)
	return &c
}

// cloneGroup returns a deep copy of g without its members, which the store
// keeps apart.
func cloneGroup(g *resource.Group) *resource.Group {
	c := *g
	c.Members = nil
	c.Extensions = cloneRaw(g.Extensions)
	c.Extra = cloneRaw(g.Extra)
	return &c
}

// cloneSlice copies a slice of values without pointers; nil and empty
// both become nil.
func cloneSlice[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append([]T(nil), s...)
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	c := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		c[k] = append(json.RawMessage(nil), v...)
	}
	return c
}
