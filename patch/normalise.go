package patch

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

// boolString reads "True"/"False" under quirk.BoolStrings, recording it
// as fired when it applies.
func (a *applier) boolString(s string) (bool, bool) {
	b, ok := a.opts.quirks().Bool(s)
	if ok {
		a.opts.Fired.Add(quirk.BoolStrings)
	}
	return b, ok
}

// norm normalises the value v of attribute at: nil for unassigned, []any
// for a multi-valued attribute, map[string]any with canonical names for a
// complex value.
func (a *applier) norm(at *resource.Attribute, v any) (any, *Error) {
	if v == nil {
		return nil, nil
	}
	if !at.MultiValued {
		if arr, ok := v.([]any); ok && at.Type == resource.TypeComplex && len(arr) <= 1 && a.opts.use(quirk.UnwrapArray) {
			// Entra's "manager":[{...}] (docs/idp-compatibility.md#entra-manager-array).
			if len(arr) == 0 {
				return nil, nil
			}
			v = arr[0]
		}
		return a.normElem(at, v)
	}
	arr, ok := v.([]any)
	if !ok {
		if !a.opts.use(quirk.LoneObject) {
			return nil, errf(invalidValue, "attribute "+strconv.Quote(at.Name)+" is multi-valued: its value must be an array")
		}
		arr = []any{v} // Entra, docs/idp-compatibility.md#entra-lone-object
	}
	out := make([]any, 0, len(arr))
	for _, el := range arr {
		n, err := a.normElem(at, el)
		if err != nil {
			return nil, err
		}
		if n != nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// normElem normalises one value of at.
func (a *applier) normElem(at *resource.Attribute, v any) (any, *Error) {
	if v == nil {
		return nil, nil
	}
	switch at.Type {
	case resource.TypeComplex:
		switch x := v.(type) {
		case map[string]any:
			if at.MultiValued && at.Name == "roles" && a.opts.on(quirk.RoleStrings) {
				var unpacked bool
				if x, unpacked = unpackRole(x); unpacked {
					a.opts.Fired.Add(quirk.RoleStrings)
				}
			}
			out := make(map[string]any, len(x))
			for k, sv := range x {
				sa := at.Sub(k)
				if sa == nil {
					if err := a.unknown(at.Name + "." + k); err != nil {
						return nil, err
					}
					if sv != nil {
						out[k] = sv
					}
					continue
				}
				n, err := a.norm(sa, sv)
				if err != nil {
					return nil, err
				}
				if n != nil { // "$ref": null is unassigned (docs/idp-compatibility.md#entra-null-ref)
					out[sa.Name] = n
				}
			}
			if len(out) == 0 {
				return nil, nil
			}
			return out, nil
		case string:
			if at.Name == "manager" && at.Sub("value") != nil && a.opts.use(quirk.ManagerString) {
				// Entra (docs/idp-compatibility.md#entra-manager-string): the manager's id, "" to clear.
				if x == "" {
					return nil, nil
				}
				return map[string]any{"value": x}, nil
			}
		}
		return nil, errf(invalidValue, "attribute "+strconv.Quote(at.Name)+" must be an object")
	case resource.TypeBoolean:
		if s, ok := v.(string); ok {
			if b, ok := a.boolString(s); ok {
				return b, nil // Entra, docs/idp-compatibility.md#entra-bool-strings
			}
		}
		if _, ok := v.(bool); !ok {
			return nil, errf(invalidValue, "attribute "+strconv.Quote(at.Name)+" must be a boolean")
		}
	}
	return v, nil
}

// unpackRole turns Entra's {"value":"{\"id\":..,\"value\":..,\"displayName\":..}"}
// into {"value":..,"display":..} (docs/idp-compatibility.md#entra-role-strings); other roles are returned as they are,
// with unpacked false.
func unpackRole(m map[string]any) (_ map[string]any, unpacked bool) {
	var s string
	var key string
	for k, v := range m {
		if strings.EqualFold(k, "value") {
			s, _ = v.(string)
			key = k
		}
	}
	if t := strings.TrimSpace(s); !strings.HasPrefix(t, "{") {
		return m, false
	}
	inner, err := decodeAny([]byte(s))
	obj, ok := inner.(map[string]any)
	if err != nil || !ok {
		return m, false
	}
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	str := func(name string) string {
		for k, v := range obj {
			if strings.EqualFold(k, name) {
				switch v := v.(type) {
				case string:
					return v
				case json.Number:
					return v.String()
				}
			}
		}
		return ""
	}
	value := str("value")
	if value == "" {
		value = str("id")
	}
	if value != "" {
		out["value"] = value
	}
	if d := str("displayName"); d != "" {
		out["display"] = d
	}
	return out, true
}
