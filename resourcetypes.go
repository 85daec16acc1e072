package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// Custom resource types: an app declares, in Config.ResourceTypes,
// resource types besides User and Group that it serves from its own
// source, such as the roles and entitlements Okta's entitlement management
// discovers through /ResourceTypes. The handler routes /{Endpoint} and
// /{Endpoint}/{id} to the source (case-insensitively, like /Users), lists
// the type in /ResourceTypes and its schemas in /Schemas, and answers
// filters, sorting, paging and attributes the source does not.

// CustomType declares a resource type served by Source (RFC 7643 §6).
type CustomType struct {
	// Type is the resource type: ID and Name (e.g. "Role"), Endpoint (e.g.
	// "/Roles"; one path segment, not one of the built-in endpoints),
	// Description, Schema (its core schema) and Extensions. Required. The
	// server keeps it: do not modify it afterwards. Two types may share a
	// schema (Okta's entitlement types all use OktaEntitlementSchema) by
	// pointing to the same *resource.Schema.
	Type *resource.ResourceType

	// Source serves the type's resources. Required. A source that also
	// implements CustomQuerier answers list requests itself; one that
	// implements CustomCreator, CustomReplacer, CustomPatcher or
	// CustomDeleter accepts POST, PUT, PATCH or DELETE, which are
	// otherwise 405 with Allow.
	Source CustomSource

	// Assigns names the multi-valued User attribute whose values are ids of
	// this type's resources: AssignsRoles or AssignsEntitlements, or ""
	// for none. When some type assigns an attribute, a POST, PUT or PATCH of
	// a user that gives it a value no such type's source has a resource
	// for (GetResource returns store.ErrNotFound) is refused with 400
	// invalidValue. Only the value sub-attribute is compared, exactly (an
	// id is caseExact, RFC 7643 §3.1); display, type and primary are the
	// identity provider's and are not checked. Values the stored user
	// already holds are not checked again, so a role the app removed does
	// not block deactivating the users that still hold it. Without a type
	// assigning it, any value is accepted.
	Assigns string
}

// The User attributes a CustomType can assign (RFC 7643 §4.1.2).
const (
	AssignsRoles        = "roles"
	AssignsEntitlements = "entitlements"
)

// CustomList is a page of a custom type's resources and the total number
// of resources the request matches.
type CustomList struct {
	Resources    []*resource.Object
	TotalResults int
}

// CustomSource serves the resources of a CustomType, in the tenant of the
// context (store.TenantFrom). The handler treats what it returns as
// read-only: it copies an Object before filling meta.location.
type CustomSource interface {
	// GetResource returns the resource with id, or an error wrapping
	// store.ErrNotFound.
	GetResource(ctx context.Context, id string) (*resource.Object, error)
	// ListResources returns the page p (1-based StartIndex, Count at most)
	// of all the resources in a stable order, and their total. The handler
	// filters, sorts and pages the result itself, walking the pages, unless
	// the source is a CustomQuerier.
	ListResources(ctx context.Context, p store.Page) (CustomList, error)
}

// CustomQuerier is an optional interface of a CustomSource that answers a
// list request itself: q.Filter (validated against q.ResourceType), the
// sort, the page. It returns an error wrapping store.ErrUnsupported for
// a query it cannot answer exactly, and the handler then answers it from
// ListResources.
type CustomQuerier interface {
	QueryResources(ctx context.Context, q store.Query) (CustomList, error)
}

// CustomCreator is an optional interface of a CustomSource: POST
// /{Endpoint}. o is decoded and validated against the type, with ID a new
// id (Config.NewID) and meta.created/lastModified set; it returns the
// resource as stored, with its version, or an error wrapping
// store.ErrConflict for a uniqueness violation (409).
type CustomCreator interface {
	CreateResource(ctx context.Context, o *resource.Object) (*resource.Object, error)
}

