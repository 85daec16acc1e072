package scimtest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// fixedSource serves fixed resources read-only.
type fixedSource []*resource.Object

func (s fixedSource) GetResource(_ context.Context, id string) (*resource.Object, error) {
	for _, o := range s {
		if o.ID == id {
			return o, nil
		}
	}
	return nil, store.ErrNotFound
}

func (s fixedSource) ListResources(_ context.Context, p store.Page) (scim.CustomList, error) {
	from := min(p.StartIndex-1, len(s))
	to := min(from+p.Count, len(s))
	return scim.CustomList{Resources: s[from:to], TotalResults: len(s)}, nil
}

func fixed(kv ...string) fixedSource {
	var out fixedSource
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, &resource.Object{ID: kv[i], Attributes: json.RawMessage(kv[i+1])})
	}
	return out
}

// entitlementServer serves roles and entitlements; with assigns, the
// user's roles and entitlements are limited to them.
func entitlementServer(t *testing.T, assigns bool) http.Handler {
	t.Helper()
	var tokens scim.Tokens
	tokens.Add(testToken, "tenant-a")
	roles, ents := "", ""
	if assigns {
		roles, ents = scim.AssignsRoles, scim.AssignsEntitlements
	}
	srv, err := scim.New(scim.Config{
		Store: memory.New(), Authenticate: tokens.Authenticate, Logger: slog.New(slog.DiscardHandler),
		ResourceTypes: []scim.CustomType{
			{Type: scim.OktaRoleType(), Assigns: roles,
				Source: fixed("admin", `{"displayName":"Admin"}`, "member", `{"displayName":"Member"}`, "viewer", `{"displayName":"Viewer"}`)},
			{Type: scim.OktaEntitlementType(), Assigns: ents,
				Source: fixed("billing", `{"displayName":"Billing","type":"Permission"}`)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	return mux
}

func TestOktaEntitlements(t *testing.T) {
	got := OktaEntitlements(t, Target{Handler: entitlementServer(t, true), BaseURL: "http://app.example.com/scim/v2", Token: testToken})
	if d := cmp.Diff(Entitlements{"Role": {"admin", "member", "viewer"}, "Entitlement": {"billing"}}, got); d != "" {
		t.Errorf("discovered (-want +got):\n%s", d)
	}
}

// TestOktaEntitlementsReportsFaults: a server that accepts any role, and
// one that serves no roles, fail the flow with a message naming the step.
func TestOktaEntitlementsReportsFaults(t *testing.T) {
	for name, tc := range map[string]struct {
		h    http.Handler
		want string
	}{
		"unknown role accepted": {entitlementServer(t, false), "PATCH add an unknown role: PATCH http://app.example.com/scim/v2/Users/"},
		"no roles":              {newServer(t), "expected a resource type with schema urn:okta:scim:schemas:core:1.0:Role"},
	} {
		t.Run(name, func(t *testing.T) {
			r := record(func(t tester) {
				runOktaEntitlements(t, Target{Handler: tc.h, BaseURL: "http://app.example.com/scim/v2", Token: testToken})
			})
			failed := r.failedFlows()
			if len(failed) != 1 {
				t.Fatalf("failed flows = %q, want the one flow", failed)
			}
			logs := strings.Join(r.leaves()[failed[0]].logs, "\n")
			if !strings.Contains(logs, tc.want) {
				t.Errorf("failure does not name %q:\n%s", tc.want, logs)
			}
		})
	}
}
