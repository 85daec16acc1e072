package sqlstore_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestOutboxPagesPerCommit counts what the outbox adds to a write's
// commit on SQLite, where a commit's cost is the pages it appends to the
// write-ahead log (and, with the default synchronous=FULL, its fsync):
// WAL frames per ReplaceUser and CreateUser, without events and with one
// and two (Entra's deactivating PATCH has two). An event needs two pages,
// its row and its entry in the (tenant, seq) index After reads by, plus
// the occasional split of either (synchronous=OFF: the frames are the
// same, without waiting for the disk); a change that makes it need more
// fails.
func TestOutboxPagesPerCommit(t *testing.T) {
	frames := map[string][3]float64{}
	for nev := range 3 {
		path := filepath.Join(t.TempDir(), "pages.db")
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)&_pragma=synchronous(OFF)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		s, err := sqlstore.New(db, sqlstore.SQLite, sqlstore.WithOutbox())
		if err != nil {
			t.Fatal(err)
		}
		base := store.WithTenant(context.Background(), "tenant-a")
		for i := range 200 {
			if _, err := s.CreateUser(base, benchUser("x"+strconv.Itoa(i))); err != nil {
				t.Fatal(err)
			}
		}
		u := benchUser("r1")
		if _, err := s.CreateUser(base, u); err != nil {
			t.Fatal(err)
		}
		ctx := base
		if nev > 0 {
			data, _ := u.MarshalJSON()
			var evs []event.Event
			for range nev {
				evs = append(evs, event.Event{ID: event.NewID(), Tenant: "tenant-a", ResourceType: event.User, ResourceID: u.ID,
					Type: event.UserUpdated, Request: "req", Method: "PATCH", Profile: "entra", Attributes: []string{"displayName"}, Resource: data})
			}
			ctx = store.WithEvents(base, evs)
		}
		walSize := func() int64 {
			fi, err := os.Stat(path + "-wal")
			if err != nil {
				t.Fatal(err)
			}
			return fi.Size()
		}
		const n, frame = 200, 24 + 4096 // a WAL frame: its header and a page
		start := walSize()
		for v := 1; v <= n; v++ {
			u.DisplayName = "Barbara " + strconv.Itoa(v)
			if _, err := s.ReplaceUser(ctx, u, strconv.Itoa(v)); err != nil {
				t.Fatal(err)
			}
		}
		mid := walSize()
		for i := range n {
			if _, err := s.CreateUser(ctx, benchUser("c"+strconv.Itoa(i))); err != nil {
				t.Fatal(err)
			}
		}
		r, c := frames["ReplaceUser"], frames["CreateUser"]
		r[nev], c[nev] = float64(mid-start)/frame/n, float64(walSize()-mid)/frame/n
		frames["ReplaceUser"], frames["CreateUser"] = r, c
	}
	for op, f := range frames {
		t.Logf("%s: WAL frames per commit %.2f without events, %.2f with one, %.2f with two", op, f[0], f[1], f[2])
		if f[0] < 1 || f[1]-f[0] > 2.6 || f[2]-f[0] > 3.2 {
			t.Errorf("%s: the outbox adds %.2f frames per commit for one event and %.2f for two; want at most 2.6 and 3.2", op, f[1]-f[0], f[2]-f[0])
		}
	}
}
