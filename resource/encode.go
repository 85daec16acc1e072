package resource

import (
	"encoding/json"
	"github.com/scimkit/scim/internal/jsonparse"
	"sort"
	"strconv"
	"time"

	"github.com/scimkit/scim/internal/jsonenc"
)

// AppendUser appends the JSON encoding of u to dst (RFC 7643 §4.1, §8.2):
// canonical attribute names in schema order, schemas listing the core
// schema and the extensions present, unassigned values omitted, no nulls,
// no password, only the attributes p selects. meta.version is rendered as
// the weak ETag W/"<Version>" (RFC 7644 §3.14) and times in RFC 3339, UTC.
// Extra attributes are emitted as they are, in key order, and must hold
// valid JSON; of Extensions only those of registered schemas are encoded.
// A nil u appends null.
func (r *Registry) AppendUser(dst []byte, u *User, p *Projection) []byte {
	return r.appendUser(dst, u, p, false)
}

// appendUser is AppendUser; with all, Extensions of schemas r does not
// register are encoded too, as they are (the JSON form of MarshalJSON).
func (r *Registry) appendUser(dst []byte, u *User, p *Projection, all bool) []byte {
	if u == nil {
		return append(dst, "null"...)
	}
	const core = UserSchema
	entWant := u.Enterprise != nil && u.Enterprise.present(p)
	exts := r.extensionsOut(r.User, u.Extensions, p, all)

	dst = append(dst, `{"schemas":["`+UserSchema+`"`...)
	if entWant {
		dst = append(dst, `,"`+EnterpriseUserSchema+`"`...)
	}
	for _, e := range exts {
		dst = append(dst, ',')
		dst = jsonenc.AppendString(dst, e.urn)
	}
	dst = append(dst, ']')
	dst = appendStrField(dst, "id", u.ID)
	if p.want(core, "externalId", ReturnedDefault) {
		dst = appendStrField(dst, "externalId", u.ExternalID)
	}
	if p.want(core, "userName", ReturnedDefault) {
		dst = appendStrField(dst, "userName", u.UserName)
	}
	if u.Name != nil && *u.Name != (Name{}) && p.want(core, "name", ReturnedDefault) {
		dst = u.Name.append(dst, p)
	}
	for _, f := range [...]struct {
		name, val string
	}{
		{"displayName", u.DisplayName},
		{"nickName", u.NickName},
		{"profileUrl", u.ProfileURL},
		{"title", u.Title},
		{"userType", u.UserType},
		{"preferredLanguage", u.PreferredLanguage},
		{"locale", u.Locale},
		{"timezone", u.Timezone},
	} {
		if f.val != "" && p.want(core, f.name, ReturnedDefault) {
			dst = appendStrField(dst, f.name, f.val)
		}
	}
	if u.Active != nil && p.want(core, "active", ReturnedDefault) {
		dst = append(dst, `,"active":`...)
		dst = appendBool(dst, *u.Active)
	}
	// password is returned "never" (RFC 7643 §4.1.1) and not encoded.
	dst = appendMulti(dst, p, "emails", u.Emails)
	dst = appendMulti(dst, p, "phoneNumbers", u.PhoneNumbers)
	dst = appendMulti(dst, p, "ims", u.IMs)
	dst = appendMulti(dst, p, "photos", u.Photos)
	if len(u.Addresses) > 0 && p.want(core, "addresses", ReturnedDefault) {
		dst = append(dst, `,"addresses":[`...)
		part := p.partial(core, "addresses")
		for i := range u.Addresses {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = u.Addresses[i].append(dst, p, part)
		}
		dst = append(dst, ']')
	}
	if len(u.Groups) > 0 && p.want(core, "groups", ReturnedDefault) {
		dst = append(dst, `,"groups":[`...)
		part := p.partial(core, "groups")
		for i, g := range u.Groups {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendRef(dst, p, part, "groups", g.Value, g.Ref, "display", g.Display, g.Type)
		}
		dst = append(dst, ']')
	}
	dst = appendMulti(dst, p, "entitlements", u.Entitlements)
	dst = appendMulti(dst, p, "roles", u.Roles)
	dst = appendMulti(dst, p, "x509Certificates", u.X509Certificates)
	if entWant {
		dst = append(dst, `,"`+EnterpriseUserSchema+`":`...)
		dst = u.Enterprise.append(dst, p)
	}
	for _, e := range exts {
		dst = append(dst, ',')
		dst = jsonenc.AppendString(dst, e.urn)
		dst = append(dst, ':')
		dst = append(dst, e.raw...)
	}
	dst = r.appendExtra(dst, r.User, u.Extra, p)
	dst = appendMeta(dst, p, core, &u.Meta)
	return append(dst, '}')
}

