package scim_test

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/scimkit/scim/internal/pgtest"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// backend is a resource store under test with the connection store that
// goes with it: memory's with memory, sqlstore's Connections with
// sqlstore.
type backend struct {
	name string
	open func(t *testing.T) (store.Store, connection.Store)
}

// backends are the stores the isolation and rotation tests run over:
// memory, sqlstore on SQLite, and sqlstore on PostgreSQL when
// SCIM_TEST_POSTGRES_DSN is set (a fresh schema per test).
var backends = []backend{
	{"memory", func(t *testing.T) (store.Store, connection.Store) {
		return memory.New(), connection.NewMemoryStore()
	}},
	{"SQLite", func(t *testing.T) (store.Store, connection.Store) {
		st := openSQLStore(t, sqliteTestDB(t), sqlstore.SQLite)
		return st, st.Connections()
	}},
	{"PostgreSQL", func(t *testing.T) (store.Store, connection.Store) {
		st := openSQLStore(t, postgresTestDB(t, postgresTestSchema(t)), sqlstore.Postgres)
		return st, st.Connections()
	}},
}

// sqliteTestDB opens a fresh SQLite database file in a temporary directory.
func sqliteTestDB(t testing.TB) *sql.DB {
	t.Helper()
	return sqliteFile(t, filepath.Join(t.TempDir(), "scim.db"))
}

// sqliteFile opens the SQLite database at path, as every replica of an
// app would.
func sqliteFile(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatalf("sql.Open(sqlite): %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// postgresTestSchema creates a schema of the test's own on the cluster of
// SCIM_TEST_POSTGRES_DSN, dropped at cleanup, and returns a DSN whose
// connections use it. Without the variable the test is skipped (failed
// under CI=true).
func postgresTestSchema(t testing.TB) string {
	t.Helper()
	return pgtest.Schema(t, "scimroot")
}

// postgresTestDB opens a pool on dsn.
func postgresTestDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("sql.Open(pgx): %v", err)
	}
	db.SetMaxOpenConns(10)
	t.Cleanup(func() { db.Close() })
	return db
}

func openSQLStore(t testing.TB, db *sql.DB, d sqlstore.Dialect) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.New(db, d)
	if err != nil {
		t.Fatalf("sqlstore.New(%v): %v", d, err)
	}
	return st
}

// mount is how the isolation test mounts the server: one Tenant URL for
// every tenant (the token decides) or a Base URL per tenant.
type mount struct {
	name string
	// base is the path of tenant's SCIM base URL.
	base func(tenant string) string
	// handler mounts the server authenticated by m.
	handler func(t *testing.T, st store.Store, m *connection.Manager) http.Handler
}

var mounts = []mount{
	{"token", func(string) string { return "/scim/v2" }, func(t *testing.T, st store.Store, m *connection.Manager) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", isolationServer(t, st, m, scim.ConnectionAuthOptions{})))
		return mux
	}},
	{"path", func(tenant string) string { return "/scim/" + tenant + "/v2" }, func(t *testing.T, st store.Store, m *connection.Manager) http.Handler {
		srv := isolationServer(t, st, m, scim.ConnectionAuthOptions{Tenant: func(r *http.Request) string { return r.PathValue("tenant") }})
		mux := http.NewServeMux()
		mux.HandleFunc("/scim/{tenant}/v2/", func(w http.ResponseWriter, r *http.Request) {
			http.StripPrefix("/scim/"+r.PathValue("tenant")+"/v2", srv).ServeHTTP(w, r)
		})
		return mux
	}},
}

