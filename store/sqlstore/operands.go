package sqlstore

import (
	"strings"

	"github.com/scimkit/scim/resource"
)

// single returns the operand of a singular attribute (a, or its
// sub-attribute sub) and the attribute compared: sub, or a's value
// sub-attribute for a complex a, nil when there is none.
func (b *builder) single(s *resource.Schema, a, sub *resource.Attribute) (operand, *resource.Attribute, error) {
	cmpAttr := sub
	if cmpAttr == nil {
		cmpAttr = a
		if a.Type == resource.TypeComplex {
			cmpAttr = a.Sub("value")
		}
	}
	if s == b.rt.Schema {
		if col, ok := b.column(a, sub); ok {
			return col, cmpAttr, nil
		}
	}
	var path []string
	switch {
	case s == b.rt.Schema:
		if a.Name == "meta" || a.Name == "id" || a.Name == "groups" || a.Name == "members" {
			return operand{}, nil, errUnsupported
		}
	default:
		// An extension is the member named by its URN (see codec.go).
		path = append(path, s.ID)
	}
	path = append(path, a.Name)
	if a.Type == resource.TypeComplex {
		if sub == nil {
			if cmpAttr == nil {
				// Only pr applies: the object is stored when not empty.
				return operand{sql: b.jsonText(path, true), kind: kString}, nil, nil
			}
		}
		path = append(path, cmpAttr.Name)
	}
	if cmpAttr.MultiValued {
		return operand{}, nil, errUnsupported
	}
	switch cmpAttr.Type {
	case resource.TypeString, resource.TypeReference, resource.TypeBinary:
		return operand{sql: b.jsonText(path, false), kind: kString, caseExact: cmpAttr.CaseExact}, cmpAttr, nil
	case resource.TypeBoolean:
		return operand{sql: b.jsonBool(path), kind: kBoolText}, cmpAttr, nil
	}
	return operand{}, nil, errUnsupported
}

// column returns the indexed column holding a core or common attribute.
func (b *builder) column(a, sub *resource.Attribute) (operand, bool) {
	switch {
	case a.Name == "id" && sub == nil:
		return operand{sql: "t.id", kind: kString, caseExact: true}, true
	case a.Name == "externalId" && sub == nil:
		return operand{sql: "t.external_id", kind: kString, caseExact: a.CaseExact}, true
	case a.Name == "meta" && sub != nil && sub.Name == "created":
		return operand{sql: "t.created", kind: kTime}, true
	case a.Name == "meta" && sub != nil && sub.Name == "lastModified":
		return operand{sql: "t.last_modified", kind: kTime}, true
	case b.users && a.Name == "userName" && sub == nil && !a.CaseExact:
		return operand{sql: "t.user_name_folded", kind: kString, folded: true}, true
	case b.users && a.Name == "displayName" && sub == nil:
		return operand{sql: "t.display_name", kind: kString, caseExact: a.CaseExact}, true
	case b.users && a.Name == "active" && sub == nil:
		return operand{sql: "t.active", kind: kBoolCol}, true
	case !b.users && a.Name == "displayName" && sub == nil && !a.CaseExact:
		return operand{sql: "t.display_name_folded", kind: kString, folded: true}, true
	}
	return operand{}, false
}

// jsonText is the text of the JSON string at path in t.data; with
// anyValue, a non-NULL text for any present value.
func (b *builder) jsonText(path []string, anyValue bool) string {
	if b.pg() {
		fn := "jsonb_extract_path_text"
		if anyValue {
			fn = "jsonb_extract_path"
		}
		x := fn + "(t.data::jsonb, " + b.pathArgs(path) + ")"
		if anyValue {
			x += "::text"
		}
		return x
	}
	p := b.arg(sqlitePath(path))
	if anyValue {
		return "json_type(t.data, " + p + ")"
	}
	return "(CASE WHEN json_type(t.data, " + p + ") = 'text' THEN json_extract(t.data, " + p + ") END)"
}

// jsonBool is 'true' or 'false' for the JSON boolean at path, else NULL.
func (b *builder) jsonBool(path []string) string {
	if b.pg() {
		x := "jsonb_extract_path(t.data::jsonb, " + b.pathArgs(path) + ")"
		return "(CASE WHEN jsonb_typeof(" + x + ") = 'boolean' THEN " + x + "::text END)"
	}
	p := b.arg(sqlitePath(path))
	return "(CASE WHEN json_type(t.data, " + p + ") IN ('true', 'false') THEN json_type(t.data, " + p + ") END)"
}

