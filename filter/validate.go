package filter

import (
	"time"

	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

// Validate checks e against rt's schemas: attributes exist, operators fit
// their types, no filtering on returned:never attributes (RFC 7644
// §3.4.2.2). Errors are *Error with ScimType invalidFilter and Pos -1.
//
// Operator rules: pr works on every attribute; booleans take eq and ne
// only, with true/false (or the strings "true"/"false", which Entra's role
// mappings send, docs/idp-compatibility.md#entra-bool-strings: Validate
// rewrites such a string in e into the boolean literal, so that Match and
// stores see one form); numbers and dateTimes take eq, ne,
// gt, ge, lt and le with a number or an RFC 3339 string; strings take
// every operator with a string (a bare number is taken as its text);
// a comparison on a complex attribute needs a sub-attribute unless the
// attribute has a value sub-attribute (see Match); null is allowed with eq
// and ne only.
func Validate(e Expr, rt *resource.ResourceType) error { return Options{}.Validate(e, rt) }

// Options tune Validate. The zero value keeps every tolerance on.
type Options struct {
	// Disable turns off the listed tolerances (package quirk) where they
	// apply to filters: quirk.BoolStrings. With it off, a string compared
	// with a boolean attribute is invalidFilter.
	Disable quirk.Set
	// Fired, when not nil, receives each tolerance that changed how the
	// filter was read (quirk.BoolStrings for a "True" turned into true);
	// a filter that RFC 7644 reads the same way adds nothing.
	Fired *quirk.Set
}

// Validate is the package-level [Validate] with the tolerances of o.
func (o Options) Validate(e Expr, rt *resource.ResourceType) error {
	if err := validateWith(e, rt, nil, false, quirk.All&^o.Disable, o.Fired); err != nil {
		return err
	}
	return nil
}

// validate checks e; with namesOnly it checks only that attributes exist
// and can be filtered on, which is what Match refuses.
func validate(e Expr, rt *resource.ResourceType, parent *resource.Attribute, namesOnly bool) *Error {
	return validateWith(e, rt, parent, namesOnly, quirk.All, nil)
}

// validateWith is validate with the tolerances q, recording those that
// fire in fired (which may be nil).
func validateWith(e Expr, rt *resource.ResourceType, parent *resource.Attribute, namesOnly bool, q quirk.Set, fired *quirk.Set) *Error {
	switch e := e.(type) {
	case *Compare:
		var a *resource.Attribute
		if parent != nil {
			sa, err := subAttr(parent, e.Path)
			if err != nil {
				return err
			}
			a = sa
			if namesOnly {
				return nil
			}
			if a.Type == resource.TypeComplex && e.Op != Pr {
				return schemaErr("%q is complex and cannot be compared", e.Path.String())
			}
		} else {
			t, err := resolve(rt, e.Path)
			if err != nil {
				return err
			}
			if e.Op == Pr || namesOnly {
				return nil
			}
			if a = t.compared(); a == nil {
				return schemaErr("%q is complex: compare one of its sub-attributes", e.Path.String())
			}
		}
		return checkOp(e, a, q, fired)
	case *Logical:
		if e.Op != And && e.Op != Or {
			return schemaErr("invalid logical operator %d", e.Op)
		}
		if err := validateWith(e.Left, rt, parent, namesOnly, q, fired); err != nil {
			return err
		}
		return validateWith(e.Right, rt, parent, namesOnly, q, fired)
	case *Not:
		return validateWith(e.X, rt, parent, namesOnly, q, fired)
	case *ValuePath:
		if parent != nil {
			return schemaErr("a value filter cannot contain another value filter")
		}
		if e.Path.Sub != "" {
			return schemaErr("value filter on sub-attribute %q", e.Path.String())
		}
		t, err := resolve(rt, e.Path)
		if err != nil {
			return err
		}
		if t.attr.Type != resource.TypeComplex {
			return schemaErr("value filter on %q, which is not complex", e.Path.String())
		}
		return validateWith(e.Filter, rt, t.attr, namesOnly, q, fired)
	case nil:
		return schemaErr("empty filter")
	}
	return schemaErr("unknown expression type %T", e)
}

// subAttr resolves a path inside a value filter, relative to parent.
func subAttr(parent *resource.Attribute, p AttrPath) (*resource.Attribute, *Error) {
	if p.URN != "" || p.Sub != "" {
		return nil, schemaErr("%q inside a value filter must name a sub-attribute of %q", p.String(), parent.Name)
	}
	sa := parent.Sub(p.Name)
	if sa == nil {
		return nil, schemaErr("%q has no sub-attribute %q", parent.Name, p.Name)
	}
	if sa.Returned == resource.ReturnedNever {
		return nil, schemaErr("attribute %q cannot be filtered on", parent.Name+"."+p.Name)
	}
	return sa, nil
}

func checkOp(c *Compare, a *resource.Attribute, q quirk.Set, fired *quirk.Set) *Error {
	if c.Op < Eq || c.Op > Pr {
		return schemaErr("invalid comparison operator %d", c.Op)
	}
	if c.Op == Pr {
		return nil
	}
	name := c.Path.String()
	if c.Value.Kind == Null {
		if c.Op != Eq && c.Op != Ne {
			return schemaErr("%s with null on %q: only eq and ne compare with null", c.Op, name)
		}
		return nil
	}
	switch a.Type {
	case resource.TypeBoolean:
		if c.Op != Eq && c.Op != Ne {
			return schemaErr("%s on boolean %q: booleans take eq, ne and pr", c.Op, name)
		}
		if c.Value.Kind == String {
			b, ok := q.Bool(c.Value.Str)
			if !ok {
				return schemaErr("%q is boolean: compare it with true or false", name)
			}
			// Entra's "True" (docs/idp-compatibility.md#entra-bool-strings)
			// becomes the literal here, once, so that Match and every
			// store's translation see true.
			c.Value = Value{Kind: Bool, Bool: b}
			fired.Add(quirk.BoolStrings)
		}
		if c.Value.Kind != Bool {
			return schemaErr("%q is boolean: compare it with true or false", name)
		}
	case resource.TypeInteger, resource.TypeDecimal:
		if c.Op == Co || c.Op == Sw || c.Op == Ew {
			return schemaErr("%s on number %q", c.Op, name)
		}
		if c.Value.Kind != Number {
			return schemaErr("%q is a number: compare it with a number", name)
		}
	case resource.TypeDateTime:
		if c.Op == Co || c.Op == Sw || c.Op == Ew {
			return schemaErr("%s on dateTime %q", c.Op, name)
		}
		if _, ok := timeOf(c.Value.Str); c.Value.Kind != String || !ok {
			return schemaErr("%q is a dateTime: compare it with an RFC 3339 string", name)
		}
	case resource.TypeComplex:
		return schemaErr("%q is complex: compare one of its sub-attributes", name)
	default: // string, reference, binary
		if c.Value.Kind == Bool {
			return schemaErr("%q is a string: compare it with a string", name)
		}
	}
	return nil
}

func timeOf(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
