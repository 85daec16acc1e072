package resource

import (
	"errors"
	"fmt"
	"github.com/scimkit/scim/internal/jsonparse"
	"strings"
)

// NewRegistry returns a registry with the core schemas, the enterprise
// extension on User, and the given custom extension schemas (RFC 7643 §6).
// It returns an error if an extension is nil, has no ID or no valid
// attributes, or its URN clashes (case-insensitively) with another schema.
// The registry keeps the extension schemas; do not modify them afterwards.
func NewRegistry(userExtensions, groupExtensions []*Schema) (*Registry, error) {
	return NewRegistryFrom(RegistryConfig{UserExtensions: userExtensions, GroupExtensions: groupExtensions})
}

// RegistryConfig is what NewRegistryFrom builds a registry from.
type RegistryConfig struct {
	// UserExtensions and GroupExtensions are the custom extension schemas
	// of User and Group, as for NewRegistry.
	UserExtensions, GroupExtensions []*Schema
	// Required lists the URNs (compared case-insensitively) of extensions
	// that every resource of their type must carry: /ResourceTypes lists
	// them with "required": true (RFC 7643 §6), and ValidateUser and
	// ValidateGroup refuse a resource without one (a create, a replace or
	// a PATCH that removes it) with invalidValue. Each must name one of
	// UserExtensions, GroupExtensions or the enterprise extension.
	Required []string
}