func (b *builder) pathArgs(path []string) string {
	ps := make([]string, len(path))
	for i, k := range path {
		ps[i] = b.arg(k) + "::text"
	}
	return strings.Join(ps, ", ")
}

// sqlitePath renders a JSON path with every key quoted: $."a"."b".
func sqlitePath(path []string) string {
	var sb strings.Builder
	sb.WriteString("$")
	for _, k := range path {
		sb.WriteString(`."`)
		sb.WriteString(k)
		sb.WriteString(`"`)
	}
	return sb.String()
}

// multi returns the elements of a multi-valued complex attribute a of
// schema s: the rows of group_members for members and groups, the JSON
// array elements otherwise.
func (b *builder) multi(s *resource.Schema, a *resource.Attribute) (elements, bool, error) {
	if !a.MultiValued {
		return elements{}, false, nil
	}
	if a.Type != resource.TypeComplex {
		return elements{}, false, errUnsupported
	}
	if s == b.rt.Schema && ((b.users && a.Name == "groups") || (!b.users && a.Name == "members")) {
		return b.memberships(), true, nil
	}
	if s != b.rt.Schema {
		return elements{}, false, errUnsupported
	}
	if b.pg() {
		from := "jsonb_array_elements(CASE WHEN jsonb_typeof(jsonb_extract_path(t.data::jsonb, " + b.pathArgs([]string{a.Name}) +
			")) = 'array' THEN jsonb_extract_path(t.data::jsonb, " + b.pathArgs([]string{a.Name}) + ") ELSE '[]'::jsonb END) AS e(v)"
		return elements{
			from: from,
			any:  "e.v <> '{}'::jsonb",
			field: func(sub *resource.Attribute, inValuePath bool) (operand, error) {
				switch sub.Type {
				case resource.TypeString, resource.TypeReference, resource.TypeBinary:
					k := b.arg(sub.Name) + "::text"
					return operand{sql: "(CASE WHEN jsonb_typeof(e.v -> " + k + ") = 'string' THEN e.v ->> " + k + " END)", kind: kString, caseExact: sub.CaseExact}, nil
				case resource.TypeBoolean:
					k := b.arg(sub.Name) + "::text"
					x := "(CASE WHEN jsonb_typeof(e.v -> " + k + ") = 'boolean' THEN e.v ->> " + k + " END)"
					if inValuePath && sub.Name == "primary" {
						x = "COALESCE(" + x + ", 'false')"
					}
					return operand{sql: x, kind: kBoolText}, nil
				}
				return operand{}, errUnsupported
			},
		}, true, nil
	}
	return elements{
		from: "json_each(t.data, " + b.arg(sqlitePath([]string{a.Name})) + ") AS e",
		any:  "e.value <> '{}'",
		field: func(sub *resource.Attribute, inValuePath bool) (operand, error) {
			p := b.arg(sqlitePath([]string{sub.Name}))
			switch sub.Type {
			case resource.TypeString, resource.TypeReference, resource.TypeBinary:
				return operand{sql: "(CASE WHEN json_type(e.value, " + p + ") = 'text' THEN json_extract(e.value, " + p + ") END)", kind: kString, caseExact: sub.CaseExact}, nil
			case resource.TypeBoolean:
				x := "(CASE WHEN json_type(e.value, " + p + ") IN ('true', 'false') THEN json_type(e.value, " + p + ") END)"
				if inValuePath && sub.Name == "primary" {
					x = "COALESCE(" + x + ", 'false')"
				}
				return operand{sql: x, kind: kBoolText}, nil
			}
			return operand{}, errUnsupported
		},
	}, true, nil
}

// memberships is User.groups or Group.members as rows of group_members.
func (b *builder) memberships() elements {
	els := elements{from: "scim_group_members m", any: sqlTrue}
	if b.users {
		els.where = "m.tenant = t.tenant AND m.member_id = t.id"
		els.field = func(sub *resource.Attribute, _ bool) (operand, error) {
			if sub.Name == "value" {
				return operand{sql: "m.group_id", kind: kString, caseExact: sub.CaseExact}, nil
			}
			return operand{}, errUnsupported
		}
		return els
	}
	els.where = "m.tenant = t.tenant AND m.group_id = t.id"
	els.field = func(sub *resource.Attribute, _ bool) (operand, error) {
		switch sub.Name {
		case "value":
			return operand{sql: "m.member_id", kind: kString, caseExact: sub.CaseExact}, nil
		case "type":
			return operand{sql: "m.member_type", kind: kString, caseExact: sub.CaseExact}, nil
		case "display":
			return operand{sql: "m.display", kind: kString, caseExact: sub.CaseExact}, nil
		}
		return operand{}, errUnsupported
	}
	return els
}
