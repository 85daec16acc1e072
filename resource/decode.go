package resource

import (
	"encoding/base64"
	"encoding/json"
	"github.com/scimkit/scim/internal/jsonparse"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/jsonenc"
	"github.com/scimkit/scim/quirk"
)

// Decoding rules shared by DecodeUser and DecodeGroup (RFC 7643 §2, RFC
// 7644 §3.3, §3.5.1), with the IdP quirks they tolerate:
//
//   - Attribute names, sub-attribute names and schema URNs match
//     case-insensitively (RFC 7643 §2.1, RFC 7644 §3.10). The Microsoft
//     Entra SCIM validator posts "UserName", "Active" and "Primary"
//     (docs/idp-compatibility.md#attribute-case).
//   - Of keys that differ only in case (or not at all), the last one wins.
//   - null means unassigned (RFC 7643 §2.5); so do "" and empty arrays.
//     Entra's documented POST /Users carries "addresses":null,
//     "title":null and "manager":null (docs/idp-compatibility.md#null-and-empty).
//   - Booleans also arrive as the strings "True"/"False", in any case
//     (quirk.BoolStrings, which DecodeOptions.Disable turns off):
//     Entra without the aadOptscim062020 flag, documented in Microsoft's
//     "Known issues and resolutions with SCIM 2.0 protocol compliance"
//     (docs/idp-compatibility.md#entra-bool-strings), also inside sub-attributes such as
//     emails[].primary.
//   - A lone object for a multi-valued attribute is taken as a one-element
//     array (quirk.LoneObject), a one-element array for a singular complex
//     attribute as its element (quirk.UnwrapArray), and a bare string for
//     the enterprise manager as its value (quirk.ManagerString), each
//     turned off by DecodeOptions.Disable (Entra,
//     docs/idp-compatibility.md#entra-lone-object).
//   - Read-only attributes in the body are ignored (RFC 7644 §3.5.1):
//     Entra sends "meta":{"resourceType":"User"}, Okta sends id and
//     "groups":[] (docs/idp-compatibility.md#read-only-attributes).
//   - Unknown URNs in schemas are ignored: Entra's Group POST lists
//     http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group
//     and its older User example a typo'd "...enterprise:2.0User"
//     (docs/idp-compatibility.md#entra-unknown-schema-urns). Keys naming a registered extension are
//     accepted even when schemas does not list it (Entra omits custom
//     extension URNs from schemas, docs/idp-compatibility.md#entra-extension-keys), and so are keys of the form
//     "<extension URN>:<attribute>".
//   - Attributes no schema defines are kept in Extra, as sent, and so are
//     unknown keys inside a custom extension; unknown sub-attributes of
//     core and enterprise attributes are ignored. With
//     quirk.UnknownAttributes off (the strict profile) each is
//     invalidSyntax naming it (docs/idp-compatibility.md#unknown-attributes).
//   - DecodeOptions.Fired records each tolerance that applied.

// DecodeUser decodes a User request body: attribute names and schema URNs
// case-insensitively, null as unassigned, "True"/"False" strings for
// booleans, read-only attributes (id, meta, groups) ignored, unknown URNs in
// schemas ignored, unknown attributes kept in Extra. Malformed JSON is an
// *Error with scimType invalidSyntax; a wrong type is invalidValue, and so
// is a schemas array that does not list the core User schema (an absent
// schemas is tolerated). The limits MaxDepth, MaxStringLength and MaxValues
// apply. The password is kept in User.Password.
func (r *Registry) DecodeUser(data []byte) (*User, error) { return r.decodeUser(data, false) }

// DecodeOptions tune DecodeUserWith and DecodeGroupWith. The zero value
// is what DecodeUser and DecodeGroup use: every tolerance on.
type DecodeOptions struct {
	// Disable turns off the listed tolerances (package quirk) where they
	// apply to request bodies: quirk.BoolStrings ("True"/"False" for
	// booleans), quirk.ManagerString, quirk.UnwrapArray, quirk.LoneObject
	// and quirk.UnknownAttributes. The others are PATCH tolerances, and
	// read-only attributes in a body are ignored whatever the set, as RFC
	// 7644 §3.3 and §3.5.1 require.
	Disable quirk.Set

	// Fired, when not nil, receives each tolerance that changed how the
	// body was read (a "True" read as true, a lone object read as an
	// array, an unknown attribute kept or ignored); a body that RFC 7643
	// reads the same way adds nothing. The set is added to, not cleared.
	Fired *quirk.Set
}