// AppendGroup appends the JSON encoding of g to dst (RFC 7643 §4.2), like
// AppendUser.
func (r *Registry) AppendGroup(dst []byte, g *Group, p *Projection) []byte {
	return r.appendGroup(dst, g, p, false)
}

// appendGroup is AppendGroup; all is as for appendUser.
func (r *Registry) appendGroup(dst []byte, g *Group, p *Projection, all bool) []byte {
	if g == nil {
		return append(dst, "null"...)
	}
	exts := r.extensionsOut(r.Group, g.Extensions, p, all)
	dst = appendGroupHead(dst, g, p, exts)
	dst = appendGroupMembers(dst, g.Members, 0, p)
	return r.appendGroupTail(dst, g, len(g.Members), p, exts)
}

// AppendGroupHead, AppendGroupMembers and AppendGroupTail append the
// encoding of a group in parts, for a writer that has the group's
// members in batches: AppendGroupHead(g) followed by AppendGroupMembers
// for each batch and AppendGroupTail(g) is byte for byte
// AppendGroup(g with the batches as its Members). AppendGroupHead appends
// the group up to its members (g.Members is not read), and g must not be
// nil.
func (r *Registry) AppendGroupHead(dst []byte, g *Group, p *Projection) []byte {
	return appendGroupHead(dst, g, p, r.extensionsOut(r.Group, g.Extensions, p, false))
}

// AppendGroupMembers appends the members ms of a group whose first n
// members were appended before (see [Registry.AppendGroupHead]); nothing
// when p leaves members out.
func (r *Registry) AppendGroupMembers(dst []byte, ms []Member, n int, p *Projection) []byte {
	return appendGroupMembers(dst, ms, n, p)
}

// AppendGroupTail appends the rest of a group after its n members (see
// [Registry.AppendGroupHead]); g.Members is not read.
func (r *Registry) AppendGroupTail(dst []byte, g *Group, n int, p *Projection) []byte {
	return r.appendGroupTail(dst, g, n, p, r.extensionsOut(r.Group, g.Extensions, p, false))
}

func appendGroupHead(dst []byte, g *Group, p *Projection, exts []extOut) []byte {
	const core = GroupSchema
	dst = append(dst, `{"schemas":["`+GroupSchema+`"`...)
	for _, e := range exts {
		dst = append(dst, ',')
		dst = jsonenc.AppendString(dst, e.urn)
	}
	dst = append(dst, ']')
	dst = appendStrField(dst, "id", g.ID)
	if p.want(core, "externalId", ReturnedDefault) {
		dst = appendStrField(dst, "externalId", g.ExternalID)
	}
	if p.want(core, "displayName", ReturnedDefault) {
		dst = appendStrField(dst, "displayName", g.DisplayName)
	}
	return dst
}

func appendGroupMembers(dst []byte, ms []Member, n int, p *Projection) []byte {
	if len(ms) == 0 || !p.want(GroupSchema, "members", ReturnedDefault) {
		return dst
	}
	if n == 0 {
		dst = append(dst, `,"members":[`...)
	}
	part := p.partial(GroupSchema, "members")
	for i, m := range ms {
		if n > 0 || i > 0 {
			dst = append(dst, ',')
		}
		dst = appendRef(dst, p, part, "members", m.Value, m.Ref, "display", m.Display, m.Type)
	}
	return dst
}

