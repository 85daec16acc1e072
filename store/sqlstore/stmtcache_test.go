package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// TestStatementCache runs the store's writes and reads repeatedly on
// SQLite through a pool of one connection, the configuration in which
// preparing inside a transaction would wait forever for a second
// connection: each call must finish (within a deadline standing in for
// "does not hang"), give the same answers as the first time, and the
// repeated statements must end up prepared.
func TestStatementCache(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "scim.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	s, err := New(db, SQLite, WithOutbox())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		ctx, cancel := context.WithTimeout(store.WithTenant(context.Background(), "t"), 20*time.Second)
		id := fmt.Sprint("u", i)
		u, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id + "@example.com", Active: new(bool)})
		if err != nil {
			t.Fatalf("round %d: CreateUser: %v", i, err)
		}
		u.DisplayName = "Round " + fmt.Sprint(i)
		if u, err = s.ReplaceUser(ctx, u, u.Meta.Version); err != nil {
			t.Fatalf("round %d: ReplaceUser: %v", i, err)
		}
		got, err := s.GetUser(ctx, id)
		if err != nil || got.DisplayName != u.DisplayName || got.Meta.Version != u.Meta.Version {
			t.Fatalf("round %d: GetUser = %+v, %v; want %q version %s", i, got, err, u.DisplayName, u.Meta.Version)
		}
		f, err := filter.Parse(`userName eq "` + id + `@example.com"`)
		if err != nil {
			t.Fatal(err)
		}
		rt := resource.DefaultRegistry().User
		list, err := s.QueryUsers(ctx, store.Query{ResourceType: rt, Filter: f, Page: store.Page{StartIndex: 1, Count: 10}})
		if err != nil || list.TotalResults != 1 || len(list.Resources) != 1 || list.Resources[0].ID != id {
			t.Fatalf("round %d: QueryUsers = %+v, %v", i, list, err)
		}
		g, err := s.CreateGroup(ctx, &resource.Group{ID: "g" + id, DisplayName: "Group " + id, Members: []resource.Member{{Value: id}}})
		if err != nil || len(g.Members) != 1 {
			t.Fatalf("round %d: CreateGroup = %+v, %v", i, g, err)
		}
		if err := s.DeleteUser(ctx, id, ""); err != nil {
			t.Fatalf("round %d: DeleteUser: %v", i, err)
		}
		if _, err := s.GetUser(ctx, id); err == nil {
			t.Fatalf("round %d: GetUser after delete: no error", i)
		}
		cancel()
	}
	s.stmts.mu.Lock()
	n := len(s.stmts.stmts)
	s.stmts.mu.Unlock()
	if n < 8 {
		t.Errorf("%d statements prepared after four rounds of the same calls, want at least 8", n)
	}
}

// TestStatementCacheBounded: a flood of distinct statements fills the
// cache to its bound and no further, and a statement seen once is not
// prepared.
func TestStatementCacheBounded(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "scim.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := newStmtCache(db)
	q := dbQuerier{db: db, c: c}
	ctx := context.Background()
	var one int
	if err := q.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatal(one, err)
	}
	if len(c.stmts) != 0 {
		t.Fatalf("a statement seen once was prepared")
	}
	for i := range maxStmts + 10 {
		for range 2 {
			var n int
			if err := q.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&n); err != nil || n != i {
				t.Fatalf("SELECT %d = %d, %v", i, n, err)
			}
		}
	}
	if len(c.stmts) != maxStmts {
		t.Errorf("%d statements prepared, want the bound %d", len(c.stmts), maxStmts)
	}
}
