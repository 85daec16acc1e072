package resource

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/scimkit/scim/internal/jsonenc"
	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/quirk"
)

// Object is one resource of a resource type the app declares besides User
// and Group (RFC 7643 §6), such as Okta's roles and entitlements: the
// common attributes (RFC 7643 §3.1), the attributes of the type's core
// schema as one JSON object, and those of each extension schema.
//
// Empty values mean unassigned, as in User. Attributes and each value of
// Extensions, when set, must be JSON objects (encoding/json's output of a
// struct or map will do); members named id, externalId, meta or schemas
// in Attributes are ignored, since the fields above carry them.
type Object struct {
	ID         string
	ExternalID string
	// Attributes holds the attributes of the type's core schema, keyed by
	// name, e.g. {"displayName":"Administrator"}.
	Attributes json.RawMessage
	// Extensions maps an extension schema URN to its attributes.
	Extensions map[string]json.RawMessage
	Meta       Meta
}

// commonKey reports whether key is a member of Object.Attributes that the
// Object's own fields carry.
func commonKey(key string) bool {
	for _, k := range [...]string{"id", "externalId", "meta", "schemas"} {
		if jsonparse.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// CoreAttr returns the common or core-schema attribute name
// (case-insensitive) in the JSON-like form of Resource.Get, nil when
// unassigned.
func (o *Object) CoreAttr(name string) any {
	if o == nil {
		return nil
	}
	switch {
	case jsonparse.EqualFold(name, "id"):
		return strAny(o.ID)
	case jsonparse.EqualFold(name, "externalId"):
		return strAny(o.ExternalID)
	case jsonparse.EqualFold(name, "meta"):
		return o.Meta.toMap()
	case commonKey(name):
		return nil
	}
	v, err := parseJSON(o.Attributes)
	if err != nil || v.Kind != jObject {
		return nil
	}
	m := v.Get(name)
	if m == nil {
		return nil
	}
	return toAny(m)
}

// ExtensionAttr returns attribute name of the extension schema urn (both
// case-insensitive) like CoreAttr.
func (o *Object) ExtensionAttr(urn, name string) any {
	if o == nil {
		return nil
	}
	return extGet(o.Extensions, urn, name)
}

// objectResource is an Object read as a resource of its type.
type objectResource struct {
	rt *ResourceType
	o  *Object
}

// Get implements Resource.
func (r objectResource) Get(schemaURN, name string) any {
	if schemaURN == "" || jsonparse.EqualFold(schemaURN, r.rt.Schema.ID) {
		return r.o.CoreAttr(name)
	}
	return r.o.ExtensionAttr(schemaURN, name)
}

// ObjectResource returns o read as a resource of rt, for filter.Match and
// filter.Sort: schemaURN "" or rt's core schema URN names the common and
// core attributes, any other URN an extension's.
func ObjectResource(rt *ResourceType, o *Object) Resource { return objectResource{rt, o} }

// CheckResourceType reports why rt cannot be served as a declared resource
// type: no ID, name or schema, an endpoint that is not "/" and one path
// segment, or a schema or extension that NewRegistry would refuse. It does
// not check for collisions with other types; the server does.
func CheckResourceType(rt *ResourceType) error {
	if rt == nil {
		return errors.New("resource: nil resource type")
	}
	if rt.ID == "" || rt.Name == "" || strings.ContainsAny(rt.ID, "/ \"") {
		return fmt.Errorf("resource: resource type %q needs an ID (no '/', space or quote) and a Name", rt.ID)
	}
	ep := strings.TrimPrefix(rt.Endpoint, "/")
	if !strings.HasPrefix(rt.Endpoint, "/") || ep == "" || strings.ContainsAny(ep, "/?#% \"") || strings.HasPrefix(ep, ".") {
		return fmt.Errorf("resource: resource type %q: endpoint %q must be \"/\" and one path segment, e.g. \"/Roles\"", rt.ID, rt.Endpoint)
	}
	if err := checkSchema(rt.Schema); err != nil {
		return fmt.Errorf("resource: resource type %q: %w", rt.ID, err)
	}
	for _, e := range rt.Extensions {
		if err := checkSchema(e.Schema); err != nil {
			return fmt.Errorf("resource: resource type %q: %w", rt.ID, err)
		}
		if jsonparse.EqualFold(e.Schema.ID, rt.Schema.ID) {
			return fmt.Errorf("resource: resource type %q: extension %q is its core schema", rt.ID, e.Schema.ID)
		}
	}
	return nil
}

// DecodeObject decodes and validates a request body (POST or PUT) of a
// resource of rt, as DecodeUserWith does a user's: names and URNs
// case-insensitive, schemas (when present) must list rt's core schema, id
// and meta ignored, read-only attributes dropped, values checked against
// their attribute's type, required attributes of the core schema and of
// the extensions present required, required extensions required; unknown
// attributes are kept as sent, or refused when opts turns
// quirk.UnknownAttributes off. The limits MaxDepth, MaxStringLength and
// MaxValues apply. Errors are *Error.
func DecodeObject(rt *ResourceType, data []byte, opts DecodeOptions) (*Object, error) {
	d := dec{q: tol{on: quirk.All &^ opts.Disable, fired: opts.Fired}}
	body, err := parseObject(data)
	if err != nil {
		return nil, err
	}
	if err := checkSchemas(&body, rt.Schema.ID, d.q); err != nil {
		return nil, err
	}
	o := &Object{}
	var core []jmember
	var exts extParts
	for i := range body.Mems {
		key, v := body.Mems[i].Key, &body.Mems[i].Val
		switch {
		case jsonparse.EqualFold(key, "schemas"), jsonparse.EqualFold(key, "id"), jsonparse.EqualFold(key, "meta"):
			continue
		case jsonparse.EqualFold(key, "externalId"):
			if o.ExternalID, err = decStr(v, "externalId"); err != nil {
				return nil, err
			}
			if err := checkIndexed("externalId", o.ExternalID); err != nil {
				return nil, err
			}
			continue
		}
		if s, attr := extensionKey(rt, key); s != nil {
			if err := exts.addExtension(s, attr, v, d.q); err != nil {
				return nil, err
			}
			continue
		}
		if a := rt.Schema.Attr(key); a != nil && a.Mutability != ReadOnly {
			if err := checkSubs(a, v, a.Name, d.q); err != nil {
				return nil, err
			}
		}
		core = append(core, body.Mems[i])
	}
	if o.Attributes, err = normObject(rt.Schema.Attributes, core, rt.Schema.ID, d); err != nil {
		return nil, err
	}
	attrs := jvalue{Kind: jObject}
	if o.Attributes != nil {
		if attrs, err = parseJSON(o.Attributes); err != nil {
			return nil, err
		}
	}
	if err := checkRequired(requiredWritable(rt.Schema.Attributes), &attrs, rt.Schema.ID); err != nil {
		return nil, err
	}
	if o.Extensions, err = exts.build(d); err != nil {
		return nil, err
	}
	if err := validateExtensions(rt, o.Extensions); err != nil {
		return nil, err
	}
	return o, nil
}

// requiredWritable is the attributes of attrs a client must send: the
// required ones that are not read-only (the server assigns those).
func requiredWritable(attrs []*Attribute) []*Attribute {
	var out []*Attribute
	for _, a := range attrs {
		if a.Required && a.Mutability != ReadOnly {
			out = append(out, a)
		}
	}
	return out
}

// AppendObject appends the JSON encoding of o as a resource of rt to dst,
// as AppendUser does a user: schemas listing rt's core schema and the
// registered extensions present, id, externalId, the core attributes in
// the order stored with nulls dropped, each extension under its URN,
// meta; only what p selects (p from NewProjection(rt, ...)). Attributes
// no schema defines are kept as they are. A nil o appends null.
func AppendObject(dst []byte, rt *ResourceType, o *Object, p *Projection) []byte {
	if o == nil {
		return append(dst, "null"...)
	}
	core := rt.Schema.ID
	var body []byte
	if v, err := parseJSON(o.Attributes); err == nil && v.Kind == jObject {
		mems := make([]jmember, 0, len(v.Mems))
		for _, m := range v.Mems {
			if !commonKey(m.Key) {
				mems = append(mems, m)
			}
		}
		body = filterMembers(core, "", rt.Schema.Attributes, mems, p)
	}
	var exts []extOut
	for _, e := range rt.Extensions {
		s := e.Schema
		raw := rawOf(o.Extensions, s.ID)
		if raw == nil {
			continue
		}
		if b := filterObject(s.ID, "", s.Attributes, raw, p); b != nil {
			exts = append(exts, extOut{s.ID, b})
		}
	}
	dst = append(dst, `{"schemas":[`...)
	dst = jsonenc.AppendString(dst, core)
	for _, e := range exts {
		dst = append(dst, ',')
		dst = jsonenc.AppendString(dst, e.urn)
	}
	dst = append(dst, ']')
	dst = appendStrField(dst, "id", o.ID)
	if p.want(core, "externalId", ReturnedDefault) {
		dst = appendStrField(dst, "externalId", o.ExternalID)
	}
	if len(body) > 2 {
		dst = append(dst, ',')
		dst = append(dst, body[1:len(body)-1]...)
	}
	for _, e := range exts {
		dst = append(dst, ',')
		dst = jsonenc.AppendString(dst, e.urn)
		dst = append(dst, ':')
		dst = append(dst, e.raw...)
	}
	dst = appendMeta(dst, p, core, &o.Meta)
	return append(dst, '}')
}
