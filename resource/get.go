package resource

import (
	"encoding/json"

	"github.com/scimkit/scim/internal/jsonparse"
)

// Get implements Resource. schemaURN is UserSchema (or ""),
// EnterpriseUserSchema or a custom extension's URN; name is the attribute's
// canonical name (other casings work too, more slowly). Common attributes
// (id, externalId, meta) belong to the core schema. Core names that no
// schema defines are looked up in Extra. Custom extension values are decoded
// from their JSON on each call: numbers become int64 or float64, and
// dateTime values stay strings.
func (u *User) Get(schemaURN, name string) any {
	if u == nil {
		return nil
	}
	switch {
	case schemaURN == "" || schemaURN == UserSchema || jsonparse.EqualFold(schemaURN, UserSchema):
		if v, ok := u.core(name); ok {
			return v
		}
		if c := canonicalName(defaultRegistry.User.Schema, name); c != "" {
			v, _ := u.core(c)
			return v
		}
		return rawGet(u.Extra, name)
	case schemaURN == EnterpriseUserSchema || jsonparse.EqualFold(schemaURN, EnterpriseUserSchema):
		if v, ok := u.Enterprise.get(name); ok {
			return v
		}
		if c := canonicalName(defaultRegistry.User.Extensions[0].Schema, name); c != "" {
			v, _ := u.Enterprise.get(c)
			return v
		}
		return nil
	}
	return extGet(u.Extensions, schemaURN, name)
}

// canonicalName returns the canonical spelling of the attribute name of s
// or of a common attribute, or "".
func canonicalName(s *Schema, name string) string {
	if a := s.Attr(name); a != nil {
		return a.Name
	}
	for _, a := range common {
		if jsonparse.EqualFold(a.Name, name) {
			return a.Name
		}
	}
	return ""
}

// core returns the core or common attribute with the canonical name, and
// whether the name is known.
func (u *User) core(name string) (any, bool) {
	switch name {
	case "id":
		return strAny(u.ID), true
	case "externalId":
		return strAny(u.ExternalID), true
	case "userName":
		return strAny(u.UserName), true
	case "displayName":
		return strAny(u.DisplayName), true
	case "name":
		return u.Name.toMap(), true
	case "nickName":
		return strAny(u.NickName), true
	case "profileUrl":
		return strAny(u.ProfileURL), true
	case "title":
		return strAny(u.Title), true
	case "userType":
		return strAny(u.UserType), true
	case "preferredLanguage":
		return strAny(u.PreferredLanguage), true
	case "locale":
		return strAny(u.Locale), true
	case "timezone":
		return strAny(u.Timezone), true
	case "active":
		if u.Active == nil {
			return nil, true
		}
		return *u.Active, true
	case "password":
		// Write-only (RFC 7643 §4.1.1), but filters never reach it: the
		// schema marks it returned never. The app may read it here.
		return strAny(u.Password), true
	case "emails":
		return multiAny(u.Emails), true
	case "phoneNumbers":
		return multiAny(u.PhoneNumbers), true
	case "ims":
		return multiAny(u.IMs), true
	case "photos":
		return multiAny(u.Photos), true
	case "addresses":
		if len(u.Addresses) == 0 {
			return nil, true
		}
		out := make([]any, len(u.Addresses))
		for i := range u.Addresses {
			out[i] = u.Addresses[i].toMap()
		}
		return out, true
	case "groups":
		if len(u.Groups) == 0 {
			return nil, true
		}
		out := make([]any, len(u.Groups))
		for i, g := range u.Groups {
			out[i] = refMap(g.Value, g.Ref, "display", g.Display, g.Type)
		}
		return out, true
	case "entitlements":
		return multiAny(u.Entitlements), true
	case "roles":
		return multiAny(u.Roles), true
	case "x509Certificates":
		return multiAny(u.X509Certificates), true
	case "meta":
		return u.Meta.toMap(), true
	}
	return nil, false
}

// Get implements Resource, like (*User).Get: schemaURN is GroupSchema (or
// "") or a custom extension's URN.
func (g *Group) Get(schemaURN, name string) any {
	if g == nil {
		return nil
	}
	if schemaURN == "" || schemaURN == GroupSchema || jsonparse.EqualFold(schemaURN, GroupSchema) {
		if v, ok := g.core(name); ok {
			return v
		}
		if c := canonicalName(defaultRegistry.Group.Schema, name); c != "" {
			v, _ := g.core(c)
			return v
		}
		return rawGet(g.Extra, name)
	}
	return extGet(g.Extensions, schemaURN, name)
}