func (r *Registry) appendGroupTail(dst []byte, g *Group, n int, p *Projection, exts []extOut) []byte {
	if n > 0 && p.want(GroupSchema, "members", ReturnedDefault) {
		dst = append(dst, ']')
	}
	for _, e := range exts {
		dst = append(dst, ',')
		dst = jsonenc.AppendString(dst, e.urn)
		dst = append(dst, ':')
		dst = append(dst, e.raw...)
	}
	dst = r.appendExtra(dst, r.Group, g.Extra, p)
	dst = appendMeta(dst, p, GroupSchema, &g.Meta)
	return append(dst, '}')
}

// objWriter appends the members of a JSON object, opening it with the
// first one.
type objWriter struct {
	dst  []byte
	open bool
}

func (w *objWriter) key(k string) {
	if w.open {
		w.dst = append(w.dst, ',')
	} else {
		w.dst = append(w.dst, '{')
		w.open = true
	}
	w.dst = append(w.dst, '"')
	w.dst = append(w.dst, k...) // canonical names need no escaping
	w.dst = append(w.dst, '"', ':')
}

func (w *objWriter) str(k, v string) {
	if v != "" {
		w.key(k)
		w.dst = jsonenc.AppendString(w.dst, v)
	}
}

func (w *objWriter) close() []byte {
	if !w.open {
		return append(w.dst, '{', '}')
	}
	return append(w.dst, '}')
}

// appendStrField appends ,"name":"val" when val is assigned.
func appendStrField(dst []byte, name, val string) []byte {
	if val == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return jsonenc.AppendString(dst, val)
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

func (n *Name) append(dst []byte, p *Projection) []byte {
	dst = append(dst, `,"name":`...)
	w := objWriter{dst: dst}
	part := p.partial(UserSchema, "name")
	for _, f := range [...]struct{ k, v string }{
		{"formatted", n.Formatted},
		{"familyName", n.FamilyName},
		{"givenName", n.GivenName},
		{"middleName", n.MiddleName},
		{"honorificPrefix", n.HonorificPrefix},
		{"honorificSuffix", n.HonorificSuffix},
	} {
		if !part || p.wantSub(UserSchema, "name", f.k, ReturnedDefault) {
			w.str(f.k, f.v)
		}
	}
	return w.close()
}

func appendMulti(dst []byte, p *Projection, name string, vs []MultiValue) []byte {
	if len(vs) == 0 || !p.want(UserSchema, name, ReturnedDefault) {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':', '[')
	part := p.partial(UserSchema, name)
	for i := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		v := &vs[i]
		w := objWriter{dst: dst}
		if !part || p.wantSub(UserSchema, name, "value", ReturnedDefault) {
			w.str("value", v.Value)
		}
		if !part || p.wantSub(UserSchema, name, "display", ReturnedDefault) {
			w.str("display", v.Display)
		}
		if !part || p.wantSub(UserSchema, name, "type", ReturnedDefault) {
			w.str("type", v.Type)
		}
		if v.Primary != nil && (!part || p.wantSub(UserSchema, name, "primary", ReturnedDefault)) {
			w.key("primary")
			w.dst = strconv.AppendBool(w.dst, *v.Primary)
		}
		dst = w.close()
	}
	return append(dst, ']')
}

func (a *Address) append(dst []byte, p *Projection, part bool) []byte {
	w := objWriter{dst: dst}
	for _, f := range [...]struct{ k, v string }{
		{"formatted", a.Formatted},
		{"streetAddress", a.StreetAddress},
		{"locality", a.Locality},
		{"region", a.Region},
		{"postalCode", a.PostalCode},
		{"country", a.Country},
		{"type", a.Type},
	} {
		if !part || p.wantSub(UserSchema, "addresses", f.k, ReturnedDefault) {
			w.str(f.k, f.v)
		}
	}
	if a.Primary != nil && (!part || p.wantSub(UserSchema, "addresses", "primary", ReturnedDefault)) {
		w.key("primary")
		w.dst = strconv.AppendBool(w.dst, *a.Primary)
	}
	return w.close()
}