// DecodeUserWith decodes a User request body like DecodeUser, with the
// tolerances of opts.
func (r *Registry) DecodeUserWith(data []byte, opts DecodeOptions) (*User, error) {
	return r.decodeUserWith(data, dec{q: tol{on: quirk.All &^ opts.Disable, fired: opts.Fired}})
}

// DecodeGroupWith decodes a Group request body like DecodeGroup, with the
// tolerances of opts.
func (r *Registry) DecodeGroupWith(data []byte, opts DecodeOptions) (*Group, error) {
	return r.decodeGroupWith(data, dec{q: tol{on: quirk.All &^ opts.Disable, fired: opts.Fired}})
}

// dec is how a body is decoded: whether read-only attributes are kept,
// and the tolerances that are on.
type dec struct {
	keepRO bool
	q      tol
}

// tol is the tolerances of one decoding: those that are on, and the set
// that records those that fire (nil when nobody asked).
type tol struct {
	on    quirk.Set
	fired *quirk.Set
}

// use reports whether the tolerance q is on and records it as fired: call
// it only where the tolerant reading differs from the strict one.
func (t tol) use(q quirk.Set) bool { return t.on.Use(q, t.fired) }

// bool is quirk.Set.Bool, recording quirk.BoolStrings when it applies.
func (t tol) bool(s string) (v, ok bool) {
	if v, ok = t.on.Bool(s); ok {
		t.fired.Add(quirk.BoolStrings)
	}
	return v, ok
}

// DecodeGroup decodes a Group request body like DecodeUser; id and meta are
// ignored.
func (r *Registry) DecodeGroup(data []byte) (*Group, error) { return r.decodeGroup(data, false) }

// invalid returns an invalidValue error about the attribute at path.
func invalid(path, msg string) *Error {
	return &Error{ScimType: ScimTypeInvalidValue, Detail: "attribute " + strconv.Quote(path) + " " + msg}
}

func wrongType(path, want string, v *jvalue) *Error {
	return invalid(path, "must be "+want+", not "+v.Kind.String())
}

// undefined is the error for an attribute that no schema of the resource
// defines, when quirk.UnknownAttributes is off: invalidSyntax, the body
// "did not conform to the request schema" (RFC 7644 §3.12).
func undefined(path string) *Error {
	return &Error{ScimType: ScimTypeInvalidSyntax, Detail: "attribute " + strconv.Quote(path) + " is not defined by the schemas of the resource"}
}

// unknownAttr reports whether the attribute at path, which no schema
// defines, may be read as today (kept or ignored, under
// quirk.UnknownAttributes, which is then recorded as fired), or returns
// the error refusing it.
func unknownAttr(path string, q tol) error {
	if q.use(quirk.UnknownAttributes) {
		return nil
	}
	return undefined(path)
}

