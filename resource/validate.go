package resource

import (
	"encoding/json"
	"github.com/scimkit/scim/internal/jsonparse"
	"reflect"
	"strconv"
	"strings"

	"github.com/scimkit/scim/quirk"
)

// ValidateUser checks a decoded user against the schema (RFC 7643 §2.2,
// §4.1): userName is required and must not be blank, userName and
// externalId are at most MaxIndexedLength bytes, and custom extensions
// must be registered, well typed and carry their required attributes
// (required extensions must be present). Failures are *Error with scimType
// invalidValue and a detail an IdP administrator can act on: it shows up in
// Microsoft Entra's provisioning logs.
func (r *Registry) ValidateUser(u *User) error {
	if u == nil {
		return &Error{ScimType: ScimTypeInvalidValue, Detail: "the request has no user"}
	}
	if strings.TrimSpace(u.UserName) == "" {
		return &Error{ScimType: ScimTypeInvalidValue, Detail: `attribute "userName" is required and must not be blank; ` +
			`map a non-empty source attribute to userName in the identity provider (in Microsoft Entra ID it is usually userPrincipalName)`}
	}
	if err := checkIndexed("userName", u.UserName); err != nil {
		return err
	}
	if err := checkIndexed("externalId", u.ExternalID); err != nil {
		return err
	}
	if u.Enterprise == nil && len(r.User.Extensions) > 0 && r.User.Extensions[0].Schema.ID == EnterpriseUserSchema && r.User.Extensions[0].Required {
		return requiredErr(r.User, EnterpriseUserSchema)
	}
	return validateExtensions(r.User, u.Extensions)
}

// ValidateGroup checks a decoded group (RFC 7643 §4.2): displayName is
// required and must not be blank, displayName and externalId are at most
// MaxIndexedLength bytes, members need a value and a type of
// "User" or "Group" when given, and custom extensions are checked as in
// ValidateUser.
func (r *Registry) ValidateGroup(g *Group) error {
	if g == nil {
		return &Error{ScimType: ScimTypeInvalidValue, Detail: "the request has no group"}
	}
	if strings.TrimSpace(g.DisplayName) == "" {
		return &Error{ScimType: ScimTypeInvalidValue, Detail: `attribute "displayName" is required and must not be blank; ` +
			`map a non-empty source attribute to the group's displayName in the identity provider`}
	}
	if err := checkIndexed("displayName", g.DisplayName); err != nil {
		return err
	}
	if err := checkIndexed("externalId", g.ExternalID); err != nil {
		return err
	}
	for i, m := range g.Members {
		p := elemPath("members", i)
		if strings.TrimSpace(m.Value) == "" {
			return invalid(p+".value", "is required: it is the id of the member resource")
		}
		if m.Type != "" && m.Type != "User" && m.Type != "Group" {
			return invalid(p+".type", `must be "User" or "Group", not `+strconv.Quote(m.Type))
		}
	}
	return validateExtensions(r.Group, g.Extensions)
}

// checkIndexed refuses a value of an indexed attribute longer than
// MaxIndexedLength bytes.
func checkIndexed(name, v string) error {
	if len(v) <= MaxIndexedLength {
		return nil
	}
	return invalid(name, "is "+strconv.Itoa(len(v))+" bytes long, more than the limit of "+strconv.Itoa(MaxIndexedLength)+" bytes")
}

func validateExtensions(rt *ResourceType, exts map[string]json.RawMessage) error {
	for urn, raw := range exts {
		s := extension(rt, urn)
		if s == nil || s.ID == EnterpriseUserSchema {
			return &Error{ScimType: ScimTypeInvalidValue, Detail: "extension schema " + strconv.Quote(urn) + " is not registered for " + rt.Name}
		}
		v, err := parseJSON(raw)
		if err != nil {
			return err
		}
		if v.Kind != jObject {
			return wrongType(s.ID, "an object", &v)
		}
		if _, err := normalizeObject(s.Attributes, v.Mems, s.ID, true); err != nil {
			return err
		}
		if err := checkRequired(s.Attributes, &v, s.ID); err != nil {
			return err
		}
	}
	for _, e := range rt.Extensions {
		if !e.Required || e.Schema.ID == EnterpriseUserSchema {
			continue
		}
		found := false
		for urn := range exts {
			found = found || jsonparse.EqualFold(urn, e.Schema.ID)
		}
		if !found {
			return requiredErr(rt, e.Schema.ID)
		}
	}
	return nil
}

func requiredErr(rt *ResourceType, urn string) *Error {
	return &Error{ScimType: ScimTypeInvalidValue, Detail: "extension " + strconv.Quote(urn) + " is required for " + rt.Name +
		": send at least one of its attributes"}
}

