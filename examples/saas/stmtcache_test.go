package main

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
)

// TestStmtCache: on SQLite a connection prepares a text on its second
// sighting and reuses it; a text whose rows are still open runs as text
// when it is sent again meanwhile (both reads see their own rows); and a
// connection keeps at most maxConnStmts statements.
func TestStmtCache(t *testing.T) {
	ctx := t.Context()
	db, err := OpenDB(ctx, "memory", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cached := func() (n int, has func(string) bool) {
		conn.Raw(func(dc any) error {
			c := dc.(*stmtCacheConn)
			n = len(c.stmts)
			has = func(q string) bool { return c.stmts[q] != nil }
			return nil
		})
		return n, has
	}
	const q = `SELECT value FROM json_each(?) ORDER BY key`
	read := func(rows *sql.Rows) (got []int) {
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	for i := range 3 {
		rows, err := conn.QueryContext(ctx, q, "[1,2]")
		if err != nil {
			t.Fatal(err)
		}
		if got := read(rows); fmt.Sprint(got) != "[1 2]" {
			t.Fatalf("read %d: %v, want [1 2]", i, got)
		}
		rows.Close()
		if _, has := cached(); has(q) != (i >= 1) {
			t.Fatalf("after read %d: cached %v, want %v", i, has(q), i >= 1)
		}
	}

	outer, err := conn.QueryContext(ctx, q, "[1,2]")
	if err != nil {
		t.Fatal(err)
	}
	if !outer.Next() {
		t.Fatal("no first row")
	}
	inner, err := conn.QueryContext(ctx, q, "[7,8,9]")
	if err != nil {
		t.Fatal(err)
	}
	if got := read(inner); fmt.Sprint(got) != "[7 8 9]" {
		t.Errorf("inner read: %v, want [7 8 9]", got)
	}
	inner.Close()
	if got := read(outer); fmt.Sprint(got) != "[2]" {
		t.Errorf("rest of the outer read: %v, want [2]", got)
	}
	outer.Close()

	for i := range 2 * maxConnStmts {
		for range 2 {
			if _, err := conn.ExecContext(context.Background(), fmt.Sprintf(`SELECT %d`, i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, has := cached(); n != maxConnStmts || !has(q) {
		t.Errorf("after %d texts: %d statements cached (the first kept: %v), want %d", 2*maxConnStmts, n, has(q), maxConnStmts)
	}
}
