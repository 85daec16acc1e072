package sqlstore_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/internal/testclock"
	"github.com/scimkit/scim/store/sqlstore"
)

// cursorPos is the position of an outbox cursor (epoch.pos).
func cursorPos(tb testing.TB, cursor string) int {
	tb.Helper()
	_, num, _ := strings.Cut(cursor, ".")
	n, err := strconv.Atoi(num)
	if err != nil {
		tb.Fatalf("cursor %q: %v", cursor, err)
	}
	return n
}

// TestOutboxPositionsAfterRetentionEmptied: retention removes every
// event, and the next events are positioned after the removed ones, also
// for a store opened afresh, so that a cursor from before is neither
// refused nor skips them.
func TestOutboxPositionsAfterRetentionEmptied(t *testing.T) {
	outboxDBs(t, func(t *testing.T, db outboxDB) {
		clk := testclock.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
		s := db.store(t, sqlstore.WithClock(clk.Now), sqlstore.WithOutboxRetention(time.Hour))
		ctx := context.Background()
		writeUsers(t, s, "tenant-a", "old-", 3)
		_, cursor, err := s.Outbox().After(ctx, "tenant-a", "", 100)
		assert.NoError(t, err)
		if pos := cursorPos(t, cursor); pos != 3 {
			t.Fatalf("cursor after 3 events: %q, want position 3", cursor)
		}
		clk.Add(2 * time.Hour)
		assert.NoError(t, s.Outbox().Prune(ctx))
		if n := outboxCount(t, s); n != 0 {
			t.Fatalf("after Prune the outbox holds %d events, want 0", n)
		}
		again := db.store(t, sqlstore.WithClock(clk.Now), sqlstore.WithOutboxRetention(time.Hour))
		newer := writeUsers(t, again, "tenant-a", "new-", 2)
		evs, next, err := again.Outbox().After(ctx, "tenant-a", cursor, 100)
		assert.NoError(t, err)
		assert.Equal(t, evs, newer, cmpopts.EquateEmpty())
		if pos := cursorPos(t, next); pos != 5 {
			t.Errorf("cursor after 5 events: %q, want position 5", next)
		}
	})
}

// TestMigrateOutboxSeq: migration 0010 takes AUTOINCREMENT off SQLite's
// scim_outbox and keeps the events and the positions given so far, also
// those of events retention removed.
func TestMigrateOutboxSeq(t *testing.T) {
	path := t.TempDir() + "/scim.db"
	db := outboxDB{sqlstore.SQLite, path}
	s := db.store(t)
	exec := func(q string) {
		t.Helper()
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// The outbox as migration 0007 left it: 7 events given, 5 removed.
	exec("DROP TABLE scim_outbox")
	exec("CREATE TABLE scim_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant text NOT NULL, data text NOT NULL, written text NOT NULL)")
	exec("CREATE INDEX scim_outbox_tenant ON scim_outbox (tenant, seq)")
	exec("UPDATE scim_outbox_state SET last_pos = 0")
	// Only 0010 runs again: the later migrations are not undone here.
	exec("DELETE FROM scim_schema_migrations WHERE version = 10")
	old := writeUsers(t, s, "tenant-a", "old-", 7)
	exec("DELETE FROM scim_outbox WHERE seq <= 5")
	var auto string
	if err := s.DB().QueryRow("SELECT sql FROM sqlite_schema WHERE name = 'scim_outbox'").Scan(&auto); err != nil || !strings.Contains(auto, "AUTOINCREMENT") {
		t.Fatalf("the old table: %q, %v", auto, err)
	}

	s = db.store(t) // migrates
	var def string
	if err := s.DB().QueryRow("SELECT sql FROM sqlite_schema WHERE name = 'scim_outbox'").Scan(&def); err != nil || strings.Contains(def, "AUTOINCREMENT") {
		t.Fatalf("after migration 0010: %q, %v", def, err)
	}
	evs, _, err := s.Outbox().After(context.Background(), "tenant-a", "", 100)
	assert.NoError(t, err)
	assert.Equal(t, evs, old[5:], cmpopts.EquateEmpty())
	exec("DELETE FROM scim_outbox") // as retention would
	writeUsers(t, s, "tenant-a", "new-", 1)
	var seq int
	if err := s.DB().QueryRow("SELECT seq FROM scim_outbox").Scan(&seq); err != nil || seq != 8 {
		t.Errorf("the next event's seq: %d, %v; want 8", seq, err)
	}
}
