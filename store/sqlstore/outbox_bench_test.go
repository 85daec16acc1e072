package sqlstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/sqlstore"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// BenchmarkOutboxWrite measures the write path with and without change
// events in the context: CreateUser (one user.created event with the
// user's JSON form) and ReplaceUser (one user.updated event). The outbox
// adds one INSERT to the write's transaction; the bar is at most 20%.
// The event is built once, outside the loop: this is the store's part
// (encoding and inserting it), not the handler's (event.UserEvents).
func BenchmarkOutboxWrite(b *testing.B) {
	for _, d := range outboxBenchDialects {
		for _, withEvents := range []bool{false, true} {
			name := d.name + "/events=" + strconv.FormatBool(withEvents)
			b.Run("CreateUser/"+name, func(b *testing.B) {
				if d.name == "Postgres" {
					postgresDSN(b)
				}
				s := d.new(b)
				ctx := benchCtx(withEvents, event.UserCreated, benchUser("c0"))
				i := 0
				for b.Loop() {
					i++
					u := benchUser("c" + strconv.Itoa(i))
					if _, err := s.CreateUser(ctx, u); err != nil {
						b.Fatalf("CreateUser: %v", err)
					}
				}
			})
			b.Run("ReplaceUser/"+name, func(b *testing.B) {
				if d.name == "Postgres" {
					postgresDSN(b)
				}
				s := d.new(b)
				u := benchUser("r1")
				if _, err := s.CreateUser(store.WithTenant(context.Background(), "tenant-a"), u); err != nil {
					b.Fatalf("CreateUser: %v", err)
				}
				ctx := benchCtx(withEvents, event.UserUpdated, u)
				v := 1
				for b.Loop() {
					u.DisplayName = "Barbara " + strconv.Itoa(v)
					if _, err := s.ReplaceUser(ctx, u, strconv.Itoa(v)); err != nil {
						b.Fatalf("ReplaceUser: %v", err)
					}
					v++
				}
			})
		}
	}
}

// outboxBenchDialects are the stores of the outbox benchmarks: the
// test dialects, and SQLite with synchronous=NORMAL, the setting SQLite's
// documentation suggests with WAL (a commit waits for no fsync; one lost to
// a power cut is lost whole, change and events together), under which
// the commit's cost is the pages it writes rather than the disk's flush.
var outboxBenchDialects = append(dialects[:len(dialects):len(dialects)], struct {
	name string
	new  func(tb testing.TB) *sqlstore.Store
}{"SQLiteNormal", func(tb testing.TB) *sqlstore.Store {
	return newStore(tb, sqliteDBWith(tb, "&_pragma=synchronous(NORMAL)"), sqlstore.SQLite)
}})

func benchUser(id string) *resource.User {
	return &resource.User{ID: id, UserName: id + "@example.com", ExternalID: "ext-" + id, DisplayName: "Barbara Jensen",
		Name:   &resource.Name{GivenName: "Barbara", FamilyName: "Jensen"},
		Emails: []resource.MultiValue{{Value: id + "@example.com", Type: "work", Primary: new(bool)}}}
}

// benchCtx is the context of a write of u, with the event the handler
// would build when withEvents (including the user's JSON form).
func benchCtx(withEvents bool, typ event.Type, u *resource.User) context.Context {
	ctx := store.WithTenant(context.Background(), "tenant-a")
	if !withEvents {
		return ctx
	}
	data, _ := u.MarshalJSON()
	e := event.Event{ID: event.NewID(), Tenant: "tenant-a", ResourceType: event.User, ResourceID: u.ID, ExternalID: u.ExternalID,
		Type: typ, Request: "req", Method: "PUT", Profile: "entra", Attributes: []string{"displayName"}, Resource: data}
	return store.WithEvents(ctx, []event.Event{e})
}

// BenchmarkOutboxEntraPatch is the write path as an identity provider
// sees it: Entra's user PATCH through the handler (read, apply, build the
// change events, write) on a store without the outbox ("off"), without it
// but with the events built for a no-op Config.Events ("events-only": the
// handler's part) and with it ("outbox"), whose ratio to "off" is what the
// outbox adds to a request (the bar is at most 20%).
func BenchmarkOutboxEntraPatch(b *testing.B) {
	for _, d := range outboxBenchDialects {
		for _, mode := range []string{"off", "events-only", "outbox"} {
			outbox := mode == "outbox"
			b.Run(d.name+"/"+mode, func(b *testing.B) {
				if d.name == "Postgres" {
					postgresDSN(b)
				}
				s := d.new(b) // migrated, with the outbox
				if !outbox {
					var err error // the same database, without the outbox
					if s, err = sqlstore.New(s.DB(), s.Dialect(), sqlstore.WithoutMigrate()); err != nil {
						b.Fatal(err)
					}
				}
				cfg := scim.Config{Store: s, Authenticate: scim.NoAuthentication}
				if mode == "events-only" { // the events built and handed to a no-op handler
					cfg.Events = event.HandlerFunc(func(context.Context, event.Event) error { return nil })
				}
				srv, err := scim.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.CreateUser(store.WithTenant(context.Background(), ""), benchUser("u")); err != nil {
					b.Fatal(err)
				}
				body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
	{"op":"Replace","path":"name.familyName","value":"Family%[1]d"},
	{"op":"Replace","path":"active","value":"%[2]s"}]}`
				bodies := [2]string{fmt.Sprintf(body, 0, "False"), fmt.Sprintf(body, 1, "True")}
				i := 0
				for b.Loop() {
					rec := httptest.NewRecorder()
					srv.ServeHTTP(rec, httptest.NewRequest("PATCH", "/Users/u", strings.NewReader(bodies[i%2])))
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
					i++
				}
			})
		}
	}
}