// NewRegistryFrom returns a registry like NewRegistry, from c.
func NewRegistryFrom(c RegistryConfig) (*Registry, error) {
	userExtensions, groupExtensions := c.UserExtensions, c.GroupExtensions
	r := &Registry{
		User: &ResourceType{
			ID:          "User",
			Name:        "User",
			Endpoint:    "/Users",
			Description: "User Account",
			Schema:      newUserSchema(),
			Extensions:  []SchemaExtension{{Schema: newEnterpriseSchema()}},
		},
		Group: &ResourceType{
			ID:          "Group",
			Name:        "Group",
			Endpoint:    "/Groups",
			Description: "Group",
			Schema:      newGroupSchema(),
		},
	}
	seen := []string{UserSchema, GroupSchema, EnterpriseUserSchema}
	add := func(rt *ResourceType, exts []*Schema) error {
		for _, s := range exts {
			if err := checkSchema(s); err != nil {
				return err
			}
			for _, id := range seen {
				if jsonparse.EqualFold(id, s.ID) {
					return fmt.Errorf("resource: extension schema %q clashes with schema %q", s.ID, id)
				}
			}
			seen = append(seen, s.ID)
			rt.Extensions = append(rt.Extensions, SchemaExtension{Schema: s})
		}
		return nil
	}
	if err := add(r.User, userExtensions); err != nil {
		return nil, err
	}
	if err := add(r.Group, groupExtensions); err != nil {
		return nil, err
	}
	for _, urn := range c.Required {
		found := false
		for _, rt := range []*ResourceType{r.User, r.Group} {
			for i := range rt.Extensions {
				if jsonparse.EqualFold(rt.Extensions[i].Schema.ID, urn) {
					rt.Extensions[i].Required, found = true, true
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("resource: required extension %q is not registered", urn)
		}
	}
	return r, nil
}

// checkSchema rejects extension schemas that the rest of the package cannot
// serve: no URN, an attribute without a name, an unknown type, or two
// attributes with the same name.
func checkSchema(s *Schema) error {
	if s == nil {
		return errors.New("resource: nil extension schema")
	}
	if s.ID == "" || strings.ContainsAny(s.ID, " \"") {
		return fmt.Errorf("resource: extension schema ID %q is not a URN", s.ID)
	}
	return checkAttrs(s.ID, s.Attributes)
}

func checkAttrs(where string, attrs []*Attribute) error {
	for i, a := range attrs {
		if a == nil || a.Name == "" || strings.ContainsAny(a.Name, ". \"[]") {
			return fmt.Errorf("resource: %s: attribute %d has no valid name", where, i)
		}
		switch a.Type {
		case TypeString, TypeBoolean, TypeDecimal, TypeInteger, TypeDateTime, TypeBinary, TypeReference:
			if len(a.SubAttributes) > 0 {
				return fmt.Errorf("resource: %s: attribute %q of type %s has sub-attributes", where, a.Name, a.Type)
			}
		case TypeComplex:
			if err := checkAttrs(where+":"+a.Name, a.SubAttributes); err != nil {
				return err
			}
		default:
			return fmt.Errorf("resource: %s: attribute %q has unknown type %q", where, a.Name, a.Type)
		}
		for _, b := range attrs[:i] {
			if jsonparse.EqualFold(a.Name, b.Name) {
				return fmt.Errorf("resource: %s: attribute %q defined twice", where, a.Name)
			}
		}
	}
	return nil
}

// Schemas returns every schema of the registry, core ones first: User,
// Group, the enterprise extension, then the custom extensions in
// registration order (User's, then Group's).
func (r *Registry) Schemas() []*Schema {
	out := []*Schema{r.User.Schema, r.Group.Schema}
	for _, e := range r.User.Extensions {
		out = append(out, e.Schema)
	}
	for _, e := range r.Group.Extensions {
		out = append(out, e.Schema)
	}
	return out
}

// ResourceTypes returns User and Group.
func (r *Registry) ResourceTypes() []*ResourceType { return []*ResourceType{r.User, r.Group} }

// Resolve finds an attribute of rt by schema URN (case-insensitive, "" for
// the core schema, falling back to the extensions when the core schema has
// no such name, so "manager" resolves to the enterprise manager), name and
// optional sub-attribute (RFC 7644 §3.10). It returns the owning schema,
// the attribute and the sub-attribute (nil when sub is ""), or nil schema if
// nothing matches.
//
// The common attributes id, externalId and meta (RFC 7643 §3.1) are not in
// any schema's attribute list, but they resolve: their owning schema is
// reported as rt.Schema, so "id", "meta.lastModified" and
// "urn:ietf:params:scim:schemas:core:2.0:User:id" all work.
func Resolve(rt *ResourceType, urn, name, sub string) (*Schema, *Attribute, *Attribute) {
	if rt == nil || rt.Schema == nil {
		return nil, nil, nil
	}
	if urn == "" || jsonparse.EqualFold(urn, rt.Schema.ID) {
		if a := rt.Schema.Attr(name); a != nil {
			return withSub(rt.Schema, a, sub)
		}
		for _, a := range common {
			if jsonparse.EqualFold(a.Name, name) {
				return withSub(rt.Schema, a, sub)
			}
		}
		if urn != "" {
			return nil, nil, nil
		}
	}
	for _, e := range rt.Extensions {
		if urn != "" && !jsonparse.EqualFold(urn, e.Schema.ID) {
			continue
		}
		if a := e.Schema.Attr(name); a != nil {
			return withSub(e.Schema, a, sub)
		}
	}
	return nil, nil, nil
}

func withSub(s *Schema, a *Attribute, sub string) (*Schema, *Attribute, *Attribute) {
	if sub == "" {
		return s, a, nil
	}
	sa := a.Sub(sub)
	if sa == nil {
		return nil, nil, nil
	}
	return s, a, sa
}

// extension returns rt's extension schema whose URN equals urn
// case-insensitively, or nil.
func extension(rt *ResourceType, urn string) *Schema {
	for _, e := range rt.Extensions {
		if jsonparse.EqualFold(e.Schema.ID, urn) {
			return e.Schema
		}
	}
	return nil
}

// defaultRegistry serves MarshalJSON and UnmarshalJSON (with every
// extension kept, see json.go): core schemas and the
// enterprise extension only.
var defaultRegistry = func() *Registry {
	r, err := NewRegistry(nil, nil)
	if err != nil {
		panic(err) // unreachable: the core schemas are fixed
	}
	return r
}()

// DefaultRegistry returns a registry with the core schemas and the
// enterprise extension, and no custom extensions. It is shared: do not
// modify it.
func DefaultRegistry() *Registry { return defaultRegistry }