// appendRef appends a groups, members or manager value.
func appendRef(dst []byte, p *Projection, part bool, attr, value, ref, displayKey, display, typ string) []byte {
	urn := UserSchema
	switch attr {
	case "members":
		urn = GroupSchema
	case "manager":
		urn = EnterpriseUserSchema
	}
	w := objWriter{dst: dst}
	for _, f := range [...]struct{ k, v string }{
		{"value", value}, {"$ref", ref}, {displayKey, display}, {"type", typ},
	} {
		if !part || p.wantSub(urn, attr, f.k, ReturnedDefault) {
			w.str(f.k, f.v)
		}
	}
	return w.close()
}

// present reports whether the enterprise extension has an attribute that p
// selects.
func (e *EnterpriseUser) present(p *Projection) bool {
	const s = EnterpriseUserSchema
	return (e.EmployeeNumber != "" && p.want(s, "employeeNumber", ReturnedDefault)) ||
		(e.CostCenter != "" && p.want(s, "costCenter", ReturnedDefault)) ||
		(e.Organization != "" && p.want(s, "organization", ReturnedDefault)) ||
		(e.Division != "" && p.want(s, "division", ReturnedDefault)) ||
		(e.Department != "" && p.want(s, "department", ReturnedDefault)) ||
		(e.Manager != nil && *e.Manager != (Manager{}) && p.want(s, "manager", ReturnedDefault))
}

func (e *EnterpriseUser) append(dst []byte, p *Projection) []byte {
	const s = EnterpriseUserSchema
	w := objWriter{dst: dst}
	for _, f := range [...]struct{ k, v string }{
		{"employeeNumber", e.EmployeeNumber},
		{"costCenter", e.CostCenter},
		{"organization", e.Organization},
		{"division", e.Division},
		{"department", e.Department},
	} {
		if f.v != "" && p.want(s, f.k, ReturnedDefault) {
			w.str(f.k, f.v)
		}
	}
	if m := e.Manager; m != nil && *m != (Manager{}) && p.want(s, "manager", ReturnedDefault) {
		w.key("manager")
		w.dst = appendRef(w.dst, p, p.partial(s, "manager"), "manager", m.Value, m.Ref, "displayName", m.DisplayName, "")
	}
	return w.close()
}

func appendMeta(dst []byte, p *Projection, urn string, m *Meta) []byte {
	if *m == (Meta{}) || !p.want(urn, "meta", ReturnedDefault) {
		return dst
	}
	part := p.partial(urn, "meta")
	ok := func(sub string) bool { return !part || p.wantSub(urn, "meta", sub, ReturnedDefault) }
	dst = append(dst, `,"meta":`...)
	w := objWriter{dst: dst}
	if ok("resourceType") {
		w.str("resourceType", m.ResourceType)
	}
	if !m.Created.IsZero() && ok("created") {
		w.key("created")
		w.dst = appendTime(w.dst, m.Created)
	}
	if !m.LastModified.IsZero() && ok("lastModified") {
		w.key("lastModified")
		w.dst = appendTime(w.dst, m.LastModified)
	}
	if ok("location") {
		w.str("location", m.Location)
	}
	if m.Version != "" && ok("version") {
		// The weak ETag of RFC 7644 §3.14 (RFC 7232 §2.3).
		w.key("version")
		w.dst = jsonenc.AppendString(w.dst, `W/"`+m.Version+`"`)
	}
	return w.close()
}

func appendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

// extOut is an extension object to encode.
type extOut struct {
	urn string
	raw []byte
}

// extensionsOut returns the registered extensions of exts that have
// attributes p selects, in registration order, filtered by p; with all,
// followed by the others (but the enterprise extension's URN, which is
// User.Enterprise), in key order, as they are.
func (r *Registry) extensionsOut(rt *ResourceType, exts map[string]json.RawMessage, p *Projection, all bool) []extOut {
	if len(exts) == 0 {
		return nil
	}
	var out []extOut
	for _, e := range rt.Extensions {
		s := e.Schema
		if s.ID == EnterpriseUserSchema {
			continue
		}
		raw := rawOf(exts, s.ID)
		if raw == nil {
			continue
		}
		if b := filterObject(s.ID, "", s.Attributes, raw, p); b != nil {
			out = append(out, extOut{s.ID, b})
		}
	}
	if all {
		out = append(out, unregistered(rt, exts)...)
	}
	return out
}

