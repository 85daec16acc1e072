package resource

import (
	"github.com/scimkit/scim/internal/jsonparse"
	"strings"
)

// Projection selects the attributes to return (RFC 7644 §3.4.2.5, RFC 7643
// §7 "returned"). A nil *Projection returns the default set: every
// attribute except those returned "never" or "request".
type Projection struct {
	rt *ResourceType
	// attrs is the attributes parameter, nil when absent.
	attrs map[pkey]*subSel
	// excl is the excludedAttributes parameter.
	excl map[pkey]*subSel
	// extraAttrs and extraExcl hold lower-cased names that no schema
	// defines, matched against Extra keys.
	extraAttrs, extraExcl map[string]bool
}

// pkey names an attribute: a canonical schema URN and canonical attribute
// name; name "" stands for a whole extension.
type pkey struct{ urn, name string }

// subSel is the selection of sub-attributes of one attribute: nil subs
// means the whole attribute.
type subSel struct{ subs map[string]bool }

// NewProjection parses the comma-separated attributes and
// excludedAttributes query parameters for rt (RFC 7644 §3.4.2.5). Names are
// case-insensitive and may be dotted ("name.givenName", "emails.value") or
// fully qualified ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department");
// a bare extension URN means the whole extension. Unknown attribute names
// are ignored, as RFC 7644 allows, except that they select attributes kept
// in Extra by name. Attributes with returned "always" (id, schemas) are
// always included, "never" (password) never; "request" ones only when
// attributes names them. When both parameters are given, the attributes
// selected are those of attributes minus those of excludedAttributes. The
// error is reserved for future use and is currently always nil.
func NewProjection(rt *ResourceType, attributes, excludedAttributes string) (*Projection, error) {
	p := &Projection{rt: rt}
	if strings.TrimSpace(attributes) != "" {
		p.attrs = make(map[pkey]*subSel)
		p.extraAttrs = make(map[string]bool)
		p.parse(attributes, p.attrs, p.extraAttrs)
	}
	if strings.TrimSpace(excludedAttributes) != "" {
		p.excl = make(map[pkey]*subSel)
		p.extraExcl = make(map[string]bool)
		p.parse(excludedAttributes, p.excl, p.extraExcl)
	}
	return p, nil
}

func (p *Projection) parse(list string, into map[pkey]*subSel, extra map[string]bool) {
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" || p.rt == nil {
			continue
		}
		urn, path := splitURN(p.rt, item)
		if urn != nil && path == "" {
			if urn != p.rt.Schema {
				into[pkey{urn.ID, ""}] = &subSel{}
			}
			continue
		}
		name, sub, _ := strings.Cut(path, ".")
		u := ""
		if urn != nil {
			u = urn.ID
		}
		s, a, sa := Resolve(p.rt, u, name, sub)
		if s == nil {
			if urn == nil && sub == "" {
				extra[strings.ToLower(item)] = true
			}
			continue
		}
		k := pkey{s.ID, a.Name}
		sel, ok := into[k]
		switch {
		case sa == nil:
			into[k] = &subSel{} // the whole attribute
		case !ok:
			into[k] = &subSel{subs: map[string]bool{sa.Name: true}}
		case sel.subs != nil:
			sel.subs[sa.Name] = true
		}
	}
}

// splitURN splits a fully qualified attribute path into its schema (the
// longest matching URN of rt) and the rest; schema is nil for an
// unqualified path.
func splitURN(rt *ResourceType, item string) (*Schema, string) {
	var best *Schema
	try := func(s *Schema) {
		id := s.ID
		if len(item) < len(id) || !jsonparse.EqualFold(item[:len(id)], id) {
			return
		}
		if len(item) > len(id) && item[len(id)] != ':' {
			return
		}
		if best == nil || len(id) > len(best.ID) {
			best = s
		}
	}
	try(rt.Schema)
	for _, e := range rt.Extensions {
		try(e.Schema)
	}
	if best == nil {
		return nil, item
	}
	if len(item) == len(best.ID) {
		return best, ""
	}
	return best, item[len(best.ID)+1:]
}

// Excludes reports whether the top-level attribute name of schema urn
// ("" for core) is left out, so that the handler can skip loading it
// (members). A name that does not resolve is reported as not excluded.
func (p *Projection) Excludes(urn, name string) bool {
	if p == nil {
		return false
	}
	s, a, _ := Resolve(p.rt, urn, name, "")
	if s == nil {
		return false
	}
	return !p.want(s.ID, a.Name, a.Returned)
}

// byReturned decides what the "returned" characteristic alone decides:
// never and always, and everything when there is no projection (request
// attributes only when asked for).
func (p *Projection) byReturned(returned string) (want, decided bool) {
	switch returned {
	case ReturnedNever:
		return false, true
	case ReturnedAlways:
		return true, true
	}
	if p == nil {
		return returned != ReturnedRequest, true
	}
	return false, false
}

// want reports whether the attribute name (canonical) of schema urn
// (canonical) is returned, given its "returned" characteristic.
func (p *Projection) want(urn, name, returned string) bool {
	if want, decided := p.byReturned(returned); decided {
		return want
	}
	if p.attrs != nil {
		if p.attrs[pkey{urn, name}] == nil &&
			(returned == ReturnedRequest || p.attrs[pkey{urn, ""}] == nil) {
			return false
		}
	} else if returned == ReturnedRequest {
		return false
	}
	if sel := p.excl[pkey{urn, name}]; sel != nil && sel.subs == nil {
		return false
	}
	return p.excl[pkey{urn, ""}] == nil
}

// wantSub reports whether the sub-attribute sub (canonical) of an attribute
// that want reported as returned is returned.
func (p *Projection) wantSub(urn, name, sub, returned string) bool {
	if want, decided := p.byReturned(returned); decided {
		return want
	}
	if p.attrs != nil {
		if sel := p.attrs[pkey{urn, name}]; sel != nil && sel.subs != nil && !sel.subs[sub] {
			return false
		}
	}
	if sel := p.excl[pkey{urn, name}]; sel != nil && sel.subs[sub] {
		return false
	}
	return returned != ReturnedRequest || (p.attrs != nil && p.attrs[pkey{urn, name}] != nil && p.attrs[pkey{urn, name}].subs[sub])
}

// partial reports whether p selects only some sub-attributes of the
// attribute, so that the encoder must check each one.
func (p *Projection) partial(urn, name string) bool {
	if p == nil {
		return false
	}
	if sel := p.attrs[pkey{urn, name}]; sel != nil && sel.subs != nil {
		return true
	}
	sel := p.excl[pkey{urn, name}]
	return sel != nil && sel.subs != nil
}

// wantExtra reports whether the Extra attribute key is returned.
func (p *Projection) wantExtra(key string) bool {
	if p == nil {
		return true
	}
	if p.attrs == nil && len(p.extraExcl) == 0 {
		return true
	}
	k := strings.ToLower(key)
	if p.attrs != nil && !p.extraAttrs[k] {
		return false
	}
	return !p.extraExcl[k]
}
