package sqlstore_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/resource"
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

// BenchmarkCreateUser measures CreateUser, which checks in its
// transaction that the id is no archived user's, with 1,000 users
// archived in the tenant.
func BenchmarkCreateUser(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			if d.name == "Postgres" {
				postgresDSN(b)
			}
			s := d.new(b)
			ctx := store.WithTenant(b.Context(), "tenant-a")
			for i := range 1000 {
				id := fmt.Sprintf("gone%04d", i)
				if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id}); err != nil {
					b.Fatal(err)
				}
				if err := s.ArchiveUser(ctx, id, "", time.Now()); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			for b.Loop() {
				i++
				id := fmt.Sprintf("u%07d", i)
				if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id + "@example.com"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
