package resource

import (
	"encoding/json"
	"fmt"
	"github.com/scimkit/scim/internal/jsonparse"
	"sort"
)

// The JSON form of User and Group (MarshalJSON, UnmarshalJSON) is
// complete: everything a resource holds but User.Password (write-only, so
// never encoded) survives json.Marshal and json.Unmarshal, so that an app
// may copy, cache or store resources through encoding/json. It is the
// SCIM encoding of DefaultRegistry (AppendUser) with the read-only
// attributes id, groups and meta, and with every entry of Extensions, not
// only the extensions the registry registers: each is the member named by
// its URN, as it is, and schemas lists it. Reading, a member whose name
// schemas lists, that is not a core attribute nor the enterprise
// extension, and whose value is an object, is an entry of Extensions; the
// other unknown members are Extra, as in DecodeUser. store/sqlstore keeps
// resources in this form.

// MarshalJSON implements json.Marshaler with the complete JSON form (see
// above). It fails if an Extensions or Extra value is not valid JSON.
func (u *User) MarshalJSON() ([]byte, error) {
	if u != nil {
		if err := validRaws("extension", u.Extensions); err != nil {
			return nil, err
		}
		if err := validRaws("attribute", u.Extra); err != nil {
			return nil, err
		}
	}
	return defaultRegistry.appendUser(nil, u, nil, true), nil
}

// UnmarshalJSON implements json.Unmarshaler: it reads the complete JSON
// form (see above) with the rules of DefaultRegistry's DecodeUser, except
// that the read-only attributes id, groups and meta are kept and that an
// object schemas lists is an extension, so that MarshalJSON and
// UnmarshalJSON round-trip.
func (u *User) UnmarshalJSON(data []byte) error {
	v, err := defaultRegistry.decodeUser(data, true)
	if err != nil {
		return err
	}
	*u = *v
	return nil
}

// MarshalJSON implements json.Marshaler like (*User).MarshalJSON, members
// included.
func (g *Group) MarshalJSON() ([]byte, error) {
	if g != nil {
		if err := validRaws("extension", g.Extensions); err != nil {
			return nil, err
		}
		if err := validRaws("attribute", g.Extra); err != nil {
			return nil, err
		}
	}
	return defaultRegistry.appendGroup(nil, g, nil, true), nil
}

// UnmarshalJSON implements json.Unmarshaler like (*User).UnmarshalJSON.
func (g *Group) UnmarshalJSON(data []byte) error {
	v, err := defaultRegistry.decodeGroup(data, true)
	if err != nil {
		return err
	}
	*g = *v
	return nil
}

// validRaws reports the first value of m that is not valid JSON.
func validRaws(what string, m map[string]json.RawMessage) error {
	for k, v := range m {
		if len(v) > 0 && !json.Valid(v) {
			return fmt.Errorf("resource: %s %q is not valid JSON", what, k)
		}
	}
	return nil
}

// unregistered returns the entries of exts that name no extension of rt
// (nor the enterprise extension, which User.Enterprise holds), in key
// order, as they are.
func unregistered(rt *ResourceType, exts map[string]json.RawMessage) []extOut {
	var out []extOut
	for k, v := range exts {
		if len(v) == 0 || jsonparse.EqualFold(k, EnterpriseUserSchema) || extension(rt, k) != nil {
			continue
		}
		out = append(out, extOut{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].urn < out[j].urn })
	return out
}

// listedExtension reports whether key names, case-insensitively, a URN of
// body's schemas other than core's: in the complete JSON form, an
// extension the registry does not register.
func listedExtension(body *jvalue, core, key string) bool {
	v := body.Get("schemas")
	if v == nil || v.Kind != jArray || jsonparse.EqualFold(key, core) || jsonparse.EqualFold(key, EnterpriseUserSchema) {
		return false
	}
	for i := range v.Elems {
		if v.Elems[i].Kind == jString && jsonparse.EqualFold(v.Elems[i].Str, key) {
			return true
		}
	}
	return false
}

// setListedExtension records the value of a member listedExtension
// accepts: an object is the extension, as it is; null removes it; any
// other value is an unknown attribute.
func setListedExtension(exts, extra *map[string]json.RawMessage, key string, v *jvalue) {
	switch v.Kind {
	case jNull:
		delete(*exts, key)
	case jObject:
		if *exts == nil {
			*exts = make(map[string]json.RawMessage)
		}
		(*exts)[key] = append(json.RawMessage(nil), v.Raw...)
	default:
		setExtra(extra, key, v)
	}
}

// mergeRaws returns a with the entries of b added.
func mergeRaws(a, b map[string]json.RawMessage) map[string]json.RawMessage {
	if a == nil {
		return b
	}
	for k, v := range b {
		a[k] = v
	}
	return a
}
