package sqlstore_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/sqlspy"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// statementKind is a statement by its verb and the first table it names
// outside its scalar subqueries (a user's groups column).
func statementKind(q string) string {
	f := strings.Fields(sqlspy.WithoutSubqueries(q))
	if len(f) == 0 {
		return ""
	}
	verb := strings.ToUpper(f[0])
	for i, w := range f {
		if (strings.EqualFold(w, "FROM") || strings.EqualFold(w, "INTO") || strings.EqualFold(w, "UPDATE")) && i+1 < len(f) {
			return verb + " " + strings.Trim(f[i+1], "(),")
		}
	}
	return verb
}

// TestStatementsPerRequest counts what the SQL store sends the database
// for the requests identity providers send most, through the handler,
// with the outbox off (the default) and on. Each remaining statement is
// there for a reason the comments give; a change that adds one fails.
func TestStatementsPerRequest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dialect sqlstore.Dialect
		open    func(t *testing.T) (driver.Driver, string)
	}{
		{"SQLite", sqlstore.SQLite, func(t *testing.T) (driver.Driver, string) {
			path := filepath.Join(t.TempDir(), "scim.db")
			db := sqliteDB(t)
			return db.Driver(), "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate"
		}},
		{"Postgres", sqlstore.Postgres, func(t *testing.T) (driver.Driver, string) {
			dsn := postgresSchema(t)
			return openPostgres(t, dsn).Driver(), dsn
		}},
	} {
		for _, outbox := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/outbox=%v", tc.name, outbox), func(t *testing.T) {
				drv, dsn := tc.open(t)
				log := &sqlspy.Log{}
				db := sqlspy.Open(drv, dsn, log)
				t.Cleanup(func() { db.Close() })
				var opts []sqlstore.Option
				if outbox {
					opts = append(opts, sqlstore.WithOutbox())
				}
				st, err := sqlstore.New(db, tc.dialect, opts...)
				if err != nil {
					t.Fatal(err)
				}
				ctx := store.WithTenant(context.Background(), "")
				for i := range 150 {
					if _, err := st.CreateUser(ctx, &resource.User{ID: fmt.Sprintf("u%03d", i), UserName: fmt.Sprintf("user%03d@example.com", i)}); err != nil {
						t.Fatal(err)
					}
				}
				srv, err := scim.New(scim.Config{Store: st, Authenticate: scim.NoAuthentication})
				if err != nil {
					t.Fatal(err)
				}
				do := func(method, target, body string) []string {
					t.Helper()
					stop := log.Record()
					rec := httptest.NewRecorder()
					req := httptest.NewRequest(method, target, strings.NewReader(body))
					if body != "" {
						req.Header.Set("Content-Type", "application/scim+json")
					}
					srv.ServeHTTP(rec, req)
					got := stop()
					if rec.Code >= 300 {
						t.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
					}
					kinds := []string{}
					for _, q := range got {
						kinds = append(kinds, statementKind(q))
					}
					return kinds
				}
				// The write's own statement, and the outbox's INSERT in its
				// transaction: folded into the write on PostgreSQL (one WITH
				// statement), a second statement on SQLite.
				insert, update := []string{"INSERT scim_users"}, []string{"UPDATE scim_users"}
				switch {
				case outbox && tc.dialect == sqlstore.Postgres:
					insert, update = []string{"WITH scim_users"}, []string{"WITH scim_outbox"}
				}
				var outboxRow []string
				if outbox && tc.dialect == sqlstore.SQLite {
					outboxRow = []string{"INSERT scim_outbox"}
				}
				// On SQLite the INSERT inserts only when no archived user
				// has the id; on PostgreSQL that check is a statement
				// after the INSERT, whose own snapshot may predate a
				// concurrent ArchiveUser it waited for (archive.go).
				var archivedCheck []string
				if tc.dialect == sqlstore.Postgres {
					archivedCheck = []string{"SELECT scim_archived_users"}
				}
				// A user's groups: on PostgreSQL a column of the statement
				// that reads or writes the row (one round trip saved); on
				// SQLite, in process, a second statement, which costs less
				// to prepare than the subquery (users.go groupsSQL). A
				// page that is not a lookup reads them with a second
				// statement on both (query.go lookup).
				var groups []string
				if tc.dialect == sqlstore.SQLite {
					groups = []string{"SELECT scim_group_members"}
				}
				pageGroups := []string{"SELECT scim_group_members"}
				// A write that is one statement on PostgreSQL (a PATCH's
				// UPDATE, with its events) runs without BEGIN and COMMIT
				// (sqlstore.go writeOne); on SQLite the groups read after it
				// and the outbox row make it a transaction.
				patchBegin := []string{"BEGIN"}
				if tc.dialect == sqlstore.Postgres {
					patchBegin = nil
				}
				// Not listed: COMMIT, which sqlspy does not record, ends
				// every write's transaction.
				for _, step := range []struct {
					name, method, target, body string
					want                       []string
				}{
					// The page (one row of lookahead tells the total) and
					// the groups of the user found.
					{"Entra's lookup, a hit", "GET", `/Users?filter=userName+eq+%22user007@example.com%22`, "",
						slices.Concat([]string{"SELECT scim_users"}, groups)},
					{"Entra's lookup, a miss", "GET", `/Users?filter=userName+eq+%22nobody@example.com%22`, "",
						[]string{"SELECT scim_users"}},
					// The insert, which returns the row as stored (its
					// version and times; no groups: a new user is in
					// none), and on PostgreSQL the check that no archived
					// user has the id.
					{"POST /Users", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new@example.com","active":true}`,
						slices.Concat([]string{"BEGIN"}, insert, archivedCheck, outboxRow)},
					// The read the PATCH applies to (the user and its
					// groups), and the conditional UPDATE, which returns
					// the row as stored, and its groups (which a concurrent
					// member PATCH may have changed).
					{"Entra's PATCH", "PATCH", "/Users/u001", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
						slices.Concat([]string{"SELECT scim_users"}, groups, patchBegin, update, groups, outboxRow)},
					// A first page with more after it: the page, the count
					// the database keeps (one row, not the tenant's rows),
					// the page's groups.
					{"the first page of a walk", "GET", "/Users?startIndex=1&count=100", "",
						slices.Concat([]string{"SELECT scim_users", "SELECT scim_counts"}, pageGroups)},
					// The next page seeks and repeats the walk's total.
					{"the next page of a walk", "GET", "/Users?startIndex=101&count=100", "",
						slices.Concat([]string{"SELECT scim_users"}, pageGroups)},
					// A filter that matches no one: the page only, no
					// groups to read for it.
					{"an empty page", "GET", "/Users?filter=userName%20sw%20%22nobody%22", "",
						[]string{"SELECT scim_users"}},
				} {
					if d := cmp.Diff(step.want, do(step.method, step.target, step.body)); d != "" {
						t.Errorf("%s: statements (-want +got):\n%s", step.name, d)
					}
				}
			})
		}
	}
}
