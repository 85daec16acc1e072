package main

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/internal/sqlspy"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// txHandlerFunc is a txHandler for the tests: f applies an event in tx,
// or in a transaction of its own when tx is nil.
type txHandlerFunc struct {
	db *DB
	f  func(ctx context.Context, tx *sql.Tx, e event.Event) error
}

func (h txHandlerFunc) Handle(ctx context.Context, e event.Event) error {
	return h.db.tx(ctx, func(tx *sql.Tx) error { return h.f(ctx, tx, e) })
}

func (h txHandlerFunc) HandleTx(ctx context.Context, tx *sql.Tx, e event.Event) error {
	return h.f(ctx, tx, e)
}

// TestDrainBatchInOneTransaction: when every handler can apply an event
// in the drainer's transaction, a batch's effects and its delivered-mark
// commit in one transaction. A handler failing in the batch rolls all of
// it back; the events before the failing one are then delivered one by
// one, as without batching, and the drain stops at it.
func TestDrainBatchInOneTransaction(t *testing.T) {
	for _, tdb := range eventStores {
		t.Run(tdb.name, func(t *testing.T) {
			spec := tdb.spec(t)
			db, log := openSpiedDB(t, spec)
			testDrainBatch(t, db, log)
		})
	}
}

func testDrainBatch(t *testing.T, db *DB, log *sqlspy.Log) {
	s := NewSCIMStore(db)
	write := func(id string) {
		ctx := store.WithTenant(t.Context(), "acme")
		ctx = store.WithEvents(ctx, []event.Event{{ID: "ev-" + id, Tenant: "acme", ResourceType: event.User,
			ResourceID: id, Type: event.UserCreated}})
		if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id + "@example.com"}); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
	}
	failOn := ""
	h := txHandlerFunc{db: db, f: func(ctx context.Context, tx *sql.Tx, e event.Event) error {
		if e.ResourceID == failOn {
			return errors.New("refused")
		}
		return db.addNotice(ctx, tx, e.ID, e.Tenant, e.ResourceID, "hello "+e.ResourceID)
	}}
	d := NewDrainer(db, slog.New(slog.DiscardHandler), h)
	noticed := func() (got []string) {
		for _, id := range []string{"u1", "u2", "u3", "u4", "u5"} {
			if ns, err := db.Notices(t.Context(), "acme", id); err != nil {
				t.Fatal(err)
			} else if len(ns) > 0 {
				got = append(got, id)
			}
		}
		return got
	}

	for _, id := range []string{"u1", "u2", "u3"} {
		write(id)
	}
	if _, err := d.acquire(t.Context()); err != nil { // the lease's write is not the batch's
		t.Fatal(err)
	}
	stop := log.Record()
	if n, err := d.Drain(t.Context()); err != nil || n != 3 {
		t.Fatalf("Drain: %d, %v; want 3", n, err)
	}
	if stmts := stop(); countOf(stmts, "BEGIN") != 1 {
		t.Errorf("a batch of 3 ran %d transactions, want 1:\n%q", countOf(stmts, "BEGIN"), stmts)
	}
	if got := noticed(); !slices.Equal(got, []string{"u1", "u2", "u3"}) {
		t.Errorf("noticed %v, want u1 u2 u3", got)
	}

	write("u4")
	write("u5")
	failOn = "u5"
	if n, err := d.Drain(t.Context()); err == nil || n != 1 {
		t.Fatalf("Drain with u5 refused: %d, %v; want 1 and an error", n, err)
	}
	if got := noticed(); !slices.Equal(got, []string{"u1", "u2", "u3", "u4"}) {
		t.Errorf("noticed %v after u5 was refused, want u1 to u4", got)
	}
	failOn = ""
	if n, err := d.Drain(t.Context()); err != nil || n != 1 {
		t.Fatalf("Drain after u5 is accepted: %d, %v; want 1", n, err)
	}
	if got := noticed(); len(got) != 5 {
		t.Errorf("noticed %v, want all 5", got)
	}
}

func countOf(ss []string, s string) (n int) {
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}