func isolationServer(t *testing.T, st store.Store, m *connection.Manager, opts scim.ConnectionAuthOptions) *scim.Server {
	t.Helper()
	opts.Logger = slog.New(slog.DiscardHandler)
	srv, err := scim.New(scim.Config{Store: st, Authenticate: scim.ConnectionAuth(m, opts), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// tenantClient sends requests to a tenant's base URL with a token.
type tenantClient struct {
	t      *testing.T
	h      http.Handler
	tenant string
	base   string // the path of the base URL the requests go to
	token  string
}

// do sends a request; hdr is "Key: value" pairs.
func (c *tenantClient) do(method, path, body string, hdr ...string) *response {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://scim.example.com"+c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for _, kv := range hdr {
		k, v, _ := strings.Cut(kv, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	return &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// create POSTs body to path, expects 201 and returns the new id and ETag.
func (c *tenantClient) create(path, body string) (id, etag string) {
	c.t.Helper()
	res := c.do("POST", path, body).expect(c.t, http.StatusCreated)
	id, _ = res.json(c.t)["id"].(string)
	if id == "" {
		c.t.Fatalf("POST %s: no id in %s", path, res.body)
	}
	return id, res.header.Get("ETag")
}

func randomTenant(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

const (
	userSchema  = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`
	groupSchema = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]`
	patchSchema = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
	// unknownID is an id no resource has, whose answers B's ids' must
	// equal.
	unknownID = "00000000-0000-4000-8000-00000000dead"
)

// TestTenantIsolation holds every endpoint to tenant isolation, over every
// store (with its connection store) and both ways of resolving the tenant
// (the token's tenant; the path's, which the token must match). Tenants A
// and B have one Secret Token each. With A's token, B's users and groups
// are not there: every request on B's ids answers exactly what it answers
// for an id nobody has (404, never 200, 204, 304, 409 or 412), lists,
// searches and filters return A's resources only with A's totals, names
// are unique per tenant, B's ids are refused as A's members, and B's
// resources are byte-identical afterwards. Discovery answers alike for
// both.
func TestTenantIsolation(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, cs := b.open(t)
			m := connection.NewManager(cs, connection.Options{})
			for _, mt := range mounts {
				t.Run(mt.name, func(t *testing.T) { testTenantIsolation(t, st, m, mt) })
			}
		})
	}
}

func testTenantIsolation(t *testing.T, st store.Store, m *connection.Manager, mt mount) {
	h := mt.handler(t, st, m)
	client := func(tenant string) *tenantClient {
		t.Helper()
		if _, err := m.Save(t.Context(), connection.Connection{Tenant: tenant, Enabled: true, Profile: connection.Entra}); err != nil {
			t.Fatal(err)
		}
		secret, _, err := m.Issue(t.Context(), tenant, "IdP")
		if err != nil {
			t.Fatal(err)
		}
		return &tenantClient{t: t, h: h, tenant: tenant, base: mt.base(tenant), token: secret}
	}
	a, b := client(randomTenant("a")), client(randomTenant("b"))

	// B's directory: a user, a group holding it, a group holding that
	// group.
	bUser, bUserTag := b.create("/Users", `{`+userSchema+`,"userName":"shared@example.com","externalId":"ext-b","displayName":"B's user","active":true}`)
	bGroup, bGroupTag := b.create("/Groups", `{`+groupSchema+`,"displayName":"Engineering","externalId":"ext-b","members":[{"value":"`+bUser+`"}]}`)
	bNested, _ := b.create("/Groups", `{`+groupSchema+`,"displayName":"Everyone","members":[{"value":"`+bGroup+`","type":"Group"}]}`)
	// A's: a user in a group.
	aUser, _ := a.create("/Users", `{`+userSchema+`,"userName":"alice@example.com","externalId":"ext-a"}`)
	aGroup, _ := a.create("/Groups", `{`+groupSchema+`,"displayName":"Admins","members":[{"value":"`+aUser+`"}]}`)

	// B's data as B reads it, compared byte for byte at the end.
	bPaths := []string{"/Users/" + bUser, "/Groups/" + bGroup, "/Groups/" + bNested, "/Users", "/Groups", "/Users?filter=" + url.QueryEscape(`userName eq "shared@example.com"`)}
	snapshot := func() []string {
		var out []string
		for _, p := range bPaths {
			res := b.do("GET", p, "")
			out = append(out, fmt.Sprintf("GET %s: %d ETag %q\n%s", p, res.status, res.header.Get("ETag"), res.body))
		}
		return out
	}
	before := snapshot()
	aGroupBefore := a.do("GET", "/Groups/"+aGroup, "").expect(t, http.StatusOK).body

	// Uniqueness is per tenant: A takes B's userName and group name.
	aShared, _ := a.create("/Users", `{`+userSchema+`,"userName":"shared@example.com","externalId":"ext-b"}`)
	aEng, _ := a.create("/Groups", `{`+groupSchema+`,"displayName":"Engineering","members":[{"value":"`+aShared+`"}]}`)
	// Renames to B's group names go through too, by a PATCH of attributes
	// only and by PUT.
	a.do("PATCH", "/Groups/"+aEng, `{`+patchSchema+`,"Operations":[{"op":"replace","path":"displayName","value":"Everyone"}]}`).expect(t, http.StatusNoContent)
	a.do("PUT", "/Groups/"+aEng, `{`+groupSchema+`,"displayName":"Engineering","members":[{"value":"`+aShared+`"}]}`).expect(t, http.StatusOK)
	a.do("PATCH", "/Groups/"+aEng, `{`+patchSchema+`,"Operations":[{"op":"replace","path":"displayName","value":"Everyone"}]}`).expect(t, http.StatusNoContent)

	// A's token on B's ids: the answer for an id nobody has.
	ids := map[string]string{"{user}": bUser, "{group}": bGroup, "{nested}": bNested}
	tags := map[string]string{"{user}": bUserTag, "{group}": bGroupTag}
	byID := []struct {
		name, method, path, body string
		hdr                      []string
	}{
		{"GET user", "GET", "/Users/{user}", "", nil},
		{"HEAD user", "HEAD", "/Users/{user}", "", nil},
		{"GET user If-None-Match", "GET", "/Users/{user}", "", []string{"If-None-Match: {user-etag}"}},
		{"GET user attributes", "GET", "/Users/{user}?attributes=userName", "", nil},
		{"PUT user", "PUT", "/Users/{user}", `{` + userSchema + `,"userName":"hijacked@example.com"}`, nil},
		{"PUT user If-Match", "PUT", "/Users/{user}", `{` + userSchema + `,"userName":"hijacked@example.com"}`, []string{"If-Match: {user-etag}"}},
		{"PUT user keeping its userName", "PUT", "/Users/{user}", `{` + userSchema + `,"userName":"shared@example.com","active":false}`, nil},
		{"PATCH user", "PATCH", "/Users/{user}", `{` + patchSchema + `,"Operations":[{"op":"replace","path":"active","value":false}]}`, nil},
		{"PATCH user If-Match", "PATCH", "/Users/{user}", `{` + patchSchema + `,"Operations":[{"op":"replace","value":{"active":false}}]}`, []string{"If-Match: {user-etag}"}},
		{"DELETE user", "DELETE", "/Users/{user}", "", nil},
		{"DELETE user If-Match", "DELETE", "/Users/{user}", "", []string{"If-Match: {user-etag}"}},
		{"GET group", "GET", "/Groups/{group}", "", nil},
		{"GET group If-None-Match", "GET", "/Groups/{group}", "", []string{"If-None-Match: {group-etag}"}},
		{"GET group without members", "GET", "/Groups/{group}?excludedAttributes=members", "", nil},
		{"PUT group", "PUT", "/Groups/{group}", `{` + groupSchema + `,"displayName":"Hijacked","members":[{"value":"` + aUser + `"}]}`, nil},
		{"PUT group If-Match", "PUT", "/Groups/{group}", `{` + groupSchema + `,"displayName":"Engineering"}`, []string{"If-Match: {group-etag}"}},
		{"PATCH group add member", "PATCH", "/Groups/{group}", `{` + patchSchema + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + aUser + `"}]}]}`, nil},
		{"PATCH group add member If-Match", "PATCH", "/Groups/{group}", `{` + patchSchema + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + aUser + `"}]}]}`, []string{"If-Match: {group-etag}"}},
		{"PATCH group remove member", "PATCH", "/Groups/{group}", `{` + patchSchema + `,"Operations":[{"op":"remove","path":"members[value eq \"{user}\"]"}]}`, nil},
		{"PATCH group remove all members", "PATCH", "/Groups/{group}", `{` + patchSchema + `,"Operations":[{"op":"remove","path":"members"}]}`, nil},
		{"PATCH group rename", "PATCH", "/Groups/{group}", `{` + patchSchema + `,"Operations":[{"op":"replace","path":"displayName","value":"Hijacked"}]}`, nil},
		{"PATCH group rename If-Match", "PATCH", "/Groups/{group}", `{` + patchSchema + `,"Operations":[{"op":"replace","path":"displayName","value":"Hijacked"}]}`, []string{"If-Match: {group-etag}"}},
		{"PATCH group rename to same and add (Okta)", "PATCH", "/Groups/{group}", `{` + patchSchema + `,"Operations":[{"op":"replace","value":{"id":"{group}","displayName":"Engineering"}},{"op":"add","path":"members","value":[{"value":"` + aUser + `"}]}]}`, nil},
		{"DELETE group", "DELETE", "/Groups/{group}", "", nil},
		{"DELETE group If-Match", "DELETE", "/Groups/{group}", "", []string{"If-Match: {group-etag}"}},
		{"DELETE nested group", "DELETE", "/Groups/{nested}", "", nil},
	}
	for _, c := range byID {
		t.Run("by id/"+c.name, func(t *testing.T) {
			fill := func(s, user, group, nested string) string {
				return strings.NewReplacer("{user}", user, "{group}", group, "{nested}", nested,
					"{user-etag}", tags["{user}"], "{group-etag}", tags["{group}"]).Replace(s)
			}
			var hdr, unknownHdr []string
			for _, kv := range c.hdr {
				hdr = append(hdr, fill(kv, bUser, bGroup, bNested))
				unknownHdr = append(unknownHdr, fill(kv, unknownID, unknownID, unknownID))
			}
			res := a.do(c.method, fill(c.path, bUser, bGroup, bNested), fill(c.body, bUser, bGroup, bNested), hdr...)
			if res.status != http.StatusNotFound {
				t.Fatalf("%s %s with A's token: %d, want 404\n%s", c.method, c.path, res.status, res.body)
			}
			want := a.do(c.method, fill(c.path, unknownID, unknownID, unknownID), fill(c.body, bUser, bGroup, bNested), unknownHdr...)
			got := res.body
			for k, id := range ids {
				got = bytes.ReplaceAll(got, []byte(id), []byte(k))
			}
			ph := "{user}"
			for _, k := range []string{"{group}", "{nested}"} {
				if strings.Contains(c.path, k) {
					ph = k
				}
			}
			wantBody := bytes.ReplaceAll(want.body, []byte(unknownID), []byte(ph))
			if !bytes.Equal(got, wantBody) || want.status != res.status {
				t.Errorf("B's id answers differently from an unknown id:\nB's:     %d %s\nunknown: %d %s", res.status, got, want.status, wantBody)
			}
			if res.header.Get("ETag") != "" || res.header.Get("Location") != "" {
				t.Errorf("the 404 carries ETag %q, Location %q", res.header.Get("ETag"), res.header.Get("Location"))
			}
		})
	}

	// B's ids as A's members: 400 invalidValue, A's groups unchanged.
	refs := []struct{ name, method, path, body string }{
		{"POST group with B's user", "POST", "/Groups", `{` + groupSchema + `,"displayName":"Stolen","members":[{"value":"` + bUser + `"}]}`},
		{"POST group with B's group", "POST", "/Groups", `{` + groupSchema + `,"displayName":"Stolen","members":[{"value":"` + bGroup + `","type":"Group"}]}`},
		{"POST group with B's user typed User", "POST", "/Groups", `{` + groupSchema + `,"displayName":"Stolen","members":[{"value":"` + aUser + `","type":"User"},{"value":"` + bUser + `","type":"User"}]}`},
		{"PUT group with B's user", "PUT", "/Groups/" + aGroup, `{` + groupSchema + `,"displayName":"Admins","members":[{"value":"` + aUser + `"},{"value":"` + bUser + `"}]}`},
		{"PATCH add B's user", "PATCH", "/Groups/" + aGroup, `{` + patchSchema + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + bUser + `"}]}]}`},
		{"PATCH add B's group", "PATCH", "/Groups/" + aGroup, `{` + patchSchema + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + bNested + `"}]}]}`},
		{"PATCH replace members with B's user", "PATCH", "/Groups/" + aGroup, `{` + patchSchema + `,"Operations":[{"op":"replace","path":"members","value":[{"value":"` + bUser + `"}]}]}`},
		{"PATCH rename and add B's user", "PATCH", "/Groups/" + aGroup, `{` + patchSchema + `,"Operations":[{"op":"replace","path":"displayName","value":"Admins2"},{"op":"add","path":"members","value":[{"value":"` + bUser + `"}]}]}`},
	}
	for _, c := range refs {
		t.Run("members/"+c.name, func(t *testing.T) {
			res := a.do(c.method, c.path, c.body).expect(t, http.StatusBadRequest)
			if got := res.json(t)["scimType"]; got != scim.ScimTypeInvalidValue {
				t.Errorf("scimType %v, want invalidValue: %s", got, res.body)
			}
		})
	}
	if got := a.do("GET", "/Groups/"+aGroup, "").expect(t, http.StatusOK).body; !bytes.Equal(got, aGroupBefore) {
		t.Errorf("A's group changed by refused writes:\nbefore %s\nafter  %s", aGroupBefore, got)
	}

	// Lists, searches and filters: A's resources only, A's totals.
	q := func(f string) string { return url.QueryEscape(f) }
	lists := []struct {
		name, method, path, body string
		want                     []string // every match, so the total is len(want)
		paged                    bool     // count=1: one of want on the page
	}{
		{"GET Users", "GET", "/Users", "", []string{aUser, aShared}, false},
		{"GET Users count=1", "GET", "/Users?count=1", "", []string{aUser, aShared}, true},
		{"GET Users startIndex=2", "GET", "/Users?startIndex=2&count=1", "", []string{aUser, aShared}, true},
		{"GET Users sorted", "GET", "/Users?sortBy=userName&sortOrder=descending", "", []string{aUser, aShared}, false},
		{"GET Groups", "GET", "/Groups", "", []string{aGroup, aEng}, false},
		{"GET Groups without members", "GET", "/Groups?excludedAttributes=members", "", []string{aGroup, aEng}, false},
		{"POST .search", "POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}`, []string{aUser, aShared, aGroup, aEng}, false},
		{"POST .search filter", "POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"externalId eq \"ext-b\""}`, []string{aShared}, false},
		{"POST .search id", "POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"id eq \"` + bUser + `\" or id eq \"` + bGroup + `\""}`, nil, false},
		{"POST Users/.search", "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}`, []string{aUser, aShared}, false},
		{"POST Users/.search userName", "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"shared@example.com\""}`, []string{aShared}, false},
		{"POST Groups/.search", "POST", "/Groups/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}`, []string{aGroup, aEng}, false},
		{"POST Groups/.search members.value", "POST", "/Groups/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"members.value eq \"` + bUser + `\""}`, nil, false},
		{"userName eq", "GET", "/Users?filter=" + q(`userName eq "shared@example.com"`), "", []string{aShared}, false},
		{"userName eq, other case", "GET", "/Users?filter=" + q(`userName eq "Shared@Example.COM"`), "", []string{aShared}, false},
		{"userName sw", "GET", "/Users?filter=" + q(`userName sw "shared"`), "", []string{aShared}, false},
		{"userName pr", "GET", "/Users?filter=" + q(`userName pr`), "", []string{aUser, aShared}, false},
		{"externalId eq", "GET", "/Users?filter=" + q(`externalId eq "ext-b"`), "", []string{aShared}, false},
		{"id eq B's user", "GET", "/Users?filter=" + q(`id eq "`+bUser+`"`), "", nil, false},
		{"id eq B's or A's user", "GET", "/Users?filter=" + q(`id eq "`+bUser+`" or id eq "`+aUser+`"`), "", []string{aUser}, false},
		{"not id eq B's user", "GET", "/Users?filter=" + q(`not (id eq "`+bUser+`")`), "", []string{aUser, aShared}, false},
		{"displayName eq B's user", "GET", "/Users?filter=" + q(`displayName eq "B's user"`), "", nil, false},
		{"groups.value eq B's group", "GET", "/Users?filter=" + q(`groups.value eq "`+bGroup+`"`), "", nil, false},
		{"groups.value eq A's group", "GET", "/Users?filter=" + q(`groups.value eq "`+aGroup+`"`), "", []string{aUser}, false},
		{"group id eq B's group", "GET", "/Groups?filter=" + q(`id eq "`+bGroup+`"`), "", nil, false},
		{"group displayName eq B's name", "GET", "/Groups?filter=" + q(`displayName eq "Engineering"`), "", nil, false},
		{"group displayName eq B's other name", "GET", "/Groups?filter=" + q(`displayName eq "Everyone"`), "", []string{aEng}, false},
		{"group externalId eq", "GET", "/Groups?filter=" + q(`externalId eq "ext-b"`), "", nil, false},
		{"members.value eq B's user", "GET", "/Groups?filter=" + q(`members.value eq "`+bUser+`"`), "", nil, false},
		{"members.value eq B's group", "GET", "/Groups?filter=" + q(`members.value eq "`+bGroup+`"`), "", nil, false},
		{"members.value eq A's user", "GET", "/Groups?filter=" + q(`members.value eq "`+aUser+`"`), "", []string{aGroup}, false},
		{"members pr", "GET", "/Groups?filter=" + q(`members pr`), "", []string{aGroup, aEng}, false},
		{"Entra membership check on B's group", "GET", "/Groups?excludedAttributes=members&filter=" + q(`id eq "`+bGroup+`" and members.value eq "`+bUser+`"`), "", nil, false},
	}
	for _, c := range lists {
		t.Run("list/"+c.name, func(t *testing.T) {
			res := a.do(c.method, c.path, c.body).expect(t, http.StatusOK)
			var l struct {
				TotalResults int `json:"totalResults"`
				Resources    []struct {
					ID string `json:"id"`
				} `json:"Resources"`
			}
			if err := json.Unmarshal(res.body, &l); err != nil {
				t.Fatalf("%v: %s", err, res.body)
			}
			var got []string
			for _, r := range l.Resources {
				got = append(got, r.ID)
			}
			if l.TotalResults != len(c.want) {
				t.Errorf("totalResults %d, want %d", l.TotalResults, len(c.want))
			}
			switch {
			case c.paged:
				if len(got) != 1 || !slices.Contains(c.want, got[0]) {
					t.Errorf("page %v, want one of %v", got, c.want)
				}
			default:
				slices.Sort(got)
				want := slices.Sorted(slices.Values(c.want))
				if !slices.Equal(got, want) {
					t.Errorf("ids %v, want %v", got, want)
				}
			}
			for _, id := range []string{bUser, bGroup, bNested} {
				if bytes.Contains(res.body, []byte(id)) {
					t.Errorf("B's id %s in A's answer: %s", id, res.body)
				}
			}
		})
	}

	// Discovery answers alike for both tenants (but for the base URL).
	for _, p := range []string{"/ServiceProviderConfig", "/Schemas", "/ResourceTypes", "/ResourceTypes/User", "/ResourceTypes/Group", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"} {
		t.Run("discovery"+p, func(t *testing.T) {
			ra := a.do("GET", p, "").expect(t, http.StatusOK)
			rb := b.do("GET", p, "").expect(t, http.StatusOK)
			ga := bytes.ReplaceAll(ra.body, []byte(a.base), []byte("{base}"))
			gb := bytes.ReplaceAll(rb.body, []byte(b.base), []byte("{base}"))
			if !bytes.Equal(ga, gb) || ra.header.Get("ETag") != rb.header.Get("ETag") {
				t.Errorf("A and B see different %s:\nA: %s\nB: %s", p, ga, gb)
			}
			if mt.name == "path" && !bytes.Contains(ra.body, []byte(a.base+"/")) && p != "/ServiceProviderConfig" {
				t.Errorf("A's %s does not name A's base URL %s: %s", p, a.base, ra.body)
			}
		})
	}

	// With a Base URL per tenant, a token is good on its tenant's path
	// only: B's token on A's path, and A's on B's, are 401 on every
	// endpoint, and nothing is written.
	if mt.name == "path" {
		cross := []struct{ method, path, body string }{
			{"GET", "/Users", ""},
			{"GET", "/Users/{id}", ""},
			{"POST", "/Users", `{` + userSchema + `,"userName":"intruder@example.com"}`},
			{"PUT", "/Users/{id}", `{` + userSchema + `,"userName":"intruder@example.com"}`},
			{"PATCH", "/Users/{id}", `{` + patchSchema + `,"Operations":[{"op":"replace","path":"active","value":false}]}`},
			{"DELETE", "/Users/{id}", ""},
			{"GET", "/Groups", ""},
			{"POST", "/Groups", `{` + groupSchema + `,"displayName":"Intruders"}`},
			{"DELETE", "/Groups/{group}", ""},
			{"POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}`},
			{"POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}`},
			{"GET", "/ServiceProviderConfig", ""},
			{"GET", "/Schemas", ""},
			{"GET", "/ResourceTypes", ""},
		}
		for _, c := range cross {
			for _, dir := range []struct {
				name      string
				on        *tenantClient // the path's tenant
				token     string
				id, group string
			}{{"B's token on A's path", a, b.token, aUser, aGroup}, {"A's token on B's path", b, a.token, bUser, bGroup}} {
				t.Run("cross/"+dir.name+"/"+c.method+" "+c.path, func(t *testing.T) {
					intruder := *dir.on
					intruder.token = dir.token
					path := strings.NewReplacer("{id}", dir.id, "{group}", dir.group).Replace(c.path)
					res := intruder.do(c.method, path, c.body).expect(t, http.StatusUnauthorized)
					if res.header.Get("WWW-Authenticate") == "" {
						t.Error("401 without WWW-Authenticate")
					}
				})
			}
		}
		// A's data after B's attempts.
		if got := a.do("GET", "/Groups/"+aGroup, "").expect(t, http.StatusOK).body; !bytes.Equal(got, aGroupBefore) {
			t.Errorf("A's group changed by B's token:\nbefore %s\nafter  %s", aGroupBefore, got)
		}
		res := a.do("GET", "/Users", "").expect(t, http.StatusOK)
		if n := res.json(t)["totalResults"]; n != 2.0 {
			t.Errorf("A has %v users after B's attempts, want 2", n)
		}
	}

	after := snapshot()
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("B's data changed:\nbefore %s\nafter  %s", before[i], after[i])
		}
	}
}