// CustomReplacer is an optional interface of a CustomSource: PUT
// /{Endpoint}/{id}, a read-modify-write like a user's. It replaces the
// resource o.ID if its version is version (else an error wrapping
// store.ErrPreconditionFailed; store.ErrNotFound for none) and returns it
// as stored.
type CustomReplacer interface {
	ReplaceResource(ctx context.Context, o *resource.Object, version string) (*resource.Object, error)
}

// CustomPatcher is an optional interface of a CustomSource: PATCH
// /{Endpoint}/{id}. The handler parses and checks the PatchOp message
// (patch.ParseRequest: op names, paths, values as JSON); the source
// applies ops to resource id atomically, when version is "" or the
// resource's version (else store.ErrPreconditionFailed), and returns the
// result. An error of the patch package, or any resource.RequestError,
// is answered 400 with its scimType.
type CustomPatcher interface {
	PatchResource(ctx context.Context, id string, ops []patch.Op, version string) (*resource.Object, error)
}

// CustomDeleter is an optional interface of a CustomSource: DELETE
// /{Endpoint}/{id}, when version is "" or the resource's version.
type CustomDeleter interface {
	DeleteResource(ctx context.Context, id, version string) error
}

// Okta's schemas for the resource types its entitlement management reads
// (Okta Identity Governance): a resource type whose schema is one of these
// is imported from its endpoint, whatever its name.
const (
	OktaRoleSchema        = "urn:okta:scim:schemas:core:1.0:Role"
	OktaEntitlementSchema = "urn:okta:scim:schemas:core:1.0:Entitlement"
)

// OktaRoleType returns a resource type "Role" at /Roles with
// OktaRoleSchema: a role has an id and a displayName (required), and
// optionally a description. A user holds it as a value of roles whose
// value is the role's id.
func OktaRoleType() *resource.ResourceType {
	return &resource.ResourceType{
		ID: "Role", Name: "Role", Endpoint: "/Roles", Description: "Roles a user can hold in the app",
		Schema: &resource.Schema{ID: OktaRoleSchema, Name: "Role", Description: "Okta Identity Governance role",
			Attributes: []*resource.Attribute{
				stringAttr("displayName", "The role's name, shown in Okta", true),
				stringAttr("description", "What the role grants", false),
			}},
	}
}

// OktaEntitlementType returns a resource type "Entitlement" at
// /Entitlements with OktaEntitlementSchema: an entitlement has an id, a
// displayName (required), a type (e.g. "License") and a description. A
// user holds it as a value of entitlements whose value is the
// entitlement's id and whose type is its type.
func OktaEntitlementType() *resource.ResourceType {
	return &resource.ResourceType{
		ID: "Entitlement", Name: "Entitlement", Endpoint: "/Entitlements", Description: "Entitlements a user can hold in the app",
		Schema: &resource.Schema{ID: OktaEntitlementSchema, Name: "Entitlement", Description: "Okta Identity Governance entitlement",
			Attributes: []*resource.Attribute{
				stringAttr("displayName", "The entitlement's name, shown in Okta", true),
				stringAttr("type", "The kind of entitlement, e.g. License", false),
				stringAttr("description", "What the entitlement grants", false),
			}},
	}
}

func stringAttr(name, desc string, required bool) *resource.Attribute {
	return &resource.Attribute{Name: name, Type: resource.TypeString, Description: desc, Required: required,
		Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault, Uniqueness: resource.UniquenessNone}
}

// customType is a declared type as the server serves it.
type customType struct {
	rt  *resource.ResourceType
	src CustomSource
	// endpoint is Endpoint without its slash.
	endpoint string
	// collection and item are the methods allowed on /{Endpoint} and
	// /{Endpoint}/{id}.
	collection, item []string
}

// builtinEndpoints are the endpoints a custom type may not take.
var builtinEndpoints = []string{"Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas", "Bulk", "Me", ".search"}

// customTypes is the declared types of a server: all of them in order,
// and those assigning roles and entitlements.
type customTypes struct {
	types               []*customType
	roles, entitlements []*customType
}

