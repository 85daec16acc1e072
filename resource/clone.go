package resource

import (
	"encoding/json"
	"slices"
)

// Clone returns a deep copy of u: no pointer, slice, map or raw JSON value
// of the copy is shared with u, so that either can be changed without the
// other seeing it (a store keeps a clone of what it is given and hands out
// clones of what it keeps). nil and empty slices and maps stay nil and
// empty. A nil u returns nil.
func (u *User) Clone() *User {
	if u == nil {
		return nil
	}
	c := *u
	if u.Name != nil {
		n := *u.Name
		c.Name = &n
	}
	c.Active = cloneBool(u.Active)
	c.Emails = cloneMulti(u.Emails)
	c.PhoneNumbers = cloneMulti(u.PhoneNumbers)
	c.IMs = cloneMulti(u.IMs)
	c.Photos = cloneMulti(u.Photos)
	c.Addresses = slices.Clone(u.Addresses)
	for i := range c.Addresses {
		c.Addresses[i].Primary = cloneBool(c.Addresses[i].Primary)
	}
	c.Groups = slices.Clone(u.Groups)
	c.Entitlements = cloneMulti(u.Entitlements)
	c.Roles = cloneMulti(u.Roles)
	c.X509Certificates = cloneMulti(u.X509Certificates)
	if u.Enterprise != nil {
		e := *u.Enterprise
		if e.Manager != nil {
			m := *e.Manager
			e.Manager = &m
		}
		c.Enterprise = &e
	}
	c.Extensions = cloneRaws(u.Extensions)
	c.Extra = cloneRaws(u.Extra)
	return &c
}

// Clone returns a deep copy of g, members included, like (*User).Clone.
func (g *Group) Clone() *Group {
	if g == nil {
		return nil
	}
	c := *g
	c.Members = slices.Clone(g.Members)
	c.Extensions = cloneRaws(g.Extensions)
	c.Extra = cloneRaws(g.Extra)
	return &c
}

func cloneBool(b *bool) *bool {
	if b == nil {
		return nil
	}
	v := *b
	return &v
}

func cloneMulti(vs []MultiValue) []MultiValue {
	c := slices.Clone(vs)
	for i := range c {
		c[i].Primary = cloneBool(c[i].Primary)
	}
	return c
}

func cloneRaws(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	c := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		c[k] = slices.Clone(v)
	}
	return c
}
