package patch

import (
	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

// The typed path of ApplyUser: a request whose every operation is an add
// or replace of a non-empty string or a boolean on a singular attribute of
// the core or enterprise schema (userName, active, name.familyName,
// urn:...:enterprise:2.0:User:department), or of a string sub-attribute
// of the values of emails, phoneNumbers, ims or photos that a value filter
// matches (emails[type eq "work"].value), is applied straight to a copy
// of the user's struct: no JSON tree, no encoding and decoding back. These
// are the operations Entra sends on every update. What the tree would do
// with them is simple enough to state here: the attribute is set (add and
// replace are the same on a singular attribute, RFC 7644 §3.5.2.1), the
// sub-attribute of every matching value is set, and Entra's "True" and
// "False" are booleans under quirk.BoolStrings. Anything else (another
// attribute, an empty string or null, a filter that matches no value, a
// value whose primary would have to move, an operation the tree path
// refuses) leaves the request to the tree path, which also reports every
// error; TestTypedPathAgreesWithTree and FuzzTypedPath hold the two paths
// to the same result.

// applyUserTyped applies ops to a copy of u on the typed path. ok is false
// when an operation is outside it; nu is the patched copy, sharing with u
// whatever the operations did not touch, and fired the tolerances that
// changed how they were read.
func applyUserTyped(reg *resource.Registry, u *resource.User, ops []Op, opts Options) (nu *resource.User, fired quirk.Set, ok bool) {
	for k := range u.Extensions {
		if !registered(reg.User, k) {
			// The tree path decides what becomes of data of a schema
			// the registry does not know.
			return nil, 0, false
		}
	}
	local := opts
	local.Fired = &fired
	a := applier{rt: reg.User, opts: local}
	n := *u
	var c copied
	for i := range ops {
		if !a.typedOp(ops[i].read(opts), u, &n, &c) {
			return nil, 0, false
		}
	}
	return &n, fired, true
}

// registered reports whether urn is an extension of rt.
func registered(rt *resource.ResourceType, urn string) bool {
	for _, e := range rt.Extensions {
		if jsonparse.EqualFold(e.Schema.ID, urn) {
			return true
		}
	}
	return false
}

// copied records which parts of the patched copy are its own already.
type copied struct {
	name, enterprise, active bool
	multi                    [4]bool // multiValues' order
}

// typedOp applies one operation to n on the typed path, copying from u
// what it changes; it reports false when the operation is outside it.
func (a *applier) typedOp(r *opRead, u, n *resource.User, c *copied) bool {
	if r.opErr != nil || r.valErr != nil || r.kind == OpRemove || !r.hasVal || r.parsed == nil || r.pathErr != nil {
		return false
	}
	v := &r.val
	switch v.Kind {
	case jsonparse.String:
		if v.Str == "" {
			return false
		}
	case jsonparse.True, jsonparse.False:
	default:
		return false
	}
	if jsonparse.EqualFold(r.trimmed, "schemas") {
		return false
	}
	t, err := a.resolve(r.trimmed, r.parsed, r.pathErr)
	if err != nil || t.attr == nil || t.attr.Mutability == resource.ReadOnly {
		return false
	}
	at := t.attr
	if t.filter != nil {
		return a.typedFiltered(t, v, u, n, c)
	}
	switch {
	case t.schema == a.rt.Schema && t.sub != nil:
		if at.Name != "name" || at.MultiValued || t.sub.Type != resource.TypeString || t.sub.MultiValued {
			return false
		}
		if !c.name {
			c.name = true
			nm := resource.Name{}
			if u.Name != nil {
				nm = *u.Name
			}
			n.Name = &nm
		}
		p := nameField(n.Name, t.sub.Name)
		if p == nil || v.Kind != jsonparse.String {
			return false
		}
		*p = v.Str
		return true
	case t.schema == a.rt.Schema && at.Name == "active":
		if at.Type != resource.TypeBoolean || at.MultiValued {
			return false
		}
		var b bool
		switch v.Kind {
		case jsonparse.True:
			b = true
		case jsonparse.String:
			var ok bool
			if b, ok = a.boolString(v.Str); !ok {
				return false
			}
		}
		c.active = true
		n.Active = &b
		return true
	case t.schema == a.rt.Schema:
		p := userField(n, at.Name)
		if p == nil || at.Type != resource.TypeString || at.MultiValued || v.Kind != jsonparse.String {
			return false
		}
		*p = v.Str
		return true
	case t.schema.ID == resource.EnterpriseUserSchema && t.sub == nil:
		if at.Type != resource.TypeString || at.MultiValued || v.Kind != jsonparse.String {
			return false
		}
		if !c.enterprise {
			c.enterprise = true
			e := resource.EnterpriseUser{}
			if u.Enterprise != nil {
				e = *u.Enterprise
			}
			n.Enterprise = &e
		}
		p := enterpriseField(n.Enterprise, at.Name)
		if p == nil {
			return false
		}
		*p = v.Str
		return true
	}
	return false
}

// multiValues are the multi-valued attributes of the typed path, whose
// values are resource.MultiValue.
var multiValues = [4]string{"emails", "phoneNumbers", "ims", "photos"}

// typedFiltered sets a string sub-attribute of the values of a
// multi-valued attribute that the filter of t matches.
func (a *applier) typedFiltered(t target, v *jsonparse.Value, u, n *resource.User, c *copied) bool {
	if t.schema != a.rt.Schema || t.sub == nil || t.sub.Type != resource.TypeString || t.sub.MultiValued || v.Kind != jsonparse.String {
		return false
	}
	k := -1
	for i, name := range multiValues {
		if t.attr.Name == name {
			k = i
		}
	}
	if k < 0 {
		return false
	}
	src := multiField(u, k)
	dst := multiField(n, k)
	if !c.multi[k] {
		c.multi[k] = true
		*dst = append([]resource.MultiValue(nil), *src...)
	}
	vals := *dst
	if len(vals) > maxTypedValues {
		return false
	}
	var buf [maxTypedValues]int
	matched, primaries := buf[:0], 0
	for i := range vals {
		if vals[i].IsPrimary() {
			primaries++
		}
		if a.match(t, multiValueTree(&vals[i])) {
			matched = append(matched, i)
		}
	}
	if len(matched) == 0 || primaries > 1 {
		// No match creates a value (quirk.CreateOnNoMatch) and two
		// primaries lose one: the tree path does both.
		return false
	}
	for _, i := range matched {
		p := multiValueField(&vals[i], t.sub.Name)
		if p == nil {
			return false
		}
		*p = v.Str
	}
	return true
}

// maxTypedValues is the most values an attribute may have for a value
// filter on it to take the typed path, which checks every value for each
// operation: longer lists go to the tree path, which indexes them
// (index.go) so that many operations stay linear.
const maxTypedValues = 16

// multiValueTree is the JSON tree of one value, as the filter reads it.
func multiValueTree(m *resource.MultiValue) map[string]any {
	t := make(map[string]any, 4)
	if m.Value != "" {
		t["value"] = m.Value
	}
	if m.Display != "" {
		t["display"] = m.Display
	}
	if m.Type != "" {
		t["type"] = m.Type
	}
	if m.Primary != nil {
		t["primary"] = *m.Primary
	}
	return t
}

func multiField(u *resource.User, k int) *[]resource.MultiValue {
	switch k {
	case 0:
		return &u.Emails
	case 1:
		return &u.PhoneNumbers
	case 2:
		return &u.IMs
	}
	return &u.Photos
}

func multiValueField(m *resource.MultiValue, sub string) *string {
	switch sub {
	case "value":
		return &m.Value
	case "display":
		return &m.Display
	case "type":
		return &m.Type
	}
	return nil
}

// userField returns the singular string attribute name (canonical) of u.
func userField(u *resource.User, name string) *string {
	switch name {
	case "externalId":
		return &u.ExternalID
	case "userName":
		return &u.UserName
	case "displayName":
		return &u.DisplayName
	case "nickName":
		return &u.NickName
	case "profileUrl":
		return &u.ProfileURL
	case "title":
		return &u.Title
	case "userType":
		return &u.UserType
	case "preferredLanguage":
		return &u.PreferredLanguage
	case "locale":
		return &u.Locale
	case "timezone":
		return &u.Timezone
	}
	return nil
}

func nameField(n *resource.Name, sub string) *string {
	switch sub {
	case "formatted":
		return &n.Formatted
	case "familyName":
		return &n.FamilyName
	case "givenName":
		return &n.GivenName
	case "middleName":
		return &n.MiddleName
	case "honorificPrefix":
		return &n.HonorificPrefix
	case "honorificSuffix":
		return &n.HonorificSuffix
	}
	return nil
}

func enterpriseField(e *resource.EnterpriseUser, name string) *string {
	switch name {
	case "employeeNumber":
		return &e.EmployeeNumber
	case "costCenter":
		return &e.CostCenter
	case "organization":
		return &e.Organization
	case "division":
		return &e.Division
	case "department":
		return &e.Department
	}
	return nil
}

// sameTyped reports whether n, patched on the typed path from u, holds
// the same values as u in everything the typed path can change.
func sameTyped(u, n *resource.User) bool {
	if u.ExternalID != n.ExternalID || u.UserName != n.UserName || u.DisplayName != n.DisplayName ||
		u.NickName != n.NickName || u.ProfileURL != n.ProfileURL || u.Title != n.Title ||
		u.UserType != n.UserType || u.PreferredLanguage != n.PreferredLanguage || u.Locale != n.Locale ||
		u.Timezone != n.Timezone {
		return false
	}
	if (u.Name == nil) != (n.Name == nil) || (u.Name != nil && *u.Name != *n.Name) {
		return false
	}
	if (u.Active == nil) != (n.Active == nil) || (u.Active != nil && *u.Active != *n.Active) {
		return false
	}
	if (u.Enterprise == nil) != (n.Enterprise == nil) || (u.Enterprise != nil && *u.Enterprise != *n.Enterprise) {
		return false
	}
	for k := range multiValues {
		a, b := *multiField(u, k), *multiField(n, k)
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i].Value != b[i].Value || a[i].Display != b[i].Display || a[i].Type != b[i].Type ||
				(a[i].Primary == nil) != (b[i].Primary == nil) || (a[i].Primary != nil && *a[i].Primary != *b[i].Primary) {
				return false
			}
		}
	}
	return true
}