// newCustomTypes checks the declared types against the registry and each
// other: ids, names, endpoints and schema URNs must not collide,
// case-insensitively, with the built-in ones or between types (but two
// types may share one *resource.Schema).
func newCustomTypes(decl []CustomType, reg *resource.Registry) (customTypes, error) {
	var cts customTypes
	builtin := map[string]bool{}
	for _, s := range reg.Schemas() {
		builtin[strings.ToLower(s.ID)] = true
	}
	declared := map[string]*resource.Schema{}
	for i, d := range decl {
		if d.Type == nil || d.Source == nil {
			return cts, fmt.Errorf("scim: Config.ResourceTypes[%d] needs a Type and a Source", i)
		}
		rt := d.Type
		if err := resource.CheckResourceType(rt); err != nil {
			return cts, fmt.Errorf("scim: Config.ResourceTypes[%d]: %w", i, err)
		}
		ep := rt.Endpoint[1:]
		for _, b := range builtinEndpoints {
			if strings.EqualFold(ep, b) {
				return cts, fmt.Errorf("scim: resource type %q: endpoint %q is a built-in endpoint", rt.ID, rt.Endpoint)
			}
		}
		for _, b := range reg.ResourceTypes() {
			if strings.EqualFold(rt.ID, b.ID) || strings.EqualFold(rt.Name, b.Name) {
				return cts, fmt.Errorf("scim: resource type %q collides with the built-in type %q", rt.ID, b.ID)
			}
		}
		for _, o := range cts.types {
			switch {
			case strings.EqualFold(o.rt.ID, rt.ID), strings.EqualFold(o.rt.Name, rt.Name):
				return cts, fmt.Errorf("scim: resource types %q and %q have the same ID or Name", o.rt.ID, rt.ID)
			case strings.EqualFold(o.endpoint, ep):
				return cts, fmt.Errorf("scim: resource types %q and %q have the same endpoint %q", o.rt.ID, rt.ID, rt.Endpoint)
			}
		}
		for _, s := range append([]*resource.Schema{rt.Schema}, extensionSchemas(rt)...) {
			k := strings.ToLower(s.ID)
			if builtin[k] {
				return cts, fmt.Errorf("scim: resource type %q: schema %q is a built-in schema", rt.ID, s.ID)
			}
			if prev, ok := declared[k]; ok && prev != s {
				return cts, fmt.Errorf("scim: resource type %q: schema %q is declared twice; types sharing a schema must share one *resource.Schema", rt.ID, s.ID)
			}
			declared[k] = s
		}
		ct := &customType{rt: rt, src: d.Source, endpoint: ep,
			collection: []string{http.MethodGet}, item: []string{http.MethodGet}}
		if _, ok := d.Source.(CustomCreator); ok {
			ct.collection = append(ct.collection, http.MethodPost)
		}
		if _, ok := d.Source.(CustomReplacer); ok {
			ct.item = append(ct.item, http.MethodPut)
		}
		if _, ok := d.Source.(CustomPatcher); ok {
			ct.item = append(ct.item, http.MethodPatch)
		}
		if _, ok := d.Source.(CustomDeleter); ok {
			ct.item = append(ct.item, http.MethodDelete)
		}
		switch d.Assigns {
		case "":
		case AssignsRoles:
			cts.roles = append(cts.roles, ct)
		case AssignsEntitlements:
			cts.entitlements = append(cts.entitlements, ct)
		default:
			return cts, fmt.Errorf("scim: resource type %q: Assigns must be %q, %q or empty, not %q", rt.ID, AssignsRoles, AssignsEntitlements, d.Assigns)
		}
		cts.types = append(cts.types, ct)
	}
	return cts, nil
}

func extensionSchemas(rt *resource.ResourceType) []*resource.Schema {
	out := make([]*resource.Schema, len(rt.Extensions))
	for i, e := range rt.Extensions {
		out[i] = e.Schema
	}
	return out
}

// customType returns the declared type served at endpoint, or nil.
func (s *Server) customType(endpoint string) *customType {
	for _, ct := range s.custom.types {
		if strings.EqualFold(ct.endpoint, endpoint) {
			return ct
		}
	}
	return nil
}

