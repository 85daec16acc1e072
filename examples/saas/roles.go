package main

import (
	"context"
	"encoding/json"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// The app's access model: the roles and entitlements a user can hold,
// the same in every tenant. SCIM serves them read-only at /Roles and
// /Entitlements, where Okta's entitlement management (Okta Identity
// Governance) discovers them, and refuses a user's role or entitlement
// that is not one of them (400 invalidValue). The identity provider only
// assigns them: it cannot invent one, and neither can a typo in a
// mapping.
var (
	appRoles = []catalogEntry{
		{ID: "admin", DisplayName: "Administrator", Description: "Manages the workspace, its members and billing"},
		{ID: "member", DisplayName: "Member", Description: "Creates and edits the workspace's content"},
		{ID: "viewer", DisplayName: "Viewer", Description: "Reads the workspace's content"},
	}
	appEntitlements = []catalogEntry{
		{ID: "billing", DisplayName: "Billing", Type: "Permission", Description: "Sees invoices and changes the plan"},
		{ID: "api-access", DisplayName: "API access", Type: "License", Description: "May create API keys"},
	}
)

// catalogEntry is one role or entitlement.
type catalogEntry struct {
	ID          string `json:"-"`
	DisplayName string `json:"displayName"`
	Type        string `json:"type,omitempty"`
	Description string `json:"description,omitempty"`
}

// catalog serves a fixed list as a read-only scim.CustomSource.
type catalog []catalogEntry

func (c catalog) object(e catalogEntry) *resource.Object {
	attrs, _ := json.Marshal(e)
	return &resource.Object{ID: e.ID, Attributes: attrs}
}

// GetResource implements scim.CustomSource.
func (c catalog) GetResource(_ context.Context, id string) (*resource.Object, error) {
	for _, e := range c {
		if e.ID == id {
			return c.object(e), nil
		}
	}
	return nil, store.ErrNotFound
}

// ListResources implements scim.CustomSource, in the catalog's order.
func (c catalog) ListResources(_ context.Context, p store.Page) (scim.CustomList, error) {
	from := min(max(p.StartIndex-1, 0), len(c))
	to := min(from+p.Count, len(c))
	out := make([]*resource.Object, 0, to-from)
	for _, e := range c[from:to] {
		out = append(out, c.object(e))
	}
	return scim.CustomList{Resources: out, TotalResults: len(c)}, nil
}

// resourceTypes declares the app's roles and entitlements to the SCIM
// handler (Config.ResourceTypes).
func resourceTypes() []scim.CustomType {
	return []scim.CustomType{
		{Type: scim.OktaRoleType(), Source: catalog(appRoles), Assigns: scim.AssignsRoles},
		{Type: scim.OktaEntitlementType(), Source: catalog(appEntitlements), Assigns: scim.AssignsEntitlements},
	}
}
