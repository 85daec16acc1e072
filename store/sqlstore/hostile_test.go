package sqlstore_test

import (
	"github.com/scimkit/scim/internal/pgtest"
	"os"
	"testing"

	"github.com/scimkit/scim/scimtest"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// hostilePeers are the library's stores behind a scim.Server each: memory,
// SQLite and, when SCIM_TEST_POSTGRES_DSN is set (CI sets it), PostgreSQL.
func hostilePeers(f *testing.F) []scimtest.Peer {
	f.Helper()
	stores := []struct {
		name string
		st   store.Store
	}{
		{"memory", memory.New()},
		{"SQLite", newStore(f, sqliteDB(f), sqlstore.SQLite)},
	}
	if os.Getenv(pgtest.EnvDSN) != "" || os.Getenv("CI") == "true" {
		stores = append(stores, struct {
			name string
			st   store.Store
		}{"Postgres", newStore(f, openPostgres(f, postgresSchema(f)), sqlstore.Postgres)})
	}
	var peers []scimtest.Peer
	for _, s := range stores {
		p, err := scimtest.StorePeer(s.name, s.st)
		if err != nil {
			f.Fatal(err)
		}
		peers = append(peers, p)
	}
	return peers
}

// FuzzHostile replays hostile requests (scimtest.HostileSeeds, then what
// the fuzzer derives from them) on every store: none may answer 5xx, and
// all must answer the same status.
func FuzzHostile(f *testing.F) {
	scimtest.FuzzHostile(f, hostilePeers(f))
}
