package scim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/resource"
)

// Schema URNs of the discovery resources (RFC 7643 §5, §6, §7).
const (
	ServiceProviderConfigSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceTypeSchema          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema                = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

type supported struct {
	Supported bool `json:"supported"`
}

type discoveryMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location,omitempty"`
}

// serviceProviderConfig encodes /ServiceProviderConfig (RFC 7643 §5); it
// says only what the server really does.
func (s *Server) serviceProviderConfig() []byte {
	type filterCfg struct {
		Supported  bool `json:"supported"`
		MaxResults int  `json:"maxResults"`
	}
	type bulkCfg struct {
		Supported      bool  `json:"supported"`
		MaxOperations  int   `json:"maxOperations"`
		MaxPayloadSize int64 `json:"maxPayloadSize"`
	}
	type authScheme struct {
		Type        string `json:"type"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Primary     bool   `json:"primary"`
	}
	v := struct {
		Schemas          []string     `json:"schemas"`
		DocumentationURI string       `json:"documentationUri,omitempty"`
		Patch            supported    `json:"patch"`
		Bulk             bulkCfg      `json:"bulk"`
		Filter           filterCfg    `json:"filter"`
		ChangePassword   supported    `json:"changePassword"`
		Sort             supported    `json:"sort"`
		ETag             supported    `json:"etag"`
		AuthSchemes      []authScheme `json:"authenticationSchemes"`
		Pagination       pagination   `json:"pagination"`
	}{
		Schemas:          []string{ServiceProviderConfigSchema},
		DocumentationURI: s.cfg.DocumentationURI,
		Patch:            supported{true},
		Bulk:             bulkCfg{Supported: true, MaxOperations: s.cfg.MaxBulkOperations, MaxPayloadSize: s.cfg.MaxBulkPayloadBytes},
		Filter:           filterCfg{Supported: true, MaxResults: s.cfg.MaxResults},
		Sort:             supported{true},
		ETag:             supported{true},
		AuthSchemes: []authScheme{{
			Type: "oauthbearertoken", Name: "OAuth Bearer Token",
			Description: "Authentication with a bearer token (the Secret Token of the identity provider's provisioning settings)", Primary: true,
		}},
		Pagination: s.pagination(),
	}
	b, _ := json.Marshal(v)
	return b
}

// pagination is the pagination block of /ServiceProviderConfig (RFC 9865
// §4).
type pagination struct {
	Cursor                  bool   `json:"cursor"`
	Index                   bool   `json:"index"`
	DefaultPaginationMethod string `json:"defaultPaginationMethod"`
	DefaultPageSize         int    `json:"defaultPageSize"`
	MaxPageSize             int    `json:"maxPageSize"`
	CursorTimeout           int    `json:"cursorTimeout"`
}

// pagination says how the server pages lists: by index and by cursor,
// index when a request names neither (what every identity provider
// expects, RFC 9865 §2.4), Config.MaxResults as the default and the
// maximum page size, and the cursor timeout in whole seconds.
func (s *Server) pagination() pagination {
	return pagination{
		Cursor: true, Index: true, DefaultPaginationMethod: "index",
		DefaultPageSize: s.cfg.MaxResults, MaxPageSize: s.cfg.MaxResults,
		CursorTimeout: max(1, int(s.cfg.CursorTimeout/time.Second)),
	}
}

// discovery holds the encoded /ResourceTypes and /Schemas resources, built
// once from the registry; meta.location is added per request.
type discovery struct {
	resourceTypes, schemas discoverySet
}

// discoverySet is the resources of one discovery endpoint.
type discoverySet struct {
	endpoint     string // "/Schemas"
	resourceType string // "Schema"
	ids          []string
	byID         map[string]json.RawMessage
}

type attrJSON struct {
	Name            string      `json:"name"`
	Type            string      `json:"type"`
	MultiValued     bool        `json:"multiValued"`
	Description     string      `json:"description,omitempty"`
	Required        bool        `json:"required"`
	CaseExact       bool        `json:"caseExact"`
	Mutability      string      `json:"mutability"`
	Returned        string      `json:"returned"`
	Uniqueness      string      `json:"uniqueness"`
	CanonicalValues []string    `json:"canonicalValues,omitempty"`
	ReferenceTypes  []string    `json:"referenceTypes,omitempty"`
	SubAttributes   []*attrJSON `json:"subAttributes,omitempty"`
}

func attrsJSON(as []*resource.Attribute) []*attrJSON {
	out := make([]*attrJSON, 0, len(as))
	for _, a := range as {
		j := &attrJSON{
			Name: a.Name, Type: string(a.Type), MultiValued: a.MultiValued, Description: a.Description,
			Required: a.Required, CaseExact: a.CaseExact, Mutability: a.Mutability, Returned: a.Returned,
			Uniqueness: a.Uniqueness, CanonicalValues: a.CanonicalValues, ReferenceTypes: a.ReferenceTypes,
		}
		if j.Mutability == "" {
			j.Mutability = resource.ReadWrite
		}
		if j.Returned == "" {
			j.Returned = resource.ReturnedDefault
		}
		if j.Uniqueness == "" {
			j.Uniqueness = resource.UniquenessNone
		}
		if len(a.SubAttributes) > 0 {
			j.SubAttributes = attrsJSON(a.SubAttributes)
		}
		out = append(out, j)
	}
	return out
}

func newDiscovery(reg *resource.Registry) discovery {
	d := discovery{
		resourceTypes: discoverySet{endpoint: "/ResourceTypes", resourceType: "ResourceType", byID: map[string]json.RawMessage{}},
		schemas:       discoverySet{endpoint: "/Schemas", resourceType: "Schema", byID: map[string]json.RawMessage{}},
	}
	for _, rt := range reg.ResourceTypes() {
		d.resourceTypes.add(rt.ID, resourceTypeJSON(rt))
	}
	for _, sc := range reg.Schemas() {
		d.schemas.add(sc.ID, schemaJSON(sc))
	}
	return d
}

// addCustom lists the declared resource types after User and Group, and
// their schemas after the built-in ones, each schema once (types may share
// one).
func (d *discovery) addCustom(types []*customType) {
	for _, ct := range types {
		d.resourceTypes.add(ct.rt.ID, resourceTypeJSON(ct.rt))
		for _, sc := range append([]*resource.Schema{ct.rt.Schema}, extensionSchemas(ct.rt)...) {
			if _, ok := d.schemas.byID[sc.ID]; !ok {
				d.schemas.add(sc.ID, schemaJSON(sc))
			}
		}
	}
}

// add appends a resource to the set.
func (set *discoverySet) add(id string, b json.RawMessage) {
	set.ids = append(set.ids, id)
	set.byID[id] = b
}

// resourceTypeJSON encodes rt as a ResourceType resource (RFC 7643 §6),
// without meta.
func resourceTypeJSON(rt *resource.ResourceType) json.RawMessage {
	type extJSON struct {
		Schema   string `json:"schema"`
		Required bool   `json:"required"`
	}
	v := struct {
		Schemas     []string  `json:"schemas"`
		ID          string    `json:"id"`
		Name        string    `json:"name"`
		Endpoint    string    `json:"endpoint"`
		Description string    `json:"description,omitempty"`
		Schema      string    `json:"schema"`
		Extensions  []extJSON `json:"schemaExtensions,omitempty"`
	}{Schemas: []string{ResourceTypeSchema}, ID: rt.ID, Name: rt.Name, Endpoint: rt.Endpoint, Description: rt.Description, Schema: rt.Schema.ID}
	for _, e := range rt.Extensions {
		v.Extensions = append(v.Extensions, extJSON{e.Schema.ID, e.Required})
	}
	b, _ := json.Marshal(v)
	return b
}

// schemaJSON encodes sc as a Schema resource (RFC 7643 §7), without meta.
func schemaJSON(sc *resource.Schema) json.RawMessage {
	v := struct {
		Schemas     []string    `json:"schemas"`
		ID          string      `json:"id"`
		Name        string      `json:"name,omitempty"`
		Description string      `json:"description,omitempty"`
		Attributes  []*attrJSON `json:"attributes"`
	}{Schemas: []string{SchemaSchema}, ID: sc.ID, Name: sc.Name, Description: sc.Description, Attributes: attrsJSON(sc.Attributes)}
	b, _ := json.Marshal(v)
	return b
}

// withMeta appends meta {resourceType, location} to an encoded object.
func withMeta(obj json.RawMessage, resourceType, location string) []byte {
	m, _ := json.Marshal(discoveryMeta{ResourceType: resourceType, Location: location})
	b := make([]byte, 0, len(obj)+len(m)+10)
	b = append(b, obj[:len(obj)-1]...)
	b = append(b, `,"meta":`...)
	b = append(b, m...)
	return append(b, '}')
}

// serveDiscovery answers /ResourceTypes[/{id}] and /Schemas[/{id}]
// (RFC 7644 §4): a ListResponse of all, or one by id (case-insensitive).
func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request, set *discoverySet, id string) {
	base := s.baseURL(r) + set.endpoint + "/"
	if id != "" {
		for _, k := range set.ids {
			if strings.EqualFold(k, id) {
				writeJSON(w, http.StatusOK, withMeta(set.byID[k], set.resourceType, base+k))
				return
			}
		}
		s.writeError(w, r, NewError(http.StatusNotFound, "", set.resourceType+" "+strconv.Quote(id)+" not found"))
		return
	}
	if q, _ := parseQuery(r.URL.RawQuery); q.filter != "" {
		// RFC 7644 §4: filtering the discovery endpoints is not supported.
		s.writeError(w, r, NewError(http.StatusForbidden, "", "filtering "+set.endpoint+" is not supported"))
		return
	}
	b := appendListHead(nil, len(set.ids), len(set.ids), 1)
	for i, k := range set.ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, withMeta(set.byID[k], set.resourceType, base+k)...)
	}
	writeJSON(w, http.StatusOK, append(b, "]}"...))
}

// serveSPC answers /ServiceProviderConfig (RFC 7644 §4).
func (s *Server) serveSPC(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, withMeta(s.spc, "ServiceProviderConfig", s.baseURL(r)+"/ServiceProviderConfig"))
}
