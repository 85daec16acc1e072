package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// TestOutboxEventsOfOneWrite gives writes several events, as the handler
// does (Entra's PATCH of a name and active is user.updated and
// user.deactivated, sharing one Resource), and reads them back in their
// order, each with the version the write gave the resource and its
// Resource intact; a delete's event in a write that is not a delete keeps
// its own version. On PostgreSQL the events are inserted by the write's
// own statement; a write refused for its version inserts none.
func TestOutboxEventsOfOneWrite(t *testing.T) {
	outboxDBs(t, func(t *testing.T, db outboxDB) {
		s := db.store(t)
		tenant := store.WithTenant(context.Background(), "tenant-a")
		var want []event.Event
		write := func(version string, evs []event.Event, do func(ctx context.Context) error) error {
			t.Helper()
			if err := do(store.WithEvents(tenant, evs)); err != nil {
				return err
			}
			for _, e := range evs {
				e.Tenant = "tenant-a"
				if e.Type != event.UserDeleted && e.Type != event.GroupDeleted {
					e.Version = version
				}
				want = append(want, e)
			}
			return nil
		}
		ev := func(typ event.Type, id string, res json.RawMessage) event.Event {
			_, e := withEvent("tenant-a", typ, id)
			e.Resource = res
			return e
		}
		res := json.RawMessage(`{"id":"u1","userName":"alice","active":false}`)
		u, err := s.CreateUser(tenant, &resource.User{ID: "u1", UserName: "alice"})
		assert.NoError(t, err)
		odd := ev(event.UserDeleted, "u1", nil)
		odd.Version = "kept"
		assert.NoError(t, write("2", []event.Event{ev(event.UserUpdated, "u1", res), ev(event.UserDeactivated, "u1", res), odd},
			func(ctx context.Context) error {
				u.DisplayName = "Alice"
				_, err := s.ReplaceUser(ctx, u, "1")
				return err
			}))
		err = write("", []event.Event{ev(event.UserUpdated, "u1", res)}, func(ctx context.Context) error {
			_, err := s.ReplaceUser(ctx, u, "1") // stale: the version is 2
			return err
		})
		if !errors.Is(err, store.ErrPreconditionFailed) {
			t.Fatalf("ReplaceUser with a stale version: %v, want ErrPreconditionFailed", err)
		}
		assert.NoError(t, write("1", []event.Event{ev(event.GroupCreated, "g1", json.RawMessage(`{"id":"g1"}`)),
			ev(event.MembersAdded, "g1", nil)}, func(ctx context.Context) error {
			_, err := s.CreateGroup(ctx, &resource.Group{ID: "g1", DisplayName: "Eng", Members: []resource.Member{{Value: "u1"}}})
			return err
		}))
		assert.NoError(t, write("2", []event.Event{ev(event.MembersRemoved, "g1", nil), ev(event.MembersAdded, "g1", nil)},
			func(ctx context.Context) error {
				_, err := s.PatchMembers(ctx, "g1", []resource.Member{{Value: "u1"}}, []string{"u1"}, "1")
				return err
			}))
		assert.NoError(t, write("", []event.Event{ev(event.UserDeleted, "u1", nil)}, func(ctx context.Context) error {
			return s.DeleteUser(ctx, "u1", "2")
		}))
		assert.Equal(t, all(t, s.Outbox(), "tenant-a"), want, cmpopts.EquateEmpty())
	})
}
