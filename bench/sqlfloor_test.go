package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// floorPair is the floor and the library on one storage, loaded alike.
type floorPair struct {
	name           string
	floor, library http.Handler
}

// floorPairs returns the floor and the library on memory, on SQLite and,
// with SCIM_TEST_POSTGRES_DSN, on PostgreSQL (each in a schema of its own),
// loaded with d.
func floorPairs(t *testing.T, d *Dataset) []floorPair {
	t.Helper()
	ctx := context.Background()
	var out []floorPair

	fm, load := NewMemFloor()
	if err := load(d.Users); err != nil {
		t.Fatal(err)
	}
	st := memory.New()
	if err := LoadStore(st, nil, d.Users); err != nil {
		t.Fatal(err)
	}
	lm, err := NewScimkitOn(st)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, floorPair{"memory", fm, lm})

	open := func(driver, dsn string) *sql.DB {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	pair := func(name string, floorDB, libDB *sql.DB, pg bool) {
		f, load, err := NewSQLFloor(ctx, floorDB, pg)
		if err != nil {
			t.Fatal(err)
		}
		if err := load(d.Users); err != nil {
			t.Fatal(err)
		}
		dialect := sqlstore.SQLite
		if pg {
			dialect = sqlstore.Postgres
		}
		st, err := sqlstore.New(libDB, dialect)
		if err != nil {
			t.Fatal(err)
		}
		if err := LoadStore(st, st.InTx, d.Users); err != nil {
			t.Fatal(err)
		}
		l, err := NewScimkitOn(st)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, floorPair{name, f, l})
	}
	dir := t.TempDir()
	const pragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate"
	pair("sqlite", open("sqlite", "file:"+filepath.Join(dir, "floor.db")+pragmas), open("sqlite", "file:"+filepath.Join(dir, "lib.db")+pragmas), false)

	if dsn := os.Getenv("SCIM_TEST_POSTGRES_DSN"); dsn != "" {
		admin := open("pgx", dsn)
		schema := func(name string) *sql.DB {
			s := fmt.Sprintf("benchtest_%s_%d", name, time.Now().UnixNano())
			if _, err := admin.Exec("CREATE SCHEMA " + s); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { admin.Exec("DROP SCHEMA " + s + " CASCADE") })
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("search_path", s)
			u.RawQuery = q.Encode()
			return open("pgx", u.String())
		}
		pair("postgres", schema("floor"), schema("lib"), true)
	}
	return out
}

// call sends one authenticated request and decodes the answer.
func call(t *testing.T, h http.Handler, method, target, body string, wantStatus int) []byte {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+Token)
	if body != "" {
		r.Header.Set("Content-Type", "application/scim+json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != wantStatus {
		t.Fatalf("%s %s: status %d, want %d: %s", method, target, w.Code, wantStatus, w.Body)
	}
	return w.Body.Bytes()
}

// TestFloorAnswersLikeTheLibrary checks that on every storage the floor
// and the library answer the side-by-side harness's requests with the same
// content: the lookup, GET by id, a list page, POST /Users, Entra's three
// PATCHes of the provisioning cycle, and membership PATCH. Versions and the
// times of new writes differ and are not compared.
func TestFloorAnswersLikeTheLibrary(t *testing.T) {
	d := NewDataset(50)
	u := d.Users[17]
	ignore := cmp.Options{cmpopts.IgnoreFields(normMeta{}, "Version")}
	for _, p := range floorPairs(t, d) {
		t.Run(p.name, func(t *testing.T) {
			both := func(method, target, body string, status int) (floor, library []byte) {
				return call(t, p.floor, method, target, body, status), call(t, p.library, method, target, body, status)
			}
			user := func(b []byte) normUser { return decodeUser(t, b) }
			list := func(b []byte) (int, []normUser) {
				var raw struct {
					TotalResults int               `json:"totalResults"`
					Resources    []json.RawMessage `json:"Resources"`
				}
				if err := json.Unmarshal(b, &raw); err != nil {
					t.Fatal(err)
				}
				var us []normUser
				for _, r := range raw.Resources {
					us = append(us, decodeUser(t, r))
				}
				return raw.TotalResults, us
			}

			f, l := both("GET", lookupTarget(strings.ToUpper(u.UserName)), "", 200)
			fn, fu := list(f)
			ln, lu := list(l)
			if fn != 1 || ln != 1 || fu[0].ID != u.ID {
				t.Fatalf("lookup: floor %d %v, library %d %v", fn, fu, ln, lu)
			}
			if diff := cmp.Diff(lu, fu, ignore); diff != "" {
				t.Errorf("lookup (-library +floor):\n%s", diff)
			}

			f, l = both("GET", "/Users/"+u.ID, "", 200)
			if diff := cmp.Diff(user(l), user(f), ignore); diff != "" {
				t.Errorf("get (-library +floor):\n%s", diff)
			}

			f, l = both("GET", "/Users?startIndex=11&count=5", "", 200)
			fn, fu = list(f)
			ln, lu = list(l)
			if fn != 50 || ln != 50 || len(fu) != 5 || fu[0].ID != d.Users[10].ID {
				t.Fatalf("page: floor %d users, first %v; library %d", fn, fu, ln)
			}
			if diff := cmp.Diff(lu, fu, ignore); diff != "" {
				t.Errorf("page (-library +floor):\n%s", diff)
			}

			body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"New.User@contoso.com","active":true,
"name":{"givenName":"New","familyName":"User","formatted":"New User"},"emails":[{"value":"new.user@contoso.com","type":"work","primary":true}]}`
			f, l = both("POST", "/Users", body, 201)
			fc, lc := user(f), user(l)
			// New writes: ids, times and locations are the servers' own.
			newWrite := cmp.Options{ignore, cmpopts.IgnoreFields(normUser{}, "ID"), cmpopts.IgnoreFields(normMeta{}, "Created", "LastModified", "Location")}
			if diff := cmp.Diff(lc, fc, newWrite); diff != "" {
				t.Errorf("POST (-library +floor):\n%s", diff)
			}
			both("POST", "/Users", body, 409)

			for i, patch := range []string{
				`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updated1@contoso.com"},
{"op":"Replace","path":"name.familyName","value":"Updated1"},
{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Engineering1"}]}`,
				`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":false}]}`,
				`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":true},{"op":"Replace","path":"name.givenName","value":"Given1"}]}`,
			} {
				fp, lp := call(t, p.floor, "PATCH", "/Users/"+fc.ID, patch, 200), call(t, p.library, "PATCH", "/Users/"+lc.ID, patch, 200)
				var fd, ld map[string]any
				json.Unmarshal(fp, &fd)
				json.Unmarshal(lp, &ld)
				for _, m := range []map[string]any{fd, ld} {
					delete(m, "id")
					delete(m, "meta")
				}
				if diff := cmp.Diff(ld, fd); diff != "" {
					t.Errorf("PATCH %d (-library +floor):\n%s", i+1, diff)
				}
			}

			group := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Bench Group"}`
			var fg, lg struct{ ID string }
			json.Unmarshal(call(t, p.floor, "POST", "/Groups", group, 201), &fg)
			json.Unmarshal(call(t, p.library, "POST", "/Groups", group, 201), &lg)
			add := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"` + u.ID + `"}]}]}`
			remove := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members[value eq \"` + u.ID + `\"]"}]}`
			for _, patch := range []string{add, remove} {
				call(t, p.floor, "PATCH", "/Groups/"+fg.ID, patch, 204)
				call(t, p.library, "PATCH", "/Groups/"+lg.ID, patch, 204)
			}
		})
	}
}
