package bench

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	escim "github.com/elimity-com/scim"
	eerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"
	fp "github.com/scim2/filter-parser/v2"
)

// errNotImplemented answers the write methods the benchmark never calls.
var errNotImplemented = errors.New("bench: not implemented")

// elimityUsers is a ResourceHandler for github.com/elimity-com/scim written
// the way its users write one: resources held as ResourceAttributes maps
// under a lock, GetAll recognising an eq on userName in the parsed filter
// to answer it with a map lookup (and paging a slice in creation order
// otherwise), Create and Patch on those maps. The attribute maps of loaded
// users are built once at load time, which is the most favourable choice
// for elimity (an app reading rows would build them per request).
type elimityUsers struct {
	mu     sync.RWMutex
	byName map[string]*escim.Resource // keyed by lower-cased userName
	byID   map[string]*escim.Resource
	order  []*escim.Resource
}

// elimityResource is the elimity resource of a data set user.
func elimityResource(u *User, version string) *escim.Resource {
	created, modified := u.Created, u.Modified
	return &escim.Resource{
		ID: u.ID,
		Attributes: escim.ResourceAttributes{
			"userName": u.UserName,
			"name": map[string]any{
				"formatted":  u.GivenName + " " + u.FamilyName,
				"familyName": u.FamilyName,
				"givenName":  u.GivenName,
			},
			"emails": []any{map[string]any{"value": u.Email, "type": "work", "primary": true}},
			"active": true,
		},
		Meta: escim.Meta{Created: &created, LastModified: &modified, Version: `W/"` + version + `"`},
	}
}

func (h *elimityUsers) add(res *escim.Resource) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.byName[strings.ToLower(res.Attributes["userName"].(string))] = res
	h.byID[res.ID] = res
	h.order = append(h.order, res)
}

// NewElimity returns a github.com/elimity-com/scim server loaded with d,
// behind a bearer-token check like the bare server's.
func NewElimity(d *Dataset) (http.Handler, error) {
	h, load, err := NewElimityEmpty(false)
	if err != nil {
		return nil, err
	}
	for i := range d.Users {
		load.add(elimityResource(&d.Users[i], d.Users[i].Version))
	}
	return h, nil
}

// ElimityLoader loads users into an elimity server of NewElimityEmpty.
type ElimityLoader struct{ h *elimityUsers }

// Load adds us.
func (l ElimityLoader) Load(us []User) error {
	for i := range us {
		l.h.add(elimityResource(&us[i], "1"))
	}
	return nil
}

func (l ElimityLoader) add(res *escim.Resource) { l.h.add(res) }

// NewElimityEmpty returns an empty github.com/elimity-com/scim server and
// its loader. With enterprise, it declares the enterprise user extension
// (needed for Entra's PATCH of department; elimity then lists the
// extension in every user's schemas).
func NewElimityEmpty(enterprise bool) (http.Handler, ElimityLoader, error) {
	h := &elimityUsers{byName: map[string]*escim.Resource{}, byID: map[string]*escim.Resource{}}
	var exts []escim.SchemaExtension
	if enterprise {
		exts = []escim.SchemaExtension{{Schema: schema.ExtensionEnterpriseUser()}}
	}
	srv, err := escim.NewServer(&escim.ServerArgs{
		ServiceProviderConfig: &escim.ServiceProviderConfig{SupportFiltering: true, SupportPatch: true, MaxResults: 1000},
		ResourceTypes: []escim.ResourceType{{
			Name:             "User",
			Endpoint:         "/Users",
			Schema:           schema.CoreUserSchema(),
			SchemaExtensions: exts,
			Handler:          h,
		}},
	}, escim.WithBaseURL(BaseURL))
	if err != nil {
		return nil, ElimityLoader{}, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !authorized(r) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		srv.ServeHTTP(w, r)
	}), ElimityLoader{h}, nil
}

// userNameEq returns the value of a filter that is exactly userName eq
// "<string>".
func userNameEq(params escim.ListRequestParams) (string, bool) {
	if params.FilterValidator == nil {
		return "", false
	}
	e, ok := params.FilterValidator.GetFilter().(*fp.AttributeExpression)
	if !ok || e.Operator != fp.EQ || e.AttributePath.SubAttribute != nil || !strings.EqualFold(e.AttributePath.AttributeName, "userName") {
		return "", false
	}
	if e.AttributePath.URIPrefix != nil && !strings.EqualFold(*e.AttributePath.URIPrefix, schema.UserSchema) {
		return "", false
	}
	v, ok := e.CompareValue.(string)
	return v, ok
}

