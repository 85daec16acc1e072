package main

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scimkit/scim/internal/sqlspy"
)

// TestWriteOutboxOneInsert: a write's events go into app_events with one
// INSERT, on PostgreSQL the tenant's lock included, and their seq values
// follow their order.
func TestWriteOutboxOneInsert(t *testing.T) {
	for _, tdb := range eventStores {
		t.Run(tdb.name, func(t *testing.T) {
			spec := tdb.spec(t)
			db, log := openSpiedDB(t, spec)
			var rows []OutboxRow
			for i := range 3 {
				rows = append(rows, OutboxRow{ID: fmt.Sprintf("ev-%d", i), Tenant: "acme", ResourceType: "User",
					ResourceID: "u1", Type: "UserUpdated", Payload: []byte(fmt.Sprintf(`{"n":%d}`, i))})
			}
			stop := log.Record()
			if err := db.tx(t.Context(), func(tx *sql.Tx) error { return db.writeOutbox(t.Context(), tx, rows, "7") }); err != nil {
				t.Fatalf("writeOutbox: %v", err)
			}
			if stmts := slices.DeleteFunc(stop(), func(q string) bool { return q == "BEGIN" }); len(stmts) != 1 ||
				!strings.Contains(stmts[0], "INSERT INTO app_events") {
				t.Errorf("writeOutbox of 3 events sent %q, want one INSERT INTO app_events", stmts)
			}
			got, err := queryRows(t.Context(), db.sql, func(sc interface{ Scan(...any) error }) (s string, err error) {
				var id, version, payload string
				var created int64
				err = sc.Scan(&id, &version, &payload, &created)
				return id + " " + version + " " + payload + fmt.Sprint(created > 0), err
			}, `SELECT id, version, payload, created_at FROM app_events ORDER BY seq`)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{`ev-0 7 {"n":0}true`, `ev-1 7 {"n":1}true`, `ev-2 7 {"n":2}true`}
			if !slices.Equal(got, want) {
				t.Errorf("app_events in seq order: %q, want %q", got, want)
			}
		})
	}
}

// openSpiedDB is openTestDB whose statements go through a sqlspy log.
func openSpiedDB(t *testing.T, spec string) (*DB, *sqlspy.Log) {
	t.Helper()
	db := openTestDB(t, spec)
	_, dsn, _, err := dataSource(spec)
	if err != nil {
		t.Fatal(err)
	}
	log := &sqlspy.Log{}
	plain := db.sql
	db.sql = sqlspy.Open(plain.Driver(), dsn, log)
	plain.Close()
	return db, log
}