// filterObject re-encodes a stored extension object (or a complex value of
// one, when parent is not ""), keeping the members p selects and dropping
// nulls. It returns nil when nothing remains.
func filterObject(urn, parent string, attrs []*Attribute, raw []byte, p *Projection) []byte {
	v, err := parseJSON(raw)
	if err != nil || v.Kind != jObject {
		return nil
	}
	return filterMembers(urn, parent, attrs, v.Mems, p)
}

func filterMembers(urn, parent string, attrs []*Attribute, mems []jmember, p *Projection) []byte {
	var out []byte
	for i := range mems {
		m := &mems[i]
		if m.Val.Kind == jNull {
			continue
		}
		var a *Attribute
		for _, x := range attrs {
			if jsonparse.EqualFold(x.Name, m.Key) {
				a = x
				break
			}
		}
		val := m.Val.Raw
		switch {
		case parent != "":
			ret := ReturnedDefault
			if a != nil {
				ret = a.Returned
			}
			name := m.Key
			if a != nil {
				name = a.Name
			}
			if !p.wantSub(urn, parent, name, ret) {
				continue
			}
		case a == nil:
			// Unknown members are kept, unless only some are selected.
			if p != nil && p.attrs != nil && p.attrs[pkey{urn, ""}] == nil {
				continue
			}
		default:
			if !p.want(urn, a.Name, a.Returned) {
				continue
			}
			if a.Type == TypeComplex && (p.partial(urn, a.Name) || hasHiddenSubs(a)) {
				val = filterComplex(urn, a, &m.Val, p)
				if val == nil {
					continue
				}
			}
		}
		out = appendSep(out)
		if a != nil {
			out = jsonenc.AppendString(out, a.Name)
		} else {
			out = jsonenc.AppendString(out, m.Key)
		}
		out = append(out, ':')
		out = append(out, val...)
	}
	if out == nil {
		return nil
	}
	return append(out, '}')
}

func hasHiddenSubs(a *Attribute) bool {
	for _, s := range a.SubAttributes {
		if s.Returned == ReturnedNever || s.Returned == ReturnedRequest {
			return true
		}
	}
	return false
}

// filterComplex filters the sub-attributes of a complex value, singular or
// multi-valued.
func filterComplex(urn string, a *Attribute, v *jvalue, p *Projection) []byte {
	switch v.Kind {
	case jObject:
		return filterMembers(urn, a.Name, a.SubAttributes, v.Mems, p)
	case jArray:
		var out []byte
		for i := range v.Elems {
			if v.Elems[i].Kind != jObject {
				continue
			}
			b := filterMembers(urn, a.Name, a.SubAttributes, v.Elems[i].Mems, p)
			if b == nil {
				continue
			}
			if out == nil {
				out = append(out, '[')
			} else {
				out = append(out, ',')
			}
			out = append(out, b...)
		}
		if out == nil {
			return nil
		}
		return append(out, ']')
	}
	return nil
}

// appendExtra appends the Extra attributes p selects, sorted by key for a
// deterministic output. Keys that a schema defines are skipped, so that
// the output never has duplicate names.
func (r *Registry) appendExtra(dst []byte, rt *ResourceType, extra map[string]json.RawMessage, p *Projection) []byte {
	if len(extra) == 0 {
		return dst
	}
	keys := make([]string, 0, len(extra))
	for k, v := range extra {
		if len(v) == 0 || jsonparse.EqualFold(k, "schemas") || canonicalName(rt.Schema, k) != "" {
			continue
		}
		if s, _ := extensionKey(rt, k); s != nil {
			continue
		}
		if p.wantExtra(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		dst = append(dst, ',')
		dst = jsonenc.AppendString(dst, k)
		dst = append(dst, ':')
		dst = append(dst, extra[k]...)
	}
	return dst
}