// GetAll answers GET /Users: the userName eq filter with a map lookup,
// no filter with a page of the slice; other filters are refused.
func (h *elimityUsers) GetAll(_ *http.Request, params escim.ListRequestParams) (escim.Page, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	page := escim.Page{Resources: []escim.Resource{}}
	if params.FilterValidator == nil {
		lo := min(max(params.StartIndex, 1)-1, len(h.order))
		hi := min(lo+params.Count, len(h.order))
		for _, res := range h.order[lo:hi] {
			page.Resources = append(page.Resources, *res)
		}
		page.TotalResults = len(h.order)
		return page, nil
	}
	name, ok := userNameEq(params)
	if !ok {
		return escim.Page{}, eerrors.ScimErrorInvalidFilter
	}
	if res := h.byName[strings.ToLower(name)]; res != nil {
		page.Resources = append(page.Resources, *res)
	}
	page.TotalResults = len(page.Resources)
	return page, nil
}

// Get answers GET /Users/{id}.
func (h *elimityUsers) Get(_ *http.Request, id string) (escim.Resource, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	res := h.byID[id]
	if res == nil {
		return escim.Resource{}, eerrors.ScimErrorResourceNotFound(id)
	}
	return *res, nil
}

// Create answers POST /Users.
func (h *elimityUsers) Create(_ *http.Request, attrs escim.ResourceAttributes) (escim.Resource, error) {
	name, _ := attrs["userName"].(string)
	now := time.Now().UTC()
	res := &escim.Resource{ID: newUUID(), Attributes: attrs, Meta: escim.Meta{Created: &now, LastModified: &now, Version: `W/"1"`}}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byName[strings.ToLower(name)] != nil {
		return escim.Resource{}, eerrors.ScimErrorUniqueness
	}
	h.byName[strings.ToLower(name)] = res
	h.byID[res.ID] = res
	h.order = append(h.order, res)
	return *res, nil
}

// deepCopy copies the maps and slices of a JSON-like value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, x := range v {
			c[k] = deepCopy(x)
		}
		return c
	case escim.ResourceAttributes:
		return escim.ResourceAttributes(deepCopy(map[string]any(v)).(map[string]any))
	case []any:
		c := make([]any, len(v))
		for i, x := range v {
			c[i] = deepCopy(x)
		}
		return c
	}
	return v
}

// Patch answers PATCH /Users/{id}: each operation applied to a copy of the
// attribute maps, for the paths Entra sends (attr, attr.sub, an extension's
// attribute, attr[sub eq "v"].sub).
func (h *elimityUsers) Patch(_ *http.Request, id string, ops []escim.PatchOperation) (escim.Resource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.byID[id]
	if old == nil {
		return escim.Resource{}, eerrors.ScimErrorResourceNotFound(id)
	}
	attrs := deepCopy(old.Attributes).(escim.ResourceAttributes)
	for _, op := range ops {
		if op.Path == nil || strings.EqualFold(op.Op, "remove") {
			return escim.Resource{}, errNotImplemented
		}
		p := op.Path.AttributePath
		target := map[string]any(attrs)
		if p.URIPrefix != nil {
			ext, _ := target[*p.URIPrefix].(map[string]any)
			if ext == nil {
				ext = map[string]any{}
				target[*p.URIPrefix] = ext
			}
			target = ext
		}
		name := p.AttributeName
		sub := p.SubAttribute
		if op.Path.SubAttribute != nil {
			sub = op.Path.SubAttribute
		}
		switch {
		case op.Path.ValueExpression != nil:
			e, ok := op.Path.ValueExpression.(*fp.AttributeExpression)
			if !ok || sub == nil {
				return escim.Resource{}, errNotImplemented
			}
			elems, _ := target[name].([]any)
			for _, el := range elems {
				m, _ := el.(map[string]any)
				if m != nil && m[e.AttributePath.AttributeName] == e.CompareValue {
					m[*sub] = op.Value
				}
			}
		case sub != nil:
			m, _ := target[name].(map[string]any)
			if m == nil {
				m = map[string]any{}
				target[name] = m
			}
			m[*sub] = op.Value
		default:
			target[name] = op.Value
		}
	}
	now := time.Now().UTC()
	res := &escim.Resource{ID: id, ExternalID: old.ExternalID, Attributes: attrs,
		Meta: escim.Meta{Created: old.Meta.Created, LastModified: &now, Version: nextVersion(old.Meta.Version)}}
	*old = *res
	return *res, nil
}

// Replace is not used by the benchmark.
func (h *elimityUsers) Replace(*http.Request, string, escim.ResourceAttributes) (escim.Resource, error) {
	return escim.Resource{}, errNotImplemented
}

// Delete is not used by the benchmark.
func (h *elimityUsers) Delete(*http.Request, string) error { return errNotImplemented }
