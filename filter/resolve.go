package filter

import (
	"strings"

	"github.com/scimkit/scim/resource"
)

// noPos is the Pos of validation errors, which concern the AST and have no
// position in the input.
const noPos = -1

func schemaErr(format string, arg ...any) *Error {
	return newErrorNoPos(InvalidFilter, format, arg...)
}

// target is a resolved attribute path.
type target struct {
	schema *resource.Schema
	attr   *resource.Attribute // the top-level attribute
	sub    *resource.Attribute // the sub-attribute compared, or nil
}

// resolve resolves a top-level attribute path against rt (RFC 7644 §3.10).
// Unknown attributes and attributes returned "never" (password, RFC 7643
// §4.1.1) are errors: RFC 7644 §3.4.2.2 lets a filter refer only to
// attributes that can be returned.
func resolve(rt *resource.ResourceType, p AttrPath) (target, *Error) {
	if p.Sub == "" && lowerEq(p.Name, "schemas") && (p.URN == "" || (rt != nil && rt.Schema != nil && strings.EqualFold(p.URN, rt.Schema.ID))) {
		// RFC 7644 §3.4.2.2's example `schemas eq "urn:...:enterprise:2.0:User"`.
		return target{schema: rt.Schema, attr: schemasAttr}, nil
	}
	s, a, sub := resource.Resolve(rt, p.URN, p.Name, p.Sub)
	if s == nil || a == nil {
		return target{}, schemaErr("unknown attribute %q", p.String())
	}
	if a.Returned == resource.ReturnedNever || (sub != nil && sub.Returned == resource.ReturnedNever) {
		return target{}, schemaErr("attribute %q cannot be filtered on", p.String())
	}
	return target{schema: s, attr: a, sub: sub}, nil
}

// schemasAttr describes the "schemas" attribute every resource has
// (RFC 7643 §3), which the registry does not list.
var schemasAttr = &resource.Attribute{Name: "schemas", Type: resource.TypeReference, MultiValued: true, CaseExact: true,
	Mutability: resource.ReadOnly, Returned: resource.ReturnedAlways}

// getValue returns attribute t of r; "schemas" is derived from the
// resource's extensions.
func getValue(r resource.Resource, t target) any {
	if t.attr != schemasAttr {
		return r.Get(t.schema.ID, t.attr.Name)
	}
	out := []any{t.schema.ID}
	switch r := r.(type) {
	case *resource.User:
		if r == nil {
			return nil
		}
		if r.Enterprise != nil {
			out = append(out, resource.EnterpriseUserSchema)
		}
		for urn := range r.Extensions {
			out = append(out, urn)
		}
	case *resource.Group:
		if r == nil {
			return nil
		}
		for urn := range r.Extensions {
			out = append(out, urn)
		}
	}
	return out
}

// compared returns the attribute whose values a comparison uses: the
// sub-attribute, or for a complex attribute without one its "value"
// sub-attribute. Entra sends "manager eq <id>" meaning manager.value
// (docs/idp-compatibility.md#entra-manager-eq), and RFC 7644 §3.4.2.2's own example
// "emails co \"example.com\"" compares the emails' values; members and
// groups work the same way. It returns nil for a complex attribute without
// a value sub-attribute (name, addresses).
func (t target) compared() *resource.Attribute {
	if t.sub != nil {
		return t.sub
	}
	if t.attr.Type == resource.TypeComplex {
		return t.attr.Sub("value")
	}
	return t.attr
}

// Mentions reports whether e compares or filters on the attribute name, of
// any schema (names compare case-insensitively): a store or the handler
// asks it to learn whether a query needs members or groups loaded.
func Mentions(e Expr, name string) bool {
	switch x := e.(type) {
	case *Compare:
		return strings.EqualFold(x.Path.Name, name)
	case *ValuePath:
		return strings.EqualFold(x.Path.Name, name)
	case *Logical:
		return Mentions(x.Left, name) || Mentions(x.Right, name)
	case *Not:
		return Mentions(x.X, name)
	}
	return false
}