// checkSubs checks the keys of v, a value of the complex attribute a (an
// object, or an array or lone object of them), against a's
// sub-attributes: each key that names none goes through unknownAttr. The
// decoders of core and enterprise attributes then ignore such keys.
func checkSubs(a *Attribute, v *jvalue, path string, q tol) error {
	if a == nil || a.Type != TypeComplex {
		return nil
	}
	switch v.Kind {
	case jObject:
		for i := range v.Mems {
			if a.Sub(v.Mems[i].Key) == nil {
				if err := unknownAttr(path+"."+v.Mems[i].Key, q); err != nil {
					return err
				}
			}
		}
	case jArray:
		for i := range v.Elems {
			if err := checkSubs(a, &v.Elems[i], path, q); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseObject parses a request body that must be a JSON object.
func parseObject(data []byte) (jvalue, error) {
	v, err := parseJSON(data)
	if err != nil {
		return jvalue{}, err
	}
	if v.Kind != jObject {
		return jvalue{}, &Error{ScimType: ScimTypeInvalidSyntax, Detail: "the request body must be a JSON object, not " + v.Kind.String()}
	}
	return v, nil
}

// checkSchemas checks the schemas attribute: when present it must list the
// core schema of the resource type, and it holds at most MaxValues URNs,
// like every other multi-valued attribute.
func checkSchemas(body *jvalue, core string, q tol) error {
	v := body.Get("schemas")
	if v == nil || v.Kind == jNull {
		return nil
	}
	elems, err := decMulti(v, "schemas", MaxValues, q)
	if err != nil {
		return err
	}
	found := false
	for i := range elems {
		if elems[i].Kind != jString {
			return wrongType("schemas", "an array of strings", &elems[i])
		}
		if jsonparse.EqualFold(elems[i].Str, core) {
			found = true
		}
	}
	if !found {
		return invalid("schemas", "must list "+strconv.Quote(core))
	}
	return nil
}

func decStr(v *jvalue, path string) (string, error) {
	switch v.Kind {
	case jNull:
		return "", nil
	case jString:
		return v.Str, nil
	}
	return "", wrongType(path, "a string", v)
}

// decBool accepts JSON booleans and, for Entra, the strings "true" and
// "false" in any case under quirk.BoolStrings (docs/idp-compatibility.md#entra-bool-strings).
func decBool(v *jvalue, path string, q tol) (*bool, error) {
	switch v.Kind {
	case jNull:
		return nil, nil
	case jTrue:
		return new(true), nil
	case jFalse:
		return new(false), nil
	case jString:
		if b, ok := q.bool(v.Str); ok {
			return &b, nil
		}
	}
	return nil, wrongType(path, "a boolean", v)
}

// decMulti returns the values of a multi-valued attribute: nil for null, a
// lone non-array value wrapped under quirk.LoneObject (Entra,
// docs/idp-compatibility.md#entra-lone-object), null elements dropped. max
// < 0 means no limit.
func decMulti(v *jvalue, path string, max int, q tol) ([]jvalue, error) {
	switch v.Kind {
	case jNull:
		return nil, nil
	case jArray:
		if max >= 0 && len(v.Elems) > max {
			return nil, invalid(path, "has "+strconv.Itoa(len(v.Elems))+" values, more than the limit of "+strconv.Itoa(max))
		}
		return v.Elems, nil
	}
	if !q.use(quirk.LoneObject) {
		return nil, wrongType(path, "an array", v)
	}
	return []jvalue{*v}, nil
}

// decComplex returns the object of a singular complex attribute, or nil
// when unassigned; under quirk.UnwrapArray a one-element array is unwrapped
// and [] is unassigned (docs/idp-compatibility.md#entra-manager-array).
func decComplex(v *jvalue, path string, q tol) (*jvalue, error) {
	switch v.Kind {
	case jNull:
		return nil, nil
	case jObject:
		return v, nil
	case jArray:
		if len(v.Elems) > 1 || !q.use(quirk.UnwrapArray) {
			break
		}
		if len(v.Elems) == 0 {
			return nil, nil
		}
		return decComplex(&v.Elems[0], path, q)
	}
	return nil, wrongType(path, "an object", v)
}

// subStr decodes the string sub-attribute name of obj.
func subStr(obj *jvalue, name, path string) (string, error) {
	v := obj.Get(name)
	switch {
	case v == nil:
		return "", nil
	case v.Kind == jString:
		return v.Str, nil
	}
	return decStr(v, path+"."+name)
}

// subBool decodes the boolean sub-attribute name of obj: nil when
// unassigned, false kept (RFC 7643 §2.5).
func subBool(obj *jvalue, name, path string, q tol) (*bool, error) {
	v := obj.Get(name)
	switch {
	case v == nil:
		return nil, nil
	case v.Kind == jTrue || v.Kind == jFalse:
		return new(v.Kind == jTrue), nil
	}
	return decBool(v, path+"."+name, q)
}

// strs decodes several string sub-attributes of obj into the pointers.
func strs(obj *jvalue, path string, names []string, dst ...*string) error {
	for i, n := range names {
		s, err := subStr(obj, n, path)
		if err != nil {
			return err
		}
		*dst[i] = s
	}
	return nil
}

func elemPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func decName(v *jvalue, path string, q tol) (*Name, error) {
	obj, err := decComplex(v, path, q)
	if obj == nil || err != nil {
		return nil, err
	}
	var n Name
	if err := strs(obj, path, []string{"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"},
		&n.Formatted, &n.FamilyName, &n.GivenName, &n.MiddleName, &n.HonorificPrefix, &n.HonorificSuffix); err != nil {
		return nil, err
	}
	if n == (Name{}) {
		return nil, nil
	}
	return &n, nil
}

// decObjects decodes a multi-valued complex attribute (at most max values,
// -1 for no limit): null elements are skipped, an element that is not an
// object is invalidValue, each object is decoded by elem, and an element
// with no assigned sub-attribute (the zero T) is dropped.
func decObjects[T comparable](v *jvalue, path string, max int, q tol, elem func(obj *jvalue, path string) (T, error)) ([]T, error) {
	elems, err := decMulti(v, path, max, q)
	if err != nil {
		return nil, err
	}
	var out []T
	var zero T
	for i := range elems {
		if elems[i].Kind == jNull {
			continue
		}
		p := elemPath(path, i)
		if elems[i].Kind != jObject {
			return nil, wrongType(p, "an object", &elems[i])
		}
		x, err := elem(&elems[i], p)
		if err != nil {
			return nil, err
		}
		if x != zero {
			out = append(out, x)
		}
	}
	return out, nil
}

// decMultiValues decodes emails, phoneNumbers, ims, photos, entitlements,
// roles or x509Certificates.
func decMultiValues(v *jvalue, path string, binary bool, q tol) ([]MultiValue, error) {
	return decObjects(v, path, MaxValues, q, func(obj *jvalue, p string) (m MultiValue, err error) {
		if err = strs(obj, p, []string{"value", "display", "type"}, &m.Value, &m.Display, &m.Type); err != nil {
			return m, err
		}
		if m.Primary, err = subBool(obj, "primary", p, q); err != nil {
			return m, err
		}
		if binary && m.Value != "" && !isBase64(m.Value) {
			return m, invalid(p+".value", "must be base64-encoded (RFC 7643 §2.3.6)")
		}
		return m, nil
	})
}

func isBase64(s string) bool {
	if _, err := base64.StdEncoding.DecodeString(s); err == nil {
		return true
	}
	_, err := base64.RawStdEncoding.DecodeString(s)
	return err == nil
}

func decAddresses(v *jvalue, path string, q tol) ([]Address, error) {
	return decObjects(v, path, MaxValues, q, func(obj *jvalue, p string) (a Address, err error) {
		if err = strs(obj, p, []string{"formatted", "streetAddress", "locality", "region", "postalCode", "country", "type"},
			&a.Formatted, &a.StreetAddress, &a.Locality, &a.Region, &a.PostalCode, &a.Country, &a.Type); err != nil {
			return a, err
		}
		a.Primary, err = subBool(obj, "primary", p, q)
		return a, err
	})
}

func decGroupRefs(v *jvalue, path string, q tol) ([]GroupRef, error) {
	return decObjects(v, path, -1, q, func(obj *jvalue, p string) (g GroupRef, err error) {
		err = strs(obj, p, []string{"value", "$ref", "display", "type"}, &g.Value, &g.Ref, &g.Display, &g.Type)
		return g, err
	})
}

// decMembers decodes Group.members. "$ref": null is unassigned (Entra,
// docs/idp-compatibility.md#entra-null-ref); type is canonicalised to "User" or "Group".
func decMembers(v *jvalue, path string, q tol) ([]Member, error) {
	return decObjects(v, path, -1, q, func(obj *jvalue, p string) (m Member, err error) {
		if err = strs(obj, p, []string{"value", "$ref", "display", "type"}, &m.Value, &m.Ref, &m.Display, &m.Type); err != nil {
			return m, err
		}
		switch {
		case m.Type == "":
		case jsonparse.EqualFold(m.Type, "User"):
			m.Type = "User"
		case jsonparse.EqualFold(m.Type, "Group"):
			m.Type = "Group"
		default:
			return m, invalid(p+".type", `must be "User" or "Group", not `+strconv.Quote(m.Type))
		}
		return m, nil
	})
}

// decManager decodes the enterprise manager: an object, null, and under
// quirk.ManagerString a bare string meaning its value or "" for none, and
// under quirk.UnwrapArray a one-element array or [] for none (Entra,
// docs/idp-compatibility.md#entra-manager-string). displayName is read-only and kept only when
// keepRO is set.
func decManager(v *jvalue, path string, keepRO bool, q tol) (*Manager, error) {
	if v.Kind == jString && q.use(quirk.ManagerString) {
		if v.Str == "" {
			return nil, nil
		}
		return &Manager{Value: v.Str}, nil
	}
	if v.Kind == jArray && len(v.Elems) == 1 && v.Elems[0].Kind == jString && q.use(quirk.UnwrapArray) {
		return decManager(&v.Elems[0], path, keepRO, q)
	}
	obj, err := decComplex(v, path, q)
	if obj == nil || err != nil {
		return nil, err
	}
	var m Manager
	if err := strs(obj, path, []string{"value", "$ref"}, &m.Value, &m.Ref); err != nil {
		return nil, err
	}
	if keepRO {
		if m.DisplayName, err = subStr(obj, "displayName", path); err != nil {
			return nil, err
		}
	}
	if m == (Manager{}) {
		return nil, nil
	}
	return &m, nil
}

// setEnterprise decodes the enterprise attribute a (canonical name) into e.
func setEnterprise(e *EnterpriseUser, a string, v *jvalue, keepRO bool, q tol) error {
	path := EnterpriseUserSchema + ":" + a
	var err error
	switch a {
	case "employeeNumber":
		e.EmployeeNumber, err = decStr(v, path)
	case "costCenter":
		e.CostCenter, err = decStr(v, path)
	case "organization":
		e.Organization, err = decStr(v, path)
	case "division":
		e.Division, err = decStr(v, path)
	case "department":
		e.Department, err = decStr(v, path)
	case "manager":
		e.Manager, err = decManager(v, path, keepRO, q)
	}
	return err
}

// decMeta decodes meta, used only when read-only attributes are kept
// (UnmarshalJSON). The weak ETag form of version is unwrapped.
func decMeta(v *jvalue, path string, q tol) (Meta, error) {
	var m Meta
	obj, err := decComplex(v, path, q)
	if obj == nil || err != nil {
		return m, err
	}
	var created, modified string
	if err := strs(obj, path, []string{"resourceType", "created", "lastModified", "location", "version"},
		&m.ResourceType, &created, &modified, &m.Location, &m.Version); err != nil {
		return m, err
	}
	if created != "" {
		if m.Created, err = time.Parse(time.RFC3339Nano, created); err != nil {
			return m, invalid(path+".created", "must be an RFC 3339 date-time")
		}
	}
	if modified != "" {
		if m.LastModified, err = time.Parse(time.RFC3339Nano, modified); err != nil {
			return m, invalid(path+".lastModified", "must be an RFC 3339 date-time")
		}
	}
	if strings.HasPrefix(m.Version, `W/"`) && strings.HasSuffix(m.Version, `"`) && len(m.Version) >= 4 {
		m.Version = m.Version[3 : len(m.Version)-1]
	}
	return m, nil
}

// extensionKey matches a top-level key against rt's extensions: the key is
// an extension URN (attr == ""), or "<URN>:<attr>" for an attribute of it.
func extensionKey(rt *ResourceType, key string) (s *Schema, attr string) {
	for _, e := range rt.Extensions {
		id := e.Schema.ID
		if jsonparse.EqualFold(key, id) {
			return e.Schema, ""
		}
		if len(key) > len(id)+1 && key[len(id)] == ':' && jsonparse.EqualFold(key[:len(id)], id) {
			if a := e.Schema.Attr(key[len(id)+1:]); a != nil {
				return e.Schema, a.Name
			}
		}
	}
	return nil, ""
}

// extParts collects the members of custom extensions, in input order.
type extParts struct {
	schemas []*Schema
	mems    [][]jmember
}

func (x *extParts) add(s *Schema, m ...jmember) {
	for i, t := range x.schemas {
		if t == s {
			x.mems[i] = append(x.mems[i], m...)
			return
		}
	}
	x.schemas = append(x.schemas, s)
	x.mems = append(x.mems, m)
}

// build normalises each collected extension into its canonical JSON.
func (x *extParts) build(d dec) (map[string]json.RawMessage, error) {
	var out map[string]json.RawMessage
	for i, s := range x.schemas {
		raw, err := normObject(s.Attributes, x.mems[i], s.ID, d)
		if err != nil {
			return nil, err
		}
		if raw != nil {
			if out == nil {
				out = make(map[string]json.RawMessage, len(x.schemas))
			}
			out[s.ID] = raw
		}
	}
	return out, nil
}

// addExtension records the value v of a top-level key that names the
// extension s (attr == "") or its attribute attr.
func (x *extParts) addExtension(s *Schema, attr string, v *jvalue, q tol) error {
	if attr != "" {
		x.add(s, jmember{Key: attr, Val: *v})
		return nil
	}
	obj, err := decComplex(v, s.ID, q)
	if err != nil {
		return err
	}
	if obj == nil {
		// A null extension clears what came before it.
		x.add(s)
		for i, t := range x.schemas {
			if t == s {
				x.mems[i] = x.mems[i][:0]
			}
		}
		return nil
	}
	x.add(s, obj.Mems...)
	return nil
}

func setExtra(extra *map[string]json.RawMessage, key string, v *jvalue) {
	if v.Kind == jNull {
		delete(*extra, key)
		return
	}
	if *extra == nil {
		*extra = make(map[string]json.RawMessage)
	}
	(*extra)[key] = append(json.RawMessage(nil), v.Raw...)
}

func (r *Registry) decodeUser(data []byte, keepRO bool) (*User, error) {
	return r.decodeUserWith(data, dec{keepRO: keepRO, q: tol{on: quirk.All}})
}

func (r *Registry) decodeUserWith(data []byte, d dec) (*User, error) {
	keepRO := d.keepRO
	body, err := parseObject(data)
	if err != nil {
		return nil, err
	}
	if err := checkSchemas(&body, UserSchema, d.q); err != nil {
		return nil, err
	}
	u := &User{}
	var ent EnterpriseUser
	var exts extParts
	var listed map[string]json.RawMessage
	for i := range body.Mems {
		key, v := body.Mems[i].Key, &body.Mems[i].Val
		if jsonparse.EqualFold(key, "schemas") {
			continue
		}
		if c := canonicalName(r.User.Schema, key); c != "" {
			if a := r.User.Schema.Attr(c); a != nil && a.Mutability != ReadOnly {
				if err := checkSubs(a, v, c, d.q); err != nil {
					return nil, err
				}
			}
			if err := u.set(c, v, d); err != nil {
				return nil, err
			}
			continue
		}
		s, attr := extensionKey(r.User, key)
		switch {
		case s == nil && keepRO && listedExtension(&body, UserSchema, key):
			setListedExtension(&listed, &u.Extra, key, v)
		case s == nil:
			if err := unknownAttr(key, d.q); err != nil {
				return nil, err
			}
			setExtra(&u.Extra, key, v)
		case s.ID == EnterpriseUserSchema && attr != "":
			if err := checkSubs(s.Attr(attr), v, s.ID+":"+attr, d.q); err != nil {
				return nil, err
			}
			if err := setEnterprise(&ent, attr, v, keepRO, d.q); err != nil {
				return nil, err
			}
		case s.ID == EnterpriseUserSchema:
			obj, err := decComplex(v, s.ID, d.q)
			if err != nil {
				return nil, err
			}
			if obj == nil {
				ent = EnterpriseUser{}
				continue
			}
			for j := range obj.Mems {
				a := s.Attr(obj.Mems[j].Key)
				if a == nil {
					if err := unknownAttr(s.ID+":"+obj.Mems[j].Key, d.q); err != nil {
						return nil, err
					}
					continue
				}
				if err := checkSubs(a, &obj.Mems[j].Val, s.ID+":"+a.Name, d.q); err != nil {
					return nil, err
				}
				if err := setEnterprise(&ent, a.Name, &obj.Mems[j].Val, keepRO, d.q); err != nil {
					return nil, err
				}
			}
		default:
			if err := exts.addExtension(s, attr, v, d.q); err != nil {
				return nil, err
			}
		}
	}
	if ent != (EnterpriseUser{}) {
		u.Enterprise = &ent
	}
	if u.Extensions, err = exts.build(d); err != nil {
		return nil, err
	}
	u.Extensions = mergeRaws(u.Extensions, listed)
	return u, nil
}

// set decodes the core or common attribute c (canonical name) of a user.
func (u *User) set(c string, v *jvalue, d dec) error {
	keepRO := d.keepRO
	var err error
	switch c {
	case "id":
		if keepRO {
			u.ID, err = decStr(v, c)
		}
	case "meta":
		if keepRO {
			u.Meta, err = decMeta(v, c, d.q)
		}
	case "groups":
		if keepRO {
			u.Groups, err = decGroupRefs(v, c, d.q)
		}
	case "externalId":
		u.ExternalID, err = decStr(v, c)
	case "userName":
		u.UserName, err = decStr(v, c)
	case "name":
		u.Name, err = decName(v, c, d.q)
	case "displayName":
		u.DisplayName, err = decStr(v, c)
	case "nickName":
		u.NickName, err = decStr(v, c)
	case "profileUrl":
		u.ProfileURL, err = decStr(v, c)
	case "title":
		u.Title, err = decStr(v, c)
	case "userType":
		u.UserType, err = decStr(v, c)
	case "preferredLanguage":
		u.PreferredLanguage, err = decStr(v, c)
	case "locale":
		u.Locale, err = decStr(v, c)
	case "timezone":
		u.Timezone, err = decStr(v, c)
	case "active":
		u.Active, err = decBool(v, c, d.q)
	case "password":
		u.Password, err = decStr(v, c)
	case "emails":
		u.Emails, err = decMultiValues(v, c, false, d.q)
	case "phoneNumbers":
		u.PhoneNumbers, err = decMultiValues(v, c, false, d.q)
	case "ims":
		u.IMs, err = decMultiValues(v, c, false, d.q)
	case "photos":
		u.Photos, err = decMultiValues(v, c, false, d.q)
	case "addresses":
		u.Addresses, err = decAddresses(v, c, d.q)
	case "entitlements":
		u.Entitlements, err = decMultiValues(v, c, false, d.q)
	case "roles":
		u.Roles, err = decMultiValues(v, c, false, d.q)
	case "x509Certificates":
		u.X509Certificates, err = decMultiValues(v, c, true, d.q)
	}
	return err
}

func (r *Registry) decodeGroup(data []byte, keepRO bool) (*Group, error) {
	return r.decodeGroupWith(data, dec{keepRO: keepRO, q: tol{on: quirk.All}})
}

func (r *Registry) decodeGroupWith(data []byte, d dec) (*Group, error) {
	keepRO := d.keepRO
	body, err := parseObject(data)
	if err != nil {
		return nil, err
	}
	if err := checkSchemas(&body, GroupSchema, d.q); err != nil {
		return nil, err
	}
	g := &Group{}
	var exts extParts
	var listed map[string]json.RawMessage
	for i := range body.Mems {
		key, v := body.Mems[i].Key, &body.Mems[i].Val
		if jsonparse.EqualFold(key, "schemas") {
			continue
		}
		switch canonicalName(r.Group.Schema, key) {
		case "id":
			if keepRO {
				g.ID, err = decStr(v, "id")
			}
		case "meta":
			if keepRO {
				g.Meta, err = decMeta(v, "meta", d.q)
			}
		case "externalId":
			g.ExternalID, err = decStr(v, "externalId")
		case "displayName":
			g.DisplayName, err = decStr(v, "displayName")
		case "members":
			if err = checkSubs(r.Group.Schema.Attr("members"), v, "members", d.q); err == nil {
				g.Members, err = decMembers(v, "members", d.q)
			}
		default:
			if s, attr := extensionKey(r.Group, key); s != nil {
				err = exts.addExtension(s, attr, v, d.q)
			} else if keepRO && listedExtension(&body, GroupSchema, key) {
				setListedExtension(&listed, &g.Extra, key, v)
			} else if err = unknownAttr(key, d.q); err == nil {
				setExtra(&g.Extra, key, v)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if g.Extensions, err = exts.build(d); err != nil {
		return nil, err
	}
	g.Extensions = mergeRaws(g.Extensions, listed)
	return g, nil
}

// normalizeObject checks the members of a custom extension object (or of a
// complex value in one) against attrs and returns its canonical JSON:
// canonical names in schema order, then unknown keys as sent; nulls, ""
// and empty values dropped; "True"/"False" strings turned into booleans;
// read-only attributes dropped unless keepRO. It returns nil when nothing
// is assigned.
func normalizeObject(attrs []*Attribute, mems []jmember, path string, keepRO bool) (json.RawMessage, error) {
	return normObject(attrs, mems, path, dec{keepRO: keepRO, q: tol{on: quirk.All}})
}

// normObject is normalizeObject with the tolerances of d.
func normObject(attrs []*Attribute, mems []jmember, path string, d dec) (json.RawMessage, error) {
	keepRO := d.keepRO
	vals := make([][]byte, len(attrs))
	set := make([]bool, len(attrs))
	var unknown []jmember
	for i := range mems {
		m := &mems[i]
		idx := -1
		for j, a := range attrs {
			if jsonparse.EqualFold(a.Name, m.Key) {
				idx = j
				break
			}
		}
		if idx < 0 {
			if err := unknownAttr(path+":"+m.Key, d.q); err != nil {
				return nil, err
			}
			// Unknown keys are kept as sent, last one wins.
			for k := range unknown {
				if unknown[k].Key == m.Key {
					unknown = append(unknown[:k], unknown[k+1:]...)
					break
				}
			}
			if m.Val.Kind != jNull {
				unknown = append(unknown, *m)
			}
			continue
		}
		a := attrs[idx]
		if a.Mutability == ReadOnly && !keepRO {
			continue
		}
		b, err := normalizeValue(a, &m.Val, path+":"+a.Name, d)
		if err != nil {
			return nil, err
		}
		vals[idx], set[idx] = b, b != nil
	}
	var out []byte
	for j, a := range attrs {
		if !set[j] {
			continue
		}
		out = appendSep(out)
		out = jsonenc.AppendString(out, a.Name)
		out = append(out, ':')
		out = append(out, vals[j]...)
	}
	for _, m := range unknown {
		out = appendSep(out)
		out = jsonenc.AppendString(out, m.Key)
		out = append(out, ':')
		out = append(out, m.Val.Raw...)
	}
	if out == nil {
		return nil, nil
	}
	return append(out, '}'), nil
}

// appendSep starts an object or separates its members.
func appendSep(b []byte) []byte {
	if b == nil {
		return append(make([]byte, 0, 64), '{')
	}
	return append(b, ',')
}

// normalizeValue returns the canonical JSON of v for attribute a, or nil
// when v is unassigned.
func normalizeValue(a *Attribute, v *jvalue, path string, d dec) ([]byte, error) {
	if !a.MultiValued {
		if a.Type == TypeComplex {
			obj, err := decComplex(v, path, d.q)
			if obj == nil || err != nil {
				return nil, err
			}
			return normObject(a.SubAttributes, obj.Mems, path, d)
		}
		return normalizeSimple(a, v, path, d.q)
	}
	elems, err := decMulti(v, path, MaxValues, d.q)
	if err != nil {
		return nil, err
	}
	var out []byte
	for i := range elems {
		p := elemPath(path, i)
		var b []byte
		if a.Type == TypeComplex {
			if elems[i].Kind != jObject && elems[i].Kind != jNull {
				return nil, wrongType(p, "an object", &elems[i])
			}
			b, err = normObject(a.SubAttributes, elems[i].Mems, p, d)
		} else {
			b, err = normalizeSimple(a, &elems[i], p, d.q)
		}
		if err != nil {
			return nil, err
		}
		if b == nil {
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, 64), '[')
		} else {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	if out == nil {
		return nil, nil
	}
	return append(out, ']'), nil
}

// normalizeSimple checks a singular non-complex value against a's type.
func normalizeSimple(a *Attribute, v *jvalue, path string, q tol) ([]byte, error) {
	if v.Kind == jNull {
		return nil, nil
	}
	switch a.Type {
	case TypeBoolean:
		b, err := decBool(v, path, q)
		if b == nil || err != nil {
			return nil, err
		}
		return strconv.AppendBool(nil, *b), nil
	case TypeInteger:
		if v.Kind != jNumber {
			return nil, wrongType(path, "an integer", v)
		}
		if _, err := strconv.ParseInt(v.Str, 10, 64); err != nil {
			return nil, wrongType(path, "an integer", v)
		}
		return []byte(v.Str), nil
	case TypeDecimal:
		if v.Kind != jNumber {
			return nil, wrongType(path, "a number", v)
		}
		if f, err := strconv.ParseFloat(v.Str, 64); err != nil || (f == 0 && nonZeroMantissa(v.Str)) {
			return nil, invalid(path, "is out of the range of a decimal (a float64)")
		}
		return []byte(v.Str), nil
	case TypeComplex:
		return nil, wrongType(path, "an object", v)
	}
	if v.Kind != jString {
		return nil, wrongType(path, "a string", v)
	}
	if v.Str == "" {
		return nil, nil
	}
	switch a.Type {
	case TypeDateTime:
		if t, err := time.Parse(time.RFC3339Nano, v.Str); err != nil || t.Year() == 0 || strings.HasPrefix(v.Str, "0000") {
			// XML Schema's dateTime (RFC 7643 §2.3.5) has no year 0000.
			return nil, invalid(path, "must be an RFC 3339 date-time (RFC 7643 §2.3.5)")
		}
	case TypeBinary:
		if !isBase64(v.Str) {
			return nil, invalid(path, "must be base64-encoded (RFC 7643 §2.3.6)")
		}
	case TypeReference:
		if err := checkReference(a, v.Str, path); err != nil {
			return nil, err
		}
	case TypeString:
		if a.CanonicalOnly && len(a.CanonicalValues) > 0 && !canonicalValue(a, v.Str) {
			return nil, invalid(path, "must be one of "+quoteAll(a.CanonicalValues)+", not "+strconv.Quote(v.Str))
		}
	}
	return jsonenc.AppendString(nil, v.Str), nil
}

// nonZeroMantissa reports whether the JSON number n has a non-zero digit
// before its exponent: a number that ParseFloat reads as 0 then underflows.
func nonZeroMantissa(n string) bool {
	for i := 0; i < len(n) && n[i] != 'e' && n[i] != 'E'; i++ {
		if n[i] >= '1' && n[i] <= '9' {
			return true
		}
	}
	return false
}

// checkReference checks a reference value (RFC 7643 §2.3.7): a URI, and
// an absolute one when a's referenceTypes are only "external" and "uri"
// (a reference to a resource of the server may be relative).
func checkReference(a *Attribute, s, path string) error {
	ref, err := url.Parse(s)
	if err != nil || strings.ContainsAny(s, " \t\r\n") {
		return invalid(path, "must be a URI (RFC 7643 §2.3.7)")
	}
	external := len(a.ReferenceTypes) > 0
	for _, t := range a.ReferenceTypes {
		external = external && (t == "external" || t == "uri")
	}
	if external && !ref.IsAbs() {
		return invalid(path, "must be an absolute URI: its referenceTypes are "+quoteAll(a.ReferenceTypes))
	}
	return nil
}

// canonicalValue reports whether s is one of a's canonical values,
// compared by a's caseExact.
func canonicalValue(a *Attribute, s string) bool {
	for _, c := range a.CanonicalValues {
		if c == s || (!a.CaseExact && strings.EqualFold(c, s)) {
			return true
		}
	}
	return false
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}
