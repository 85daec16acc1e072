package bench

import (
	"errors"
	"net/http"
	"strings"

	escim "github.com/elimity-com/scim"
	eerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"
	fp "github.com/scim2/filter-parser/v2"
)

// errNotImplemented answers the write methods the benchmark never calls.
var errNotImplemented = errors.New("bench: not implemented")

// elimityUsers is a ResourceHandler for github.com/elimity-com/scim written
// the way its users write one: resources held as ResourceAttributes maps,
// and GetAll recognising an eq on userName in the parsed filter to answer it
// with a map lookup. The attribute maps are built once at load time, which
// is the most favourable choice for elimity (an app reading rows would build
// them per request).
type elimityUsers struct {
	byName map[string]*escim.Resource // keyed by lower-cased userName
	byID   map[string]*escim.Resource
}

// NewElimity returns a github.com/elimity-com/scim server loaded with d,
// behind a bearer-token check like the bare server's.
func NewElimity(d *Dataset) (http.Handler, error) {
	h := &elimityUsers{byName: make(map[string]*escim.Resource, len(d.Users)), byID: make(map[string]*escim.Resource, len(d.Users))}
	for _, u := range d.Users {
		created, modified := u.Created, u.Modified
		res := &escim.Resource{
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
			Meta: escim.Meta{Created: &created, LastModified: &modified, Version: `W/"` + u.Version + `"`},
		}
		h.byName[strings.ToLower(u.UserName)] = res
		h.byID[u.ID] = res
	}
	srv, err := escim.NewServer(&escim.ServerArgs{
		ServiceProviderConfig: &escim.ServiceProviderConfig{SupportFiltering: true, MaxResults: 200},
		ResourceTypes: []escim.ResourceType{{
			Name:     "User",
			Endpoint: "/Users",
			Schema:   schema.CoreUserSchema(),
			Handler:  h,
		}},
	}, escim.WithBaseURL(BaseURL))
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !authorized(r) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		srv.ServeHTTP(w, r)
	}), nil
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

// GetAll answers GET /Users. Only the userName eq filter is supported;
// without a filter it returns nothing, which the benchmark never asks for.
func (h *elimityUsers) GetAll(_ *http.Request, params escim.ListRequestParams) (escim.Page, error) {
	name, ok := userNameEq(params)
	if !ok {
		return escim.Page{}, eerrors.ScimErrorInvalidFilter
	}
	page := escim.Page{Resources: []escim.Resource{}}
	if res := h.byName[strings.ToLower(name)]; res != nil {
		page.Resources = append(page.Resources, *res)
	}
	page.TotalResults = len(page.Resources)
	return page, nil
}

// Get answers GET /Users/{id}.
func (h *elimityUsers) Get(_ *http.Request, id string) (escim.Resource, error) {
	res := h.byID[id]
	if res == nil {
		return escim.Resource{}, eerrors.ScimErrorResourceNotFound(id)
	}
	return *res, nil
}

// Create is not used by the benchmark.
func (h *elimityUsers) Create(*http.Request, escim.ResourceAttributes) (escim.Resource, error) {
	return escim.Resource{}, errNotImplemented
}

// Replace is not used by the benchmark.
func (h *elimityUsers) Replace(*http.Request, string, escim.ResourceAttributes) (escim.Resource, error) {
	return escim.Resource{}, errNotImplemented
}

// Delete is not used by the benchmark.
func (h *elimityUsers) Delete(*http.Request, string) error { return errNotImplemented }

// Patch is not used by the benchmark.
func (h *elimityUsers) Patch(*http.Request, string, []escim.PatchOperation) (escim.Resource, error) {
	return escim.Resource{}, errNotImplemented
}
