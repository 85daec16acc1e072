package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testStores are the databases the app is started on in the tests of
// this file: a SQLite file, and PostgreSQL when SCIM_TEST_POSTGRES_DSN is
// set.
var testStores = []struct {
	name string
	spec func(t *testing.T) string
}{
	{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "saas.db") }},
	{"Postgres", postgresSchema},
}

// idpFixture returns the request body of scimtest/testdata/<name>.json
// without its "_source", with each {{key}} replaced by vars[key] (plain
// values that need no JSON escaping).
func idpFixture(t *testing.T, name string, vars map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "scimtest", "testdata", name+".json"))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	delete(m, "_source")
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	s := string(out)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	if i := strings.Index(s, "{{"); i >= 0 {
		t.Fatalf("fixture %s: no value for %s", name, s[i:])
	}
	return s
}

// TestRemoveActiveKeepsDeactivation replays Okta's and Entra's
// deactivation, then a PATCH that removes active (which leaves it
// unassigned, RFC 7644 §3.5.2.2), then their reactivation. The removal
// must not re-activate the user: GET shows active unassigned, the
// account stays disabled, and "active eq true" does not find it.
func TestRemoveActiveKeepsDeactivation(t *testing.T) {
	flows := []struct {
		name, create, deactivate, remove, reactivate string
		vars                                         map[string]string
	}{
		{
			name: "Okta", create: "okta_create_user", deactivate: "okta_deactivate_user", reactivate: "okta_reactivate_user",
			remove: `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "active"}]}`,
			vars:   map[string]string{"userName": "ada@example.com", "givenName": "Ada", "familyName": "Lovelace", "externalId": "00u1", "password": "1mP0ssible!"},
		},
		{
			name: "Entra", create: "entra_create_user", deactivate: "entra_disable_user", reactivate: "entra_enable_user",
			remove: `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "Remove", "path": "active"}]}`,
			vars:   map[string]string{"userName": "ada@contoso.com", "email": "ada@contoso.com", "givenName": "Ada", "familyName": "Lovelace", "externalId": "ada"},
		},
	}
	for _, st := range testStores {
		t.Run(st.name, func(t *testing.T) {
			app, ts := startApp(t, st.spec(t), testToken)
			for _, f := range flows {
				t.Run(f.name, func(t *testing.T) {
					c := newIdP(t, ts)
					r := c.do("POST", "/Users", idpFixture(t, f.create, f.vars))
					c.want(r, http.StatusCreated, "POST /Users")
					id, _ := r.object(t)["id"].(string)
					// state checks GET /Users/id, the account row and the
					// "active eq true" lookup against the active wanted.
					state := func(step string, want any) {
						t.Helper()
						r := c.do("GET", "/Users/"+id, "")
						c.want(r, http.StatusOK, step+": GET")
						got, ok := r.object(t)["active"]
						if want == nil && ok {
							t.Errorf("%s: active %v, want it unassigned (absent)", step, got)
						} else if want != nil && got != want {
							t.Errorf("%s: active %v, want %v", step, got, want)
						}
						a, err := app.DB.AccountByID(t.Context(), "acme", id)
						if err != nil {
							t.Fatalf("%s: AccountByID: %v", step, err)
						}
						if a.Disabled != (want != true) {
							t.Errorf("%s: account Disabled %v, want %v (only active=true grants access)", step, a.Disabled, want != true)
						}
						r = c.do("GET", "/Users"+filterQuery(`userName eq "`+f.vars["userName"]+`" and active eq true`), "")
						c.want(r, http.StatusOK, step+": active eq true")
						if n := r.object(t)["totalResults"]; n != float64(map[bool]int{true: 1, false: 0}[want == true]) {
							t.Errorf("%s: userName eq and active eq true: totalResults %v", step, n)
						}
					}
					state("created", true)
					c.want(c.do("PATCH", "/Users/"+id, idpFixture(t, f.deactivate, nil)), http.StatusOK, "deactivate")
					state("deactivated", false)
					c.want(c.do("PATCH", "/Users/"+id, f.remove), http.StatusOK, "remove active")
					state("active removed", nil)
					// A PUT without active keeps it as stored.
					r = c.do("PUT", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "`+f.vars["userName"]+`"}`)
					c.want(r, http.StatusOK, "PUT without active")
					state("PUT without active", nil)
					c.want(c.do("PATCH", "/Users/"+id, idpFixture(t, f.reactivate, nil)), http.StatusOK, "reactivate")
					state("reactivated", true)
				})
			}
		})
	}
}

// TestMemberDisplay replays Okta's Group Push, whose members carry display,
// and Entra's member add, whose members have none: GET /Groups returns
// each member's display as the IdP sent it (the attribute /Schemas
// advertises), across a rename-and-membership PATCH and a PUT.
func TestMemberDisplay(t *testing.T) {
	for _, st := range testStores {
		t.Run(st.name, func(t *testing.T) {
			_, ts := startApp(t, st.spec(t), testToken)
			c := newIdP(t, ts)
			var ids []string
			for _, n := range []string{"ada", "bob", "cy"} {
				r := c.do("POST", "/Users", `{"userName": "`+n+`@example.com", "active": true}`)
				c.want(r, http.StatusCreated, "POST /Users")
				id, _ := r.object(t)["id"].(string)
				ids = append(ids, id)
			}
			member := func(id, display string) string {
				m := `{"value": "` + id + `", "$ref": "` + c.base + `/Users/` + id + `", "type": "User"`
				if display != "" {
					m += `, "display": "` + display + `"`
				}
				return m + `}`
			}
			members := func(step, gid, want string) {
				t.Helper()
				r := c.do("GET", "/Groups/"+gid, "")
				c.want(r, http.StatusOK, step+": GET /Groups")
				diffJSON(t, step, want, r.object(t)["members"])
			}

			r := c.do("POST", "/Groups", idpFixture(t, "okta_create_group", map[string]string{"displayName": "Engineering"}))
			c.want(r, http.StatusCreated, "Okta POST /Groups")
			gid, _ := r.object(t)["id"].(string)
			r = c.do("PATCH", "/Groups/"+gid, idpFixture(t, "okta_push_members", map[string]string{
				"groupId": gid, "displayName": "Engineering",
				"member1": ids[0], "member1Name": "ada@example.com", "member2": ids[1], "member2Name": "bob@example.com",
			}))
			c.want(r, http.StatusNoContent, "Okta push members")
			members("Okta push members", gid, `[`+member(ids[0], "ada@example.com")+`, `+member(ids[1], "bob@example.com")+`]`)

			r = c.do("PATCH", "/Groups/"+gid, idpFixture(t, "okta_update_members", map[string]string{
				"groupId": gid, "displayName": "Engineering", "removeId": ids[0], "addId": ids[2], "addName": "cy@example.com",
			}))
			c.want(r, http.StatusNoContent, "Okta update members")
			members("Okta update members", gid, `[`+member(ids[1], "bob@example.com")+`, `+member(ids[2], "cy@example.com")+`]`)

			// A PUT replaces the displays with its own, and drops the
			// display of a member sent without one.
			r = c.do("PUT", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering",
				"members": [{"value": "`+ids[1]+`", "display": "Bob"}, {"value": "`+ids[2]+`"}]}`)
			c.want(r, http.StatusOK, "PUT /Groups")
			members("PUT /Groups", gid, `[`+member(ids[1], "Bob")+`, `+member(ids[2], "")+`]`)

			r = c.do("POST", "/Groups", idpFixture(t, "entra_create_group", map[string]string{"displayName": "Sales", "externalId": "sales"}))
			c.want(r, http.StatusCreated, "Entra POST /Groups")
			eid, _ := r.object(t)["id"].(string)
			r = c.do("PATCH", "/Groups/"+eid, idpFixture(t, "entra_add_members", map[string]string{"member1": ids[0], "member2": ids[1]}))
			c.want(r, http.StatusNoContent, "Entra add members")
			members("Entra add members", eid, `[`+member(ids[0], "")+`, `+member(ids[1], "")+`]`)
		})
	}
}

// schemaV1 is the app's schema before accounts.scim_active and
// team_members.display, as databases of that release have it.
const schemaV1 = `
CREATE TABLE tenants (seq SEQ, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, scim_token_hash TEXT NOT NULL);
CREATE TABLE accounts (
	seq SEQ, tenant_id TEXT NOT NULL, id TEXT NOT NULL, email TEXT NOT NULL, email_folded TEXT NOT NULL,
	given_name TEXT NOT NULL, family_name TEXT NOT NULL, full_name TEXT NOT NULL, job_title TEXT NOT NULL,
	department TEXT NOT NULL, manager_id TEXT NOT NULL, disabled BOOLEAN NOT NULL, created_at TIME NOT NULL,
	updated_at TIME NOT NULL, version BIGINT NOT NULL, scim_external_id TEXT NOT NULL, scim_extra TEXT NOT NULL,
	CONSTRAINT accounts_id UNIQUE (tenant_id, id), CONSTRAINT accounts_email UNIQUE (tenant_id, email_folded)
);
CREATE TABLE teams (
	seq SEQ, tenant_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, created_at TIME NOT NULL,
	updated_at TIME NOT NULL, version BIGINT NOT NULL, scim_external_id TEXT NOT NULL, scim_extra TEXT NOT NULL,
	CONSTRAINT teams_id UNIQUE (tenant_id, id)
);
CREATE TABLE team_members (
	seq SEQ, tenant_id TEXT NOT NULL, team_id TEXT NOT NULL, member_is_team BOOLEAN NOT NULL, member_id TEXT NOT NULL,
	CONSTRAINT team_members_id UNIQUE (tenant_id, team_id, member_is_team, member_id),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE
);
INSERT INTO tenants (id, name, scim_token_hash) VALUES ('acme', 'Acme Corp', '');
INSERT INTO accounts (tenant_id, id, email, email_folded, given_name, family_name, full_name, job_title, department,
	manager_id, disabled, created_at, updated_at, version, scim_external_id, scim_extra) VALUES
	('acme', 'a1', 'ada@example.com', 'ada@example.com', '', '', '', '', '', '', FALSE, NOW, NOW, 1, '', '{}'),
	('acme', 'a2', 'bob@example.com', 'bob@example.com', '', '', '', '', '', '', TRUE, NOW, NOW, 1, '', '{}');
INSERT INTO teams (tenant_id, id, name, created_at, updated_at, version, scim_external_id, scim_extra) VALUES
	('acme', 't1', 'Engineering', NOW, NOW, 1, '', '{}');
INSERT INTO team_members (tenant_id, team_id, member_is_team, member_id) VALUES ('acme', 't1', FALSE, 'a1')
`

// TestUpgrade starts the app on a database of the release before
// scim_active and team_members.display: the accounts read back active as
// they did (true unless disabled), the team keeps its member, displays
// are stored from then on, and a restart neither loses an unassigned
// active nor backfills it again.
func TestUpgrade(t *testing.T) {
	for _, st := range testStores {
		t.Run(st.name, func(t *testing.T) {
			spec := st.spec(t)
			driverName, dsn, d, err := dataSource(spec)
			if err != nil {
				t.Fatal(err)
			}
			seq, ts, now := "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "'2025-06-01T00:00:00Z'"
			if d == postgresDialect {
				seq, ts, now = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ", "'2025-06-01T00:00:00Z'::timestamptz"
			}
			old, err := sql.Open(driverName, dsn)
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range strings.Split(strings.NewReplacer("SEQ", seq, "TIME", ts, "NOW", now).Replace(schemaV1), ";") {
				if _, err := old.Exec(stmt); err != nil {
					t.Fatalf("old schema: %v\n%s", err, stmt)
				}
			}
			old.Close()

			first := start(t, spec, testToken)
			c := first.client(t, testToken)
			for id, want := range map[string]any{"a1": true, "a2": false} {
				if got := first.resource(t, c, "/Users/"+id).(map[string]any)["active"]; got != want {
					t.Errorf("%s after the upgrade: active %v, want %v", id, got, want)
				}
			}
			c.want(c.do("PATCH", "/Users/a1", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
				"Operations": [{"op": "remove", "path": "active"}]}`), http.StatusOK, "remove active")
			c.want(c.do("PATCH", "/Groups/t1", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
				"Operations": [{"op": "add", "path": "members", "value": [{"value": "a2", "display": "Bob"}]}]}`), http.StatusNoContent, "add member")
			wantMembers := `[{"value": "a1", "$ref": "BASE/scim/v2/Users/a1", "type": "User"},
				{"value": "a2", "$ref": "BASE/scim/v2/Users/a2", "type": "User", "display": "Bob"}]`
			diffJSON(t, "members after the upgrade", wantMembers, first.resource(t, c, "/Groups/t1").(map[string]any)["members"])
			before := first.resource(t, c, "/Users/a1")
			first.stop(t)

			second := start(t, spec, testToken)
			t.Cleanup(func() { second.stop(t) })
			c = second.client(t, testToken)
			after := second.resource(t, c, "/Users/a1")
			if d := cmp.Diff(before, after); d != "" {
				t.Errorf("a1 after a restart differs (-before +after):\n%s", d)
			}
			if _, ok := after.(map[string]any)["active"]; ok {
				t.Errorf("a1 after a restart: active %v, want it unassigned", after.(map[string]any)["active"])
			}
			diffJSON(t, "members after a restart", wantMembers, second.resource(t, c, "/Groups/t1").(map[string]any)["members"])
		})
	}
}
