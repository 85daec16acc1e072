package sqlstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/scimtest"
	"github.com/scimkit/scim/store"
)

// TestDeletePolicyDeactivate runs Entra's de-provisioning flow through
// HTTP under both DELETE policies on SQLite and PostgreSQL: the identity
// provider sees a delete either way, and under Deactivate the row is in
// scim_archived_users, deactivated, with the DELETE's time.
func TestDeletePolicyDeactivate(t *testing.T) {
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "Postgres" {
				postgresDSN(t)
			}
			for _, policy := range []connection.DeletePolicy{connection.Delete, connection.Deactivate} {
				t.Run(string(policy), func(t *testing.T) {
					st := d.new(t)
					target := scimtest.ConnectionTarget(t, connection.Connection{Tenant: "acme", Profile: connection.Entra, DeletePolicy: policy},
						scim.Config{Store: st, Clock: func() time.Time { return at }})
					gone := scimtest.EntraDeprovision(t, target)
					ctx := store.WithTenant(t.Context(), "acme")
					got, err := st.GetArchivedUser(ctx, gone.ID)
					if policy == connection.Delete {
						if !errors.Is(err, store.ErrNotFound) {
							t.Errorf("GetArchivedUser under policy delete: %+v, %v; want ErrNotFound", got, err)
						}
						return
					}
					if err != nil {
						t.Fatalf("GetArchivedUser: %v", err)
					}
					if u := got.User; u.UserName != gone.UserName || u.ExternalID != gone.ExternalID || u.Active == nil || *u.Active || !got.Archived.Equal(at) {
						t.Errorf("archived user: userName %q externalId %q active %v archived %v; want %q %q false %v",
							u.UserName, u.ExternalID, u.Active, got.Archived, gone.UserName, gone.ExternalID, at)
					}
				})
			}
		})
	}
}