// checkRequired reports a missing required attribute of obj, descending
// into the complex values present.
func checkRequired(attrs []*Attribute, obj *jvalue, path string) error {
	for _, a := range attrs {
		v := obj.Get(a.Name)
		if v == nil || v.Kind == jNull || (v.Kind == jString && strings.TrimSpace(v.Str) == "") ||
			(v.Kind == jArray && len(v.Elems) == 0) {
			if a.Required {
				return invalid(path+":"+a.Name, "is required")
			}
			continue
		}
		if a.Type != TypeComplex {
			continue
		}
		elems := []jvalue{*v}
		if v.Kind == jArray {
			elems = v.Elems
		}
		for i := range elems {
			if elems[i].Kind == jObject {
				if err := checkRequired(a.SubAttributes, &elems[i], path+":"+a.Name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// CheckImmutable returns an *Error with scimType mutability when an
// immutable attribute of rt (RFC 7643 §7), including one of a custom
// extension, was set in old and differs in new (RFC 7644 §3.5.1). It checks
// top-level attributes and the immutable sub-attributes of singular complex
// ones; the elements of multi-valued attributes (Group.members) are
// identified by their immutable value, so adding and removing them is not a
// change of an immutable attribute.
func (r *Registry) CheckImmutable(rt *ResourceType, old, new Resource) error {
	if rt == nil || old == nil || new == nil {
		return nil
	}
	schemas := []*Schema{rt.Schema}
	for _, e := range rt.Extensions {
		schemas = append(schemas, e.Schema)
	}
	for _, s := range schemas {
		for _, a := range s.Attributes {
			if a.MultiValued {
				continue
			}
			if a.Mutability == Immutable {
				ov := old.Get(s.ID, a.Name)
				if ov != nil && !reflect.DeepEqual(ov, new.Get(s.ID, a.Name)) {
					return immutableErr(s, a.Name)
				}
				continue
			}
			if a.Type != TypeComplex {
				continue
			}
			for _, sa := range a.SubAttributes {
				if sa.Mutability != Immutable {
					continue
				}
				om, _ := old.Get(s.ID, a.Name).(map[string]any)
				if om == nil || om[sa.Name] == nil {
					continue
				}
				nm, _ := new.Get(s.ID, a.Name).(map[string]any)
				if !reflect.DeepEqual(om[sa.Name], nm[sa.Name]) {
					return immutableErr(s, a.Name+"."+sa.Name)
				}
			}
		}
	}
	return nil
}

func immutableErr(s *Schema, name string) *Error {
	path := name
	if s.ID != UserSchema && s.ID != GroupSchema {
		path = s.ID + ":" + name
	}
	return &Error{ScimType: ScimTypeMutability, Detail: "attribute " + strconv.Quote(path) + " is immutable and cannot be changed once set"}
}

// KeepReadOnly returns next, the custom extensions of a resource about to
// be written, with the values of the read-only attributes of rt's custom
// extensions taken from old, the stored resource's extensions: they are
// the server's (an app sets them through its store), a request body cannot
// set them (RFC 7644 §3.5.1) and a write does not lose them. A PUT and a
// PATCH both keep them this way (next may be changed and is returned). It
// applies to top-level attributes of the extensions; the other members of
// next stay as they are.
func KeepReadOnly(rt *ResourceType, old, next map[string]json.RawMessage) map[string]json.RawMessage {
	if rt == nil {
		return next
	}
	for _, e := range rt.Extensions {
		s := e.Schema
		if s.ID == EnterpriseUserSchema || !hasReadOnly(s) {
			continue
		}
		oldRaw, nextRaw := rawOf(old, s.ID), rawOf(next, s.ID)
		if oldRaw == nil && nextRaw == nil {
			continue
		}
		var mems []jmember
		if v, err := parseJSON(nextRaw); err == nil && v.Kind == jObject {
			for _, m := range v.Mems {
				if a := s.Attr(m.Key); a == nil || a.Mutability != ReadOnly {
					mems = append(mems, m)
				}
			}
		}
		if v, err := parseJSON(oldRaw); err == nil && v.Kind == jObject {
			for _, m := range v.Mems {
				if a := s.Attr(m.Key); a != nil && a.Mutability == ReadOnly {
					mems = append(mems, m)
				}
			}
		}
		raw, err := normObject(s.Attributes, mems, s.ID, dec{keepRO: true, q: tol{on: quirk.All}})
		if err != nil {
			continue // a stored value that no longer validates: keep next as it is
		}
		for k := range next {
			if jsonparse.EqualFold(k, s.ID) {
				delete(next, k)
			}
		}
		if raw != nil {
			if next == nil {
				next = map[string]json.RawMessage{}
			}
			next[s.ID] = raw
		}
	}
	return next
}

func hasReadOnly(s *Schema) bool {
	for _, a := range s.Attributes {
		if a.Mutability == ReadOnly {
			return true
		}
	}
	return false
}

// rawOf returns exts[urn], the key compared case-insensitively, or nil.
func rawOf(exts map[string]json.RawMessage, urn string) json.RawMessage {
	if raw, ok := exts[urn]; ok {
		return raw
	}
	for k, raw := range exts {
		if jsonparse.EqualFold(k, urn) {
			return raw
		}
	}
	return nil
}