// customRoute answers /{Endpoint} and /{Endpoint}/{id} of a declared type.
func (s *Server) customRoute(w http.ResponseWriter, r *http.Request, ct *customType, id string) {
	switch {
	case id == "":
		if !s.allow(w, r, ct.collection...) {
			return
		}
		if r.Method == http.MethodPost {
			s.createCustom(w, r, ct)
			return
		}
		p, err := parseQuery(r.URL.RawQuery)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.listCustom(w, r, ct, p)
	case strings.EqualFold(id, ".search"):
		if !s.allow(w, r, http.MethodPost) {
			return
		}
		p, err := s.readSearch(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.listCustom(w, r, ct, p)
	default:
		if !s.allow(w, r, ct.item...) {
			return
		}
		if !possibleID(id) {
			s.writeError(w, r, NewError(http.StatusNotFound, "", ct.rt.Name+" not found: the id is not valid UTF-8, contains NUL or is longer than "+strconv.Itoa(MaxIDBytes)+" bytes"))
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			s.getCustom(w, r, ct, id)
		case http.MethodPut:
			s.replaceCustom(w, r, ct, id)
		case http.MethodPatch:
			s.patchCustom(w, r, ct, id)
		case http.MethodDelete:
			s.deleteCustom(w, r, ct, id)
		}
	}
}

// customRes is an Object read as a resource of its type, for filter.Match
// and filter.Sort.
type customRes struct {
	rt *resource.ResourceType
	o  *resource.Object
}

// Get implements resource.Resource.
func (c customRes) Get(schemaURN, name string) any {
	if schemaURN == "" || jsonparse.EqualFold(schemaURN, c.rt.Schema.ID) {
		return c.o.CoreAttr(name)
	}
	return c.o.ExtensionAttr(schemaURN, name)
}

// queryCustom answers q through the source's CustomQuerier when it has
// one, and otherwise (or on ErrUnsupported) from ListResources, as
// queryUsers does (list.go).
func (s *Server) queryCustom(ctx context.Context, ct *customType, q store.Query) (CustomList, error) {
	if cq, ok := ct.src.(CustomQuerier); ok {
		res, err := cq.QueryResources(ctx, q)
		if !errors.Is(err, store.ErrUnsupported) {
			return res, err
		}
	}
	list := func(ctx context.Context, p store.Page) ([]customRes, int, error) {
		l, err := ct.src.ListResources(ctx, p)
		out := make([]customRes, len(l.Resources))
		for i, o := range l.Resources {
			out[i] = customRes{ct.rt, o}
		}
		return out, l.TotalResults, err
	}
	rs, total, err := fallbackQuery(ctx, ct.rt, q, list)
	out := CustomList{TotalResults: total, Resources: make([]*resource.Object, len(rs))}
	for i, c := range rs {
		out.Resources[i] = c.o
	}
	return out, err
}

// listCustom answers GET /{Endpoint} and its .search like list (list.go)
// does for users: filter, sortBy, sortOrder, startIndex, count,
// attributes and excludedAttributes.
func (s *Server) listCustom(w http.ResponseWriter, r *http.Request, ct *customType, p listRequest) {
	pg, err := s.page(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	q, proj, err := s.buildQuery(p, pg, ct.rt, s.filterOptions(ctx))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.queryCustom(ctx, ct, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(l.Resources) > pg.Count {
		l.Resources = l.Resources[:pg.Count] // a source's page is never longer than asked
	}
	base := s.baseURL(r)
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	b := appendListHead((*bp)[:0], l.TotalResults, len(l.Resources), pg.StartIndex)
	b = appendResources(b, l.Resources, func(b []byte, o *resource.Object) []byte {
		c := s.linkCustom(base, ct, o)
		return resource.AppendObject(b, ct.rt, &c, proj)
	})
	b = append(b, "]}"...)
	*bp = b
	writeJSON(w, http.StatusOK, b)
}

// linkCustom returns a copy of o with meta.resourceType and meta.location
// filled: the source's Object is not modified.
func (s *Server) linkCustom(base string, ct *customType, o *resource.Object) resource.Object {
	c := *o
	c.Meta.ResourceType = ct.rt.Name
	c.Meta.Location = base + ct.rt.Endpoint + "/" + o.ID
	return c
}

// respondCustom answers with o, linked and shaped by p.
func (s *Server) respondCustom(w http.ResponseWriter, r *http.Request, ct *customType, status int, o *resource.Object, p *resource.Projection) {
	c := s.linkCustom(s.baseURL(r), ct, o)
	s.respond(w, status, &c.Meta, func(b []byte) []byte { return resource.AppendObject(b, ct.rt, &c, p) })
}

// GET /{Endpoint}/{id}.
func (s *Server) getCustom(w http.ResponseWriter, r *http.Request, ct *customType, id string) {
	p, err := s.projection(r, ct.rt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := ct.src.GetResource(r.Context(), id)
	if err == nil && o == nil {
		err = store.ErrNotFound
	}
	if err != nil {
		s.writeError(w, r, notFound(err, ct.rt.Name, id))
		return
	}
	if notModified(r, o.Meta.Version) {
		w.Header().Set("ETag", etag(o.Meta.Version))
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.respondCustom(w, r, ct, http.StatusOK, o, p)
}

// errCustomDryRun answers a write to a declared type on a connection in
// dry run: the library cannot tell what the app's source would do without
// doing it, so nothing is asked of it.
func errCustomDryRun(rt *resource.ResourceType) *Error {
	return &Error{Status: http.StatusNotImplemented,
		Detail: "writes to " + rt.Endpoint + " are not available while the connection is in dry run"}
}

// inDryRun reports whether the request's connection is in dry run.
func inDryRun(r *http.Request) bool {
	c, ok := connection.FromContext(r.Context())
	return ok && c.DryRun
}

// decodeCustom reads the resource of a POST or PUT and its response's
// projection.
func (s *Server) decodeCustom(w http.ResponseWriter, r *http.Request, ct *customType) (*resource.Object, *resource.Projection, error) {
	body, p, err := s.readResource(w, r, ct.rt)
	if err != nil {
		return nil, nil, err
	}
	o, err := resource.DecodeObject(ct.rt, body, s.decodeOptions(r.Context()))
	if err != nil {
		return nil, nil, err
	}
	if inDryRun(r) {
		return nil, nil, errCustomDryRun(ct.rt)
	}
	return o, p, nil
}

// POST /{Endpoint}.
func (s *Server) createCustom(w http.ResponseWriter, r *http.Request, ct *customType) {
	o, p, err := s.decodeCustom(w, r, ct)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.cfg.Clock().UTC()
	o.ID = s.cfg.NewID()
	o.Meta = resource.Meta{ResourceType: ct.rt.Name, Created: now, LastModified: now}
	created, err := ct.src.(CustomCreator).CreateResource(r.Context(), o)
	if err != nil {
		s.writeError(w, r, taken(err, ct.rt.Name, "id", o.ID))
		return
	}
	s.respondCustom(w, r, ct, http.StatusCreated, created, p)
}

// PUT /{Endpoint}/{id}: a read-modify-write conditioned on the version read
// (update.go), immutable attributes checked.
func (s *Server) replaceCustom(w http.ResponseWriter, r *http.Request, ct *customType, id string) {
	o, p, err := s.decodeCustom(w, r, ct)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	get := func(ctx context.Context, id string) (*resource.Object, error) {
		o, err := ct.src.GetResource(ctx, id)
		if err == nil && o == nil {
			err = store.ErrNotFound
		}
		return o, err
	}
	res, _, err := update(r.Context(), ct.rt.Name, id, ifMatchVersion(r), get, objectVersion,
		func(old *resource.Object) (*resource.Object, error) {
			if err := s.reg.CheckImmutable(ct.rt, customRes{ct.rt, old}, customRes{ct.rt, o}); err != nil {
				return nil, err
			}
			nu := *o
			nu.ID = id
			nu.Meta = resource.Meta{ResourceType: ct.rt.Name, Created: old.Meta.Created, LastModified: s.cfg.Clock().UTC()}
			return &nu, nil
		}, ct.src.(CustomReplacer).ReplaceResource, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respondCustom(w, r, ct, http.StatusOK, res, p)
}

func objectVersion(o *resource.Object) string { return o.Meta.Version }

// PATCH /{Endpoint}/{id}: the message is parsed here, the source applies it.
func (s *Server) patchCustom(w http.ResponseWriter, r *http.Request, ct *customType, id string) {
	p, err := s.projection(r, ct.rt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ops, err := patch.ParseRequest(body, s.patchOptions(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if inDryRun(r) {
		s.writeError(w, r, errCustomDryRun(ct.rt))
		return
	}
	res, err := ct.src.(CustomPatcher).PatchResource(r.Context(), id, ops, ifMatchVersion(r))
	if err == nil && res == nil {
		err = store.ErrNotFound
	}
	if err != nil {
		s.writeError(w, r, notFound(err, ct.rt.Name, id))
		return
	}
	s.respondCustom(w, r, ct, http.StatusOK, res, p)
}

// DELETE /{Endpoint}/{id}.
func (s *Server) deleteCustom(w http.ResponseWriter, r *http.Request, ct *customType, id string) {
	if inDryRun(r) {
		s.writeError(w, r, errCustomDryRun(ct.rt))
		return
	}
	if err := ct.src.(CustomDeleter).DeleteResource(r.Context(), id, ifMatchVersion(r)); err != nil {
		s.writeError(w, r, notFound(err, ct.rt.Name, id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkAssignments refuses (400 invalidValue) a value of u's roles or
// entitlements that no declared type assigning the attribute has a
// resource for (CustomType.Assigns), unless old, the stored user (nil for
// a create), already holds it. It asks each such type's source for each
// distinct new value, in order, and returns the first failure; a source's
// error other than store.ErrNotFound is returned as is (503 for
// store.ErrUnavailable).
func (s *Server) checkAssignments(ctx context.Context, u, old *resource.User) error {
	if len(s.custom.roles) == 0 && len(s.custom.entitlements) == 0 {
		return nil
	}
	var oldRoles, oldEnts []resource.MultiValue
	if old != nil {
		oldRoles, oldEnts = old.Roles, old.Entitlements
	}
	if err := checkAssigned(ctx, AssignsRoles, s.custom.roles, u.Roles, oldRoles); err != nil {
		return err
	}
	return checkAssigned(ctx, AssignsEntitlements, s.custom.entitlements, u.Entitlements, oldEnts)
}

// checkAssigned is checkAssignments for one attribute.
func checkAssigned(ctx context.Context, attr string, types []*customType, vals, old []resource.MultiValue) error {
	if len(types) == 0 {
		return nil
	}
	held := make(map[string]bool, len(old)+len(vals))
	for _, v := range old {
		held[v.Value] = true
	}
	for i, v := range vals {
		if held[v.Value] {
			continue
		}
		path := attr + "[" + strconv.Itoa(i) + "]"
		if v.Value == "" {
			return NewError(http.StatusBadRequest, ScimTypeInvalidValue, path+".value is required: it names the "+types[0].rt.Name+" assigned")
		}
		ok := false
		if possibleID(v.Value) {
			for _, ct := range types {
				o, err := ct.src.GetResource(ctx, v.Value)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if err == nil && o != nil {
					ok = true
					break
				}
			}
		}
		if !ok {
			names := make([]string, len(types))
			for j, ct := range types {
				names[j] = ct.rt.Endpoint
			}
			return NewError(http.StatusBadRequest, ScimTypeInvalidValue,
				path+".value "+strconv.Quote(v.Value)+" is not the id of any resource of "+strings.Join(names, " or ")+", which list the values this service provider accepts")
		}
		held[v.Value] = true
	}
	return nil
}
