package sqlstore_test

import (
	"github.com/scimkit/scim/event"
	"testing"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

// Compile-time checks of the optional interfaces.
var (
	_ store.Store              = (*sqlstore.Store)(nil)
	_ store.UserQuerier        = (*sqlstore.Store)(nil)
	_ store.GroupQuerier       = (*sqlstore.Store)(nil)
	_ store.GroupMemberPatcher = (*sqlstore.Store)(nil)
)

func TestStoretest(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "Postgres" {
				postgresDSN(t)
			}
			storetest.Run(t, func(t *testing.T) store.Store { return d.new(t) },
				storetest.WithEventSource(func(t *testing.T, s store.Store) event.Source { return s.(*sqlstore.Store).Outbox() }))
		})
	}
}
