package scim_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/internal/testclock"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// listOnlyStore is an app's store without any fast path: the handler
// filters and pages it itself and can only page by offset.
type listOnlyStore struct{ store.Store }

// walkStores are the stores a walk runs over; seeks is whether the store
// returns positions (store.UserList.Next), so that a walk skips no
// unchanged user whatever is deleted before its position.
var walkStores = []struct {
	name  string
	open  func(t *testing.T) store.Store
	seeks bool
}{
	{"memory", func(t *testing.T) store.Store { return memory.New() }, true},
	{"SQLite", func(t *testing.T) store.Store { return openSQLStore(t, sqliteTestDB(t), sqlstore.SQLite) }, true},
	{"PostgreSQL", func(t *testing.T) store.Store {
		return openSQLStore(t, postgresTestDB(t, postgresTestSchema(t)), sqlstore.Postgres)
	}, true},
	{"app store", func(t *testing.T) store.Store { return listOnlyStore{memory.New()} }, false},
}

// listPage is a ListResponse as a client reads it.
type listPage struct {
	TotalResults   *int
	ItemsPerPage   int
	StartIndex     *int
	NextCursor     *string
	PreviousCursor *string
	Resources      []struct {
		ID          string
		UserName    string
		DisplayName string
	}
}

func (p listPage) ids() []string {
	ids := []string{}
	for _, r := range p.Resources {
		ids = append(ids, r.ID)
	}
	return ids
}

func readPage(t *testing.T, res *response) listPage {
	t.Helper()
	res.expect(t, http.StatusOK)
	var p listPage
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatalf("%v: %s", err, res.body)
	}
	return p
}

