package scim_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/scimtest"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// deleteClock is the Config.Clock of the DELETE policy tests: the time a
// DELETE archives a user at.
var deleteClock = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// TestDeletePolicyDeactivate runs Entra's de-provisioning flow under
// both DELETE policies on the memory store: the identity provider sees
// the same (204, then 404, the user in no filter, list or group, its
// userName free for a 201), and only under Deactivate does the app find
// the record, deactivated, with the DELETE's time.
func TestDeletePolicyDeactivate(t *testing.T) {
	for _, policy := range []connection.DeletePolicy{connection.Delete, connection.Deactivate} {
		t.Run(string(policy), func(t *testing.T) {
			st := memory.New()
			tenant := "acme-" + string(policy)
			target := scimtest.ConnectionTarget(t, connection.Connection{Tenant: tenant, Profile: connection.Entra, DeletePolicy: policy},
				scim.Config{Store: st, Clock: func() time.Time { return deleteClock }})
			d := scimtest.EntraDeprovision(t, target)
			checkArchived(t, store.WithTenant(t.Context(), tenant), st, policy, d)
		})
	}
}

// checkArchived checks what the app keeps of the user EntraDeprovision
// deleted under policy: nothing under Delete, the record under
// Deactivate.
func checkArchived(t *testing.T, ctx context.Context, a store.UserArchiver, policy connection.DeletePolicy, d scimtest.Deprovisioned) {
	t.Helper()
	got, err := a.GetArchivedUser(ctx, d.ID)
	if policy == connection.Delete {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetArchivedUser after a DELETE under policy delete: %+v, %v; want ErrNotFound", got, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("GetArchivedUser: %v", err)
	}
	u := got.User
	if u.ID != d.ID || u.UserName != d.UserName || u.ExternalID != d.ExternalID || u.Active == nil || *u.Active || len(u.Groups) != 0 {
		t.Errorf("archived user: id %q userName %q externalId %q active %v groups %v; want %q %q %q false none",
			u.ID, u.UserName, u.ExternalID, u.Active, u.Groups, d.ID, d.UserName, d.ExternalID)
	}
	if !got.Archived.Equal(deleteClock) {
		t.Errorf("archived at %v, want the DELETE's time %v", got.Archived, deleteClock)
	}
	l, err := a.ListArchivedUsers(ctx, store.Page{StartIndex: 1, Count: 10})
	if err != nil || l.TotalResults != 1 || len(l.Resources) != 1 || l.Resources[0].User.ID != d.ID {
		t.Errorf("ListArchivedUsers: %+v, %v; want the one archived user %s", l, err, d.ID)
	}
}

// notArchiving is a store without store.UserArchiver.
type notArchiving struct{ store.Store }

// TestDeletePolicyDeactivateWithoutArchiver: a store that cannot keep
// deleted users answers a DELETE under Deactivate with 501 in SCIM form,
// logged at ERROR, and changes nothing; DELETE /Groups is a delete under
// every policy.
func TestDeletePolicyDeactivateWithoutArchiver(t *testing.T) {
	logs := &bytes.Buffer{}
	st := memory.New()
	target := scimtest.ConnectionTarget(t, connection.Connection{Tenant: "acme", Profile: connection.Entra, DeletePolicy: connection.Deactivate},
		scim.Config{Store: notArchiving{st}, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	do := func(method, path, body string) *response {
		t.Helper()
		req := httptest.NewRequest(method, "http://scim.example.com"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+target.Token)
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		target.Handler.ServeHTTP(rec, req)
		return &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	}
	u := do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com"}`).expect(t, http.StatusCreated).json(t)
	id := u["id"].(string)
	g := do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins","members":[{"value":"`+id+`"}]}`).expect(t, http.StatusCreated).json(t)
	gid := g["id"].(string)

	res := do("DELETE", "/Users/"+id, "").expect(t, http.StatusNotImplemented)
	body := res.json(t)
	if body["status"] != "501" || !strings.Contains(body["detail"].(string), `DELETE policy must be "delete"`) {
		t.Errorf("501 body: %s", res.body)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "cannot keep deleted users") {
		t.Errorf("the 501 is not logged at ERROR:\n%s", logs)
	}
	// Nothing changed: the user is there, still a member.
	do("GET", "/Users/"+id, "").expect(t, http.StatusOK)
	if ms := do("GET", "/Groups/"+gid, "").expect(t, http.StatusOK).json(t)["members"].([]any); len(ms) != 1 {
		t.Errorf("group members after the refused DELETE: %v", ms)
	}
	// Groups are deleted under every policy.
	do("DELETE", "/Groups/"+gid, "").expect(t, http.StatusNoContent)
	do("GET", "/Groups/"+gid, "").expect(t, http.StatusNotFound)
}

// TestDeletePolicyDeactivateIfMatch: under Deactivate a DELETE honours
// If-Match as a delete does: a stale ETag is 412 and archives nothing.
func TestDeletePolicyDeactivateIfMatch(t *testing.T) {
	st := memory.New()
	target := scimtest.ConnectionTarget(t, connection.Connection{Tenant: "acme", Profile: connection.Entra, DeletePolicy: connection.Deactivate},
		scim.Config{Store: st})
	do := func(method, path, ifMatch, body string) *response {
		t.Helper()
		req := httptest.NewRequest(method, "http://scim.example.com"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+target.Token)
		req.Header.Set("Content-Type", "application/scim+json")
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		rec := httptest.NewRecorder()
		target.Handler.ServeHTTP(rec, req)
		return &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	}
	created := do("POST", "/Users", "", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com"}`).expect(t, http.StatusCreated)
	id := created.json(t)["id"].(string)
	stale := created.header.Get("ETag")
	current := do("PATCH", "/Users/"+id, "", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`).expect(t, http.StatusOK).header.Get("ETag")
	do("DELETE", "/Users/"+id, stale, "").expect(t, http.StatusPreconditionFailed)
	ctx := store.WithTenant(t.Context(), "acme")
	if _, err := st.GetArchivedUser(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a DELETE refused with 412 archived the user: %v", err)
	}
	do("DELETE", "/Users/"+id, current, "").expect(t, http.StatusNoContent)
	do("GET", "/Users/"+id, "", "").expect(t, http.StatusNotFound)
	if _, err := st.GetArchivedUser(ctx, id); err != nil {
		t.Errorf("GetArchivedUser after the DELETE: %v", err)
	}
}