func (g *Group) core(name string) (any, bool) {
	switch name {
	case "id":
		return strAny(g.ID), true
	case "externalId":
		return strAny(g.ExternalID), true
	case "displayName":
		return strAny(g.DisplayName), true
	case "members":
		if len(g.Members) == 0 {
			return nil, true
		}
		out := make([]any, len(g.Members))
		for i, m := range g.Members {
			out[i] = refMap(m.Value, m.Ref, "display", m.Display, m.Type)
		}
		return out, true
	case "meta":
		return g.Meta.toMap(), true
	}
	return nil, false
}

func (e *EnterpriseUser) get(name string) (any, bool) {
	if e == nil {
		switch name {
		case "employeeNumber", "costCenter", "organization", "division", "department", "manager":
			return nil, true
		}
		return nil, false
	}
	switch name {
	case "employeeNumber":
		return strAny(e.EmployeeNumber), true
	case "costCenter":
		return strAny(e.CostCenter), true
	case "organization":
		return strAny(e.Organization), true
	case "division":
		return strAny(e.Division), true
	case "department":
		return strAny(e.Department), true
	case "manager":
		if e.Manager == nil {
			return nil, true
		}
		m := refMap(e.Manager.Value, e.Manager.Ref, "displayName", e.Manager.DisplayName, "")
		if len(m) == 0 {
			return nil, true
		}
		return m, true
	}
	return nil, false
}

// strAny returns s as an any, or nil when s is unassigned ("").
func strAny(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func putStr(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func (n *Name) toMap() any {
	if n == nil || *n == (Name{}) {
		return nil
	}
	m := make(map[string]any, 6)
	putStr(m, "formatted", n.Formatted)
	putStr(m, "familyName", n.FamilyName)
	putStr(m, "givenName", n.GivenName)
	putStr(m, "middleName", n.MiddleName)
	putStr(m, "honorificPrefix", n.HonorificPrefix)
	putStr(m, "honorificSuffix", n.HonorificSuffix)
	return m
}

// toMap returns the value as a map; primary appears when assigned.
func (v *MultiValue) toMap() map[string]any {
	m := make(map[string]any, 4)
	putStr(m, "value", v.Value)
	putStr(m, "display", v.Display)
	putStr(m, "type", v.Type)
	if v.Primary != nil {
		m["primary"] = *v.Primary
	}
	return m
}

func multiAny(vs []MultiValue) any {
	if len(vs) == 0 {
		return nil
	}
	out := make([]any, len(vs))
	for i := range vs {
		out[i] = vs[i].toMap()
	}
	return out
}

func (a *Address) toMap() map[string]any {
	m := make(map[string]any, 8)
	putStr(m, "formatted", a.Formatted)
	putStr(m, "streetAddress", a.StreetAddress)
	putStr(m, "locality", a.Locality)
	putStr(m, "region", a.Region)
	putStr(m, "postalCode", a.PostalCode)
	putStr(m, "country", a.Country)
	putStr(m, "type", a.Type)
	if a.Primary != nil {
		m["primary"] = *a.Primary
	}
	return m
}

func refMap(value, ref, displayKey, display, typ string) map[string]any {
	m := make(map[string]any, 4)
	putStr(m, "value", value)
	putStr(m, "$ref", ref)
	putStr(m, displayKey, display)
	putStr(m, "type", typ)
	return m
}

func (m *Meta) toMap() any {
	if *m == (Meta{}) {
		return nil
	}
	out := make(map[string]any, 5)
	putStr(out, "resourceType", m.ResourceType)
	if !m.Created.IsZero() {
		out["created"] = m.Created
	}
	if !m.LastModified.IsZero() {
		out["lastModified"] = m.LastModified
	}
	putStr(out, "location", m.Location)
	putStr(out, "version", m.Version)
	return out
}

// rawGet decodes the member name (case-insensitive) of raw values.
func rawGet(raws map[string]json.RawMessage, name string) any {
	if raw, ok := raws[name]; ok {
		return rawAny(raw)
	}
	for k, raw := range raws {
		if jsonparse.EqualFold(k, name) {
			return rawAny(raw)
		}
	}
	return nil
}

func rawAny(raw json.RawMessage) any {
	v, err := parseJSON(raw)
	if err != nil {
		return nil
	}
	return toAny(&v)
}

// extGet returns attribute name of the custom extension urn.
func extGet(exts map[string]json.RawMessage, urn, name string) any {
	raw := rawOf(exts, urn)
	if raw == nil {
		return nil
	}
	v, err := parseJSON(raw)
	if err != nil || v.Kind != jObject {
		return nil
	}
	m := v.Get(name)
	if m == nil {
		return nil
	}
	return toAny(m)
}