// seedUsers creates n users u000..u(n-1) in tenant-a, in that order.
func seedUsers(t *testing.T, st store.Store, n int) []string {
	t.Helper()
	ctx := store.WithTenant(context.Background(), "tenant-a")
	var ids []string
	for i := range n {
		id := fmt.Sprintf("u%03d", i)
		// Before testNow, the handler's clock: users POSTed during a walk come after.
		u := &resource.User{ID: id, UserName: "user" + id + "@example.com", Meta: resource.Meta{Created: testNow.Add(time.Duration(i-n) * time.Second)}}
		if _, err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func errType(t *testing.T, res *response) string {
	t.Helper()
	res.expect(t, http.StatusBadRequest)
	s, _ := res.json(t)["scimType"].(string)
	return s
}

// TestCursorWalkSeesEveryUnchangedUserOnce walks /Users with RFC 9865
// cursors, 20 at a time, while after every page a user not yet seen is
// deleted, one already seen is deleted (on a store that seeks: on the app
// store every later offset would move) and a user is created: every user
// that was neither deleted nor created during the walk is seen exactly
// once, no user twice, and the last page has no nextCursor.
func TestCursorWalkSeesEveryUnchangedUserOnce(t *testing.T) {
	for _, ws := range walkStores {
		t.Run(ws.name, func(t *testing.T) {
			st := ws.open(t)
			h := newHarness(t, func(c *scim.Config) { c.Store = st })
			initial := seedUsers(t, st, 150)
			ctx := store.WithTenant(context.Background(), "tenant-a")
			seen := map[string]int{}
			deleted := map[string]bool{}
			q := "/scim/v2/Users?attributes=userName&count=20&cursor"
			for page := 0; ; page++ {
				if page > 30 {
					t.Fatal("the walk does not end")
				}
				p := readPage(t, h.do("GET", q, ""))
				if page == 0 && (p.TotalResults == nil || *p.TotalResults != 150) {
					t.Errorf("first page totalResults = %v, want 150", p.TotalResults)
				}
				if page == 0 && p.PreviousCursor != nil {
					t.Error("the first page has a previousCursor")
				}
				if p.ItemsPerPage != len(p.Resources) || len(p.Resources) > 20 {
					t.Errorf("page %d: itemsPerPage %d, %d resources", page, p.ItemsPerPage, len(p.Resources))
				}
				for _, id := range p.ids() {
					seen[id]++
				}
				if p.NextCursor == nil {
					break
				}
				// Delete the last initial user not yet seen, and (where
				// positions make it safe) the first one seen; create one.
				for i := len(initial) - 1; i >= 0; i-- {
					if id := initial[i]; seen[id] == 0 && !deleted[id] {
						assert.NoError(t, st.DeleteUser(ctx, id, ""))
						deleted[id] = true
						break
					}
				}
				if ws.seeks {
					for _, id := range initial {
						if seen[id] > 0 && !deleted[id] {
							assert.NoError(t, st.DeleteUser(ctx, id, ""))
							deleted[id] = true
							break
						}
					}
				}
				h.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"userName":"new%d"}`, page)).expect(t, http.StatusCreated)
				q = "/scim/v2/Users?attributes=userName&count=20&cursor=" + *p.NextCursor
			}
			for _, id := range initial {
				switch {
				case seen[id] > 1:
					t.Errorf("%s seen %d times", id, seen[id])
				case seen[id] == 0 && !deleted[id]:
					t.Errorf("%s, never changed, was not seen", id)
				}
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("%s seen %d times", id, n)
				}
			}
		})
	}
}

// TestStartIndexWalkSeeks walks /Users as Okta and JumpCloud do
// (startIndex=1, 21, 41, ... count=20). Without changes the pages are
// those of a server that has never seen the walk (a miss of the seek
// cache pages by offset). On a store that seeks, a user deleted before
// the walk's position makes no unchanged user be skipped, which paging
// by offset would.
func TestStartIndexWalkSeeks(t *testing.T) {
	for _, ws := range walkStores {
		if !ws.seeks {
			continue
		}
		t.Run(ws.name, func(t *testing.T) {
			st := ws.open(t)
			h := newHarness(t, func(c *scim.Config) { c.Store = st })
			initial := seedUsers(t, st, 100)
			get := func(h *harness, start int) listPage {
				return readPage(t, h.do("GET", fmt.Sprintf("/scim/v2/Users?attributes=userName&startIndex=%d&count=20", start), ""))
			}
			// Unchanged: the walk's pages are the offsets' pages.
			for start := 1; start <= 101; start += 20 {
				p := get(h, start)
				cold := get(newHarness(t, func(c *scim.Config) { c.Store = st }), start)
				assert.Equal(t, p.ids(), cold.ids())
				assert.Equal(t, *p.TotalResults, 100)
			}
			ctx := store.WithTenant(context.Background(), "tenant-a")
			seen := map[string]int{}
			for start := 1; ; start += 20 {
				p := get(h, start)
				for _, id := range p.ids() {
					seen[id]++
				}
				if len(p.Resources) < 20 {
					break
				}
				// Delete a user this walk has seen: every later offset
				// moves by one.
				assert.NoError(t, st.DeleteUser(ctx, p.ids()[0], ""))
			}
			for _, id := range initial {
				if seen[id] != 1 {
					t.Errorf("%s seen %d times", id, seen[id])
				}
			}
		})
	}
}

// TestPreviousCursorGoesBack follows nextCursor twice and previousCursor
// back on every store.
func TestPreviousCursorGoesBack(t *testing.T) {
	for _, ws := range walkStores {
		t.Run(ws.name, func(t *testing.T) {
			st := ws.open(t)
			h := newHarness(t, func(c *scim.Config) { c.Store = st })
			ids := seedUsers(t, st, 25)
			base := "/scim/v2/Users?count=10&cursor="
			p1 := readPage(t, h.do("GET", base, ""))
			p2 := readPage(t, h.do("GET", base+*p1.NextCursor, ""))
			p3 := readPage(t, h.do("GET", base+*p2.NextCursor, ""))
			assert.Equal(t, p1.ids(), ids[:10])
			assert.Equal(t, p2.ids(), ids[10:20])
			assert.Equal(t, p3.ids(), ids[20:])
			if p3.NextCursor != nil {
				t.Errorf("the last page has nextCursor %q", *p3.NextCursor)
			}
			back := readPage(t, h.do("GET", base+*p3.PreviousCursor, ""))
			assert.Equal(t, back.ids(), ids[10:20])
			first := readPage(t, h.do("GET", base+*back.PreviousCursor, ""))
			assert.Equal(t, first.ids(), ids[:10])
			if first.PreviousCursor != nil {
				t.Error("the first page, reached backwards, has a previousCursor")
			}
			again := readPage(t, h.do("GET", base+*first.NextCursor, ""))
			assert.Equal(t, again.ids(), ids[10:20])
			for _, p := range []listPage{p1, p2, p3, back, first} {
				if p.TotalResults == nil || *p.TotalResults != 25 {
					t.Errorf("totalResults = %v, want 25", p.TotalResults)
				}
			}
		})
	}
}

// TestCursorErrors: whatever a client sends as a cursor that this server
// did not issue for this tenant and query is 400 invalidCursor, an old one
// 400 expiredCursor, and a count that is not an integer or changes during
// the walk 400 invalidCount (RFC 9865 §2.1); never a 5xx.
func TestCursorErrors(t *testing.T) {
	clk := testclock.New(testNow)
	h := newHarness(t, func(c *scim.Config) { c.Clock = clk.Now; c.CursorTimeout = 10 * time.Minute })
	seedUsers(t, h.store, 5)
	p := readPage(t, h.do("GET", "/scim/v2/Users?count=2&cursor", ""))
	next := *p.NextCursor
	raw, err := base64.RawURLEncoding.DecodeString(next)
	assert.NoError(t, err)
	flipped := func(i int) string {
		b := slices.Clone(raw)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	other, err := scim.New(scim.Config{Store: h.store, Authenticate: func(r *http.Request) (context.Context, error) {
		return store.WithTenant(r.Context(), "tenant-a"), nil
	}, Clock: clk.Now})
	assert.NoError(t, err)
	otherPage := func() string {
		rec := newRecorderDo(other, "/Users?count=2&cursor")
		var lp listPage
		assert.NoError(t, json.Unmarshal(rec, &lp))
		return *lp.NextCursor
	}()
	for _, tc := range []struct {
		name, query string
		header      []string
		want        string
	}{
		{"garbage", "count=2&cursor=!!!", nil, "invalidCursor"},
		{"one character", "count=2&cursor=a", nil, "invalidCursor"},
		{"not base64url", "count=2&cursor=" + url.QueryEscape(base64.StdEncoding.EncodeToString(raw)), nil, "invalidCursor"},
		{"huge", "count=2&cursor=" + strings.Repeat("A", 100000), nil, "invalidCursor"},
		{"random bytes", "count=2&cursor=" + base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")), nil, "invalidCursor"},
		{"truncated", "count=2&cursor=" + next[:len(next)-2], nil, "invalidCursor"},
		{"content changed", "count=2&cursor=" + flipped(3), nil, "invalidCursor"},
		{"mac changed", "count=2&cursor=" + flipped(len(raw)-1), nil, "invalidCursor"},
		{"another tenant", "count=2&cursor=" + next, []string{"Authorization: Bearer other-token"}, "invalidCursor"},
		{"another filter", "count=2&filter=userName+pr&cursor=" + next, nil, "invalidCursor"},
		{"another sort", "count=2&sortBy=userName&cursor=" + next, nil, "invalidCursor"},
		{"another endpoint", "count=2&cursor=" + next, nil, "invalidCursor"}, // sent to /Groups below
		{"another server's key", "count=2&cursor=" + otherPage, nil, "invalidCursor"},
		{"count changed", "count=3&cursor=" + next, nil, "invalidCount"},
		{"count not an integer", "count=abc&cursor", nil, "invalidCount"},
		{"count not an integer later", "count=2.5&cursor=" + next, nil, "invalidCount"},
	} {
		path := "/scim/v2/Users?"
		if tc.name == "another endpoint" {
			path = "/scim/v2/Groups?"
		}
		if got := errType(t, h.do("GET", path+tc.query, "", tc.header...)); got != tc.want {
			t.Errorf("%s: scimType %q, want %q", tc.name, got, tc.want)
		}
	}
	// The same cursor in a SearchRequest body.
	body := func(cursor string, count int) string {
		return fmt.Sprintf(`{"schemas":["%s"],"cursor":%q,"count":%d}`, scim.SearchRequestSchema, cursor, count)
	}
	if got := errType(t, h.do("POST", "/scim/v2/Users/.search", body(flipped(3), 2))); got != "invalidCursor" {
		t.Errorf(".search with a changed cursor: %q", got)
	}
	viaSearch := readPage(t, h.do("POST", "/scim/v2/Users/.search", body(next, 2)))
	assert.Equal(t, viaSearch.ids(), []string{"u002", "u003"})

	// Valid up to the timeout, expired after it.
	clk.Add(10 * time.Minute)
	readPage(t, h.do("GET", "/scim/v2/Users?count=2&cursor="+next, ""))
	clk.Add(time.Second)
	if got := errType(t, h.do("GET", "/scim/v2/Users?count=2&cursor="+next, "")); got != "expiredCursor" {
		t.Errorf("expired: scimType %q", got)
	}
	// A forged cursor that is also old is invalid, not expired.
	if got := errType(t, h.do("GET", "/scim/v2/Users?count=2&cursor="+flipped(3), "")); got != "invalidCursor" {
		t.Errorf("expired and changed: scimType %q", got)
	}

	// RFC 9865 Table 1: a negative count is 0, which returns totalResults
	// only, and a count over maxPageSize returns at most maxPageSize.
	zero := readPage(t, h.do("GET", "/scim/v2/Users?count=-1&cursor", ""))
	if zero.TotalResults == nil || *zero.TotalResults != 5 || len(zero.Resources) != 0 || zero.NextCursor != nil {
		t.Errorf("count=-1: %+v", zero)
	}
}

// newRecorderDo sends GET path to h and returns the body.
func newRecorderDo(h http.Handler, path string) []byte {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://scim.example.com"+path, nil))
	return rec.Body.Bytes()
}

// TestPaginationIsAdvertisedTruthfully reads the pagination block of
// /ServiceProviderConfig and checks each value against what the server
// does.
func TestPaginationIsAdvertisedTruthfully(t *testing.T) {
	clk := testclock.New(testNow)
	h := newHarness(t, func(c *scim.Config) { c.MaxResults = 7; c.CursorTimeout = 90 * time.Second; c.Clock = clk.Now })
	seedUsers(t, h.store, 10)
	var spc struct {
		Pagination struct {
			Cursor, Index           bool
			DefaultPaginationMethod string
			DefaultPageSize         int
			MaxPageSize             int
			CursorTimeout           int
		}
	}
	assert.NoError(t, json.Unmarshal(h.do("GET", "/scim/v2/ServiceProviderConfig", "").expect(t, http.StatusOK).body, &spc))
	pg := spc.Pagination
	assert.Equal(t, pg.Cursor, true)
	assert.Equal(t, pg.Index, true)
	assert.Equal(t, pg.DefaultPaginationMethod, "index")
	assert.Equal(t, pg.DefaultPageSize, 7)
	assert.Equal(t, pg.MaxPageSize, 7)
	assert.Equal(t, pg.CursorTimeout, 90)

	// index: a request naming no method is paged by index.
	def := readPage(t, h.do("GET", "/scim/v2/Users", ""))
	if def.StartIndex == nil || *def.StartIndex != 1 || def.NextCursor != nil || len(def.Resources) != pg.DefaultPageSize {
		t.Errorf("default page: %+v", def)
	}
	byIndex := readPage(t, h.do("GET", "/scim/v2/Users?startIndex=8&count=100", ""))
	assert.Equal(t, byIndex.ids(), []string{"u007", "u008", "u009"})
	// cursor, maxPageSize.
	c1 := readPage(t, h.do("GET", "/scim/v2/Users?cursor&count=100", ""))
	assert.Equal(t, len(c1.Resources), pg.MaxPageSize)
	// cursorTimeout.
	clk.Add(time.Duration(pg.CursorTimeout) * time.Second)
	c2 := readPage(t, h.do("GET", "/scim/v2/Users?count=100&cursor="+*c1.NextCursor, ""))
	assert.Equal(t, c2.ids(), []string{"u007", "u008", "u009"})
	clk.Add(time.Duration(pg.CursorTimeout)*time.Second + time.Second)
	if got := errType(t, h.do("GET", "/scim/v2/Users?count=100&cursor="+*c2.PreviousCursor, "")); got != "expiredCursor" {
		t.Errorf("after cursorTimeout: %q", got)
	}
}

// TestRootSearchCursorWalk walks POST /.search (users, then groups) with
// cursors.
func TestRootSearchCursorWalk(t *testing.T) {
	h := newHarness(t, nil)
	for i := range 3 {
		h.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"userName":"u%d"}`, i)).expect(t, http.StatusCreated)
		h.do("POST", "/scim/v2/Groups", fmt.Sprintf(`{"displayName":"g%d"}`, i)).expect(t, http.StatusCreated)
	}
	var names []string
	cursor := ""
	for range 10 {
		p := readPage(t, h.do("POST", "/scim/v2/.search", fmt.Sprintf(`{"cursor":%q,"count":4}`, cursor)))
		for _, r := range p.Resources {
			names = append(names, r.UserName+r.DisplayName)
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	assert.Equal(t, names, []string{"u0", "u1", "u2", "g0", "g1", "g2"})
}

// inTx is a store that can group writes in one transaction
// (sqlstore.Store.InTx).
type inTx interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// fillUsers creates n users in the tenant "" of st, in creation order, in
// transactions of 10,000 on a SQL store.
func fillUsers(b *testing.B, st store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 10_000 {
		batch := func(ctx context.Context) error {
			for i := start; i < min(start+10_000, n); i++ {
				u := &resource.User{ID: fmt.Sprintf("u%07d", i), UserName: fmt.Sprintf("user%07d@example.com", i), DisplayName: "User",
					Meta: resource.Meta{Created: testNow.Add(time.Duration(i) * time.Millisecond)}}
				if _, err := st.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		}
		var err error
		if tx, ok := st.(inTx); ok {
			err = tx.InTx(ctx, batch)
		} else {
			err = batch(ctx)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListWalk measures one page of 100 users at the start and at the
// end of a tenant of 100,000 users (and of 1,000,000 on every store with
// SCIM_BENCH_MILLION=1), through the handler, on each store, for the two
// ways an identity provider walks a list:
//
//   - startIndex: what Okta and JumpCloud send. "end-offset" is a page at
//     startIndex=n-99 that no earlier page led to (a miss of the seek
//     cache: the store skips n-100 matches); "end-seek" is the same page
//     right after the page before it (the seek cache's position).
//   - cursor: RFC 9865, the first page and the page after a nextCursor at
//     the end.
//   - cursor-sortBy-userName: the same under sortBy=userName (SQL stores:
//     pages seek on the userName index).
//
// Flat paging shows as start ≈ end-seek ≈ cursor end.
func BenchmarkListWalk(b *testing.B) {
	type storeCase struct {
		name string
		n    int
		open func(b *testing.B) store.Store
	}
	cases := []storeCase{
		{"memory", 100_000, func(b *testing.B) store.Store { return memory.New() }},
		{"SQLite", 100_000, func(b *testing.B) store.Store { return openSQLStore(b, sqliteTestDB(b), sqlstore.SQLite) }},
	}
	if os.Getenv("SCIM_TEST_POSTGRES_DSN") != "" {
		cases = append(cases, storeCase{"PostgreSQL", 100_000, func(b *testing.B) store.Store {
			return openSQLStore(b, postgresTestDB(b, postgresTestSchema(b)), sqlstore.Postgres)
		}})
	}
	if os.Getenv("SCIM_BENCH_MILLION") == "1" {
		cases = append(cases,
			storeCase{"memory_1M", 1_000_000, func(b *testing.B) store.Store { return memory.New() }},
			storeCase{"SQLite_1M", 1_000_000, func(b *testing.B) store.Store { return openSQLStore(b, sqliteTestDB(b), sqlstore.SQLite) }})
		if os.Getenv("SCIM_TEST_POSTGRES_DSN") != "" {
			cases = append(cases, storeCase{"PostgreSQL_1M", 1_000_000, func(b *testing.B) store.Store {
				return openSQLStore(b, postgresTestDB(b, postgresTestSchema(b)), sqlstore.Postgres)
			}})
		}
	}
	for _, sc := range cases {
		b.Run(fmt.Sprintf("%s/users=%d", sc.name, sc.n), func(b *testing.B) {
			st := sc.open(b)
			fillUsers(b, st, sc.n)
			srv, err := scim.New(scim.Config{Store: st, Authenticate: scim.NoAuthentication})
			if err != nil {
				b.Fatal(err)
			}
			get := func(b *testing.B, target string) listPage {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
				}
				var p listPage
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
					b.Fatal(err)
				}
				return p
			}
			run := func(name, target string, before func(b *testing.B)) {
				b.Run(name, func(b *testing.B) {
					if before != nil {
						before(b)
					}
					req := httptest.NewRequest("GET", target, nil)
					for b.Loop() {
						rec := httptest.NewRecorder()
						srv.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: %d", target, rec.Code)
						}
					}
				})
			}
			last := sc.n - 99
			run("startIndex/start", "/Users?startIndex=1&count=100", nil)
			run("startIndex/end-offset", fmt.Sprintf("/Users?startIndex=%d&count=100", last), nil)
			run("startIndex/end-seek", fmt.Sprintf("/Users?startIndex=%d&count=100", last), func(b *testing.B) {
				get(b, fmt.Sprintf("/Users?startIndex=%d&count=100", last-100))
			})
			run("cursor/start", "/Users?count=100&cursor", nil)
			cur := endCursor(b, get, sc.n, "")
			run("cursor/end", "/Users?count=100&cursor="+cur, nil)
			if sc.name == "memory" {
				return // memory sorts in Go and pages a sortBy by index
			}
			run("cursor-sortBy-userName/start", "/Users?count=100&sortBy=userName&cursor", nil)
			cur = endCursor(b, get, sc.n, "&sortBy=userName")
			run("cursor-sortBy-userName/end", "/Users?count=100&sortBy=userName&cursor="+cur, nil)
		})
	}
}

// endCursor walks the tenant of n users by cursor, 100 at a time, and
// returns the nextCursor that leads to the page of the last 100 users.
func endCursor(b *testing.B, get func(*testing.B, string) listPage, n int, sort string) string {
	b.Helper()
	q := "/Users?count=100&attributes=id" + sort + "&cursor"
	for i := 0; ; i++ {
		p := get(b, q)
		if p.NextCursor == nil {
			b.Fatal("the walk ended before its last page")
		}
		if (i+2)*100 >= n {
			return *p.NextCursor
		}
		q = "/Users?count=100&attributes=id" + sort + "&cursor=" + *p.NextCursor
	}
}

// totalsStore is a seeking store that does not count when the page says
// NoTotal (as sqlstore does), and records which queries counted.
type totalsStore struct {
	*memory.Store
	counted []bool
}

func (c *totalsStore) QueryUsers(ctx context.Context, q store.Query) (store.UserList, error) {
	l, err := c.Store.QueryUsers(ctx, q)
	c.counted = append(c.counted, !q.NoTotal)
	if q.NoTotal {
		l.TotalResults = -1
	}
	return l, err
}

// TestStartIndexWalkCountsOnce: the pages of a startIndex walk that seek
// repeat the total the walk counted, for up to ten seconds, instead of
// counting every match again for each page (for an import walk, the
// whole tenant); a page after that counts again.
func TestStartIndexWalkCountsOnce(t *testing.T) {
	st := &totalsStore{Store: memory.New()}
	clk := testclock.New(testNow)
	h := newHarness(t, func(c *scim.Config) { c.Store, c.Clock = st, clk.Now })
	seedUsers(t, st, 100)
	get := func(start int) listPage {
		return readPage(t, h.do("GET", fmt.Sprintf("/scim/v2/Users?attributes=userName&startIndex=%d&count=20", start), ""))
	}
	for start := 1; start <= 81; start += 20 {
		assert.Equal(t, *get(start).TotalResults, 100)
	}
	assert.Equal(t, st.counted, []bool{true, false, false, false, false})

	// A user created during the walk: the next seek pages still say 100
	// until the carried count is ten seconds old.
	ctx := store.WithTenant(context.Background(), "tenant-a")
	if _, err := st.CreateUser(ctx, &resource.User{ID: "u100", UserName: "late@example.com"}); err != nil {
		t.Fatal(err)
	}
	st.counted = nil
	p := get(81) // seeks after page 61, carrying its total
	assert.Equal(t, *p.TotalResults, 100)
	clk.Add(11 * time.Second)
	p = get(101) // seeks after page 81, whose total is too old: counts
	assert.Equal(t, *p.TotalResults, 101)
	assert.Equal(t, p.ids(), []string{"u100"})
	assert.Equal(t, st.counted, []bool{false, true})
}
