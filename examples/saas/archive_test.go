package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/scimtest"
	"github.com/scimkit/scim/store"
)

// TestDeletePolicyDeactivate runs Entra's de-provisioning flow through
// HTTP against the adapter under the connection's DELETE policy
// "deactivate", on SQLite and PostgreSQL: the identity provider sees a
// delete (204, 404, no match, no team, the userName free for a 201),
// while the account stays in the accounts table, disabled, with its
// email, and the app's home page shows it "deactivated (removed by
// SCIM)" next to the account created again.
func TestDeletePolicyDeactivate(t *testing.T) {
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, db := range []struct {
		name string
		spec func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "saas.db") }},
		{"Postgres", postgresSchema},
	} {
		t.Run(db.name, func(t *testing.T) {
			app, ts := startApp(t, db.spec(t), testToken)
			target := scimtest.ConnectionTarget(t, connection.Connection{Tenant: "acme", Profile: connection.Entra, DeletePolicy: connection.Deactivate},
				scim.Config{Store: NewSCIMStore(app.DB), Clock: func() time.Time { return at }})
			gone := scimtest.EntraDeprovision(t, target)

			a, err := app.DB.AccountByID(t.Context(), "acme", gone.ID)
			if err != nil {
				t.Fatalf("AccountByID of the deleted user: %v", err)
			}
			if !a.Disabled || a.SCIMActive == nil || *a.SCIMActive || !a.SCIMRemovedAt.Equal(at) || a.Email != gone.UserName ||
				a.SCIMExternalID != gone.ExternalID || a.Status() != "deactivated (removed by SCIM)" {
				t.Errorf("the removed account: disabled %v, scim_active %v, removed at %v, email %q, externalId %q, status %q",
					a.Disabled, a.SCIMActive, a.SCIMRemovedAt, a.Email, a.SCIMExternalID, a.Status())
			}
			// The login is the account created again.
			if login, err := app.DB.AccountByEmail(t.Context(), "acme", gone.UserName); err != nil || login.ID != gone.Recreated {
				t.Errorf("AccountByEmail(%s) = %q, %v; want the re-created account %q", gone.UserName, login.ID, err, gone.Recreated)
			}
			teams, err := app.DB.TeamsOfAccount(t.Context(), "acme", gone.ID)
			if err != nil || len(teams) != 0 {
				t.Errorf("teams of the removed account: %v, %v; want none", teams, err)
			}
			arch, err := NewSCIMStore(app.DB).GetArchivedUser(store.WithTenant(t.Context(), "acme"), gone.ID)
			if err != nil || arch.User.UserName != gone.UserName || !arch.Archived.Equal(at) {
				t.Errorf("GetArchivedUser: %+v, %v", arch, err)
			}

			admin := newBrowser(t, ts)
			admin.signIn("")
			body := admin.get("/").body
			if strings.Count(body, gone.UserName) != 2 || !strings.Contains(body, "deactivated (removed by SCIM)") {
				t.Errorf("the home page does not show the removed account next to the new one:\n%s", body)
			}
		})
	}
}

// TestDeletePolicyDeleteRemovesTheAccount: under the default policy the
// same flow deletes the account row.
func TestDeletePolicyDeleteRemovesTheAccount(t *testing.T) {
	app, _ := testServer(t)
	target := scimtest.ConnectionTarget(t, connection.Connection{Tenant: "acme", Profile: connection.Entra, DeletePolicy: connection.Delete},
		scim.Config{Store: NewSCIMStore(app.DB)})
	gone := scimtest.EntraDeprovision(t, target)
	if a, err := app.DB.AccountByID(t.Context(), "acme", gone.ID); !errors.Is(err, ErrNoRows) {
		t.Errorf("AccountByID after a DELETE under policy delete: %+v, %v; want ErrNoRows", a, err)
	}
}
