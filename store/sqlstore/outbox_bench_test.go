package sqlstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/sqlstore"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// BenchmarkOutboxWrite measures the write path with and without change
// events in the context: CreateUser (one user.created event with the
// user's JSON form) and ReplaceUser (one user.updated event), on one
// database through two stores, one without the outbox ("off") and one
// with it ("outbox"), a write of each in turn (paired). The outbox adds
// one INSERT to the write's statement or transaction; the bar is at most
// 20% ("outbox/off"). The event is built once, outside the loop: this is
// the store's part (encoding and inserting it), not the handler's
// (event.UserEvents).
func BenchmarkOutboxWrite(b *testing.B) {
	for _, d := range outboxBenchDialects {
		b.Run("CreateUser/"+d.name, func(b *testing.B) {
			stores := outboxBenchStores(b, d)
			ctxs := []context.Context{benchCtx(false, event.UserCreated, benchUser("c0")), benchCtx(true, event.UserCreated, benchUser("c0"))}
			paired(b, []string{"off", "outbox"}, func(mode, i int) {
				u := benchUser("c" + strconv.Itoa(mode) + "-" + strconv.Itoa(i))
				if _, err := stores[mode].CreateUser(ctxs[mode], u); err != nil {
					b.Fatalf("CreateUser: %v", err)
				}
			})
		})
		b.Run("ReplaceUser/"+d.name, func(b *testing.B) {
			stores := outboxBenchStores(b, d)
			var users [2]*resource.User
			var ctxs [2]context.Context
			for mode, s := range stores {
				users[mode] = benchUser("r" + strconv.Itoa(mode))
				if _, err := s.CreateUser(store.WithTenant(context.Background(), "tenant-a"), users[mode]); err != nil {
					b.Fatalf("CreateUser: %v", err)
				}
				ctxs[mode] = benchCtx(mode == 1, event.UserUpdated, users[mode])
			}
			paired(b, []string{"off", "outbox"}, func(mode, i int) {
				u := users[mode]
				u.DisplayName = "Barbara " + strconv.Itoa(i+1)
				if _, err := stores[mode].ReplaceUser(ctxs[mode], u, strconv.Itoa(i+1)); err != nil {
					b.Fatalf("ReplaceUser: %v", err)
				}
			})
		})
	}
}

// outboxBenchStores returns two stores of one fresh database of d: the
// first without the outbox, the second with it.
func outboxBenchStores(b *testing.B, d outboxBenchDialect) [2]*sqlstore.Store {
	b.Helper()
	if d.name == "Postgres" {
		postgresDSN(b)
	}
	on := d.new(b) // migrated, with the outbox
	off, err := sqlstore.New(on.DB(), on.Dialect(), sqlstore.WithoutMigrate())
	if err != nil {
		b.Fatal(err)
	}
	return [2]*sqlstore.Store{off, on}
}

// paired runs op once for each of modes per iteration of b.Loop, in an
// order that rotates, so that whatever the machine does meanwhile (a
// checkpoint, another process, a slow fsync) falls on every mode alike.
// It reports each mode's median latency ("µs-<mode>") and, for each mode
// after the first, its median and its mean over the first's
// ("<mode>/<first>", "<mode>/<first>-mean": the mean counts the
// occasional page split and checkpoint a median leaves out). op gets the
// mode's index and the iteration's. ns/op is the time of one iteration:
// all the modes'.
func paired(b *testing.B, modes []string, op func(mode, i int)) {
	b.Helper()
	took := make([][]time.Duration, len(modes))
	i := 0
	for b.Loop() {
		for k := range modes {
			mode := (k + i) % len(modes)
			start := time.Now()
			op(mode, i)
			took[mode] = append(took[mode], time.Since(start))
		}
		i++
	}
	median, mean := make([]float64, len(modes)), make([]float64, len(modes))
	for mode, d := range took {
		var sum time.Duration
		for _, t := range d {
			sum += t
		}
		slices.Sort(d)
		median[mode] = float64(d[len(d)/2]) / float64(time.Microsecond)
		mean[mode] = float64(sum) / float64(len(d)) / float64(time.Microsecond)
		b.ReportMetric(median[mode], "µs-"+modes[mode])
	}
	for mode := 1; mode < len(modes); mode++ {
		b.ReportMetric(median[mode]/median[0], modes[mode]+"/"+modes[0])
		b.ReportMetric(mean[mode]/mean[0], modes[mode]+"/"+modes[0]+"-mean")
	}
}

// outboxBenchDialects are the stores of the outbox benchmarks: the
// test dialects, and SQLite with synchronous=NORMAL, the setting SQLite's
// documentation suggests with WAL (a commit waits for no fsync; one lost to
// a power cut is lost whole, change and events together), under which
// the commit's cost is the pages it writes rather than the disk's flush.
var outboxBenchDialects = append(dialects[:len(dialects):len(dialects)], outboxBenchDialect{"SQLiteNormal", func(tb testing.TB) *sqlstore.Store {
	return newStore(tb, sqliteDBWith(tb, "&_pragma=synchronous(NORMAL)"), sqlstore.SQLite)
}})

// outboxBenchDialect is an element of outboxBenchDialects (and dialects).
type outboxBenchDialect = struct {
	name string
	new  func(tb testing.TB) *sqlstore.Store
}

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
// change events, write), paired as BenchmarkOutboxWrite is, on one
// database through a store without the outbox ("off"), the same but with
// the events built for a no-op Config.Events ("events-only": the
// handler's part) and a store with it ("outbox"), whose ratio to "off"
// is what the outbox adds to a request (the bar is at most 20%).
func BenchmarkOutboxEntraPatch(b *testing.B) {
	for _, d := range outboxBenchDialects {
		b.Run(d.name, func(b *testing.B) {
			stores := outboxBenchStores(b, d)
			modes := []string{"off", "events-only", "outbox"}
			srvs := make([]http.Handler, len(modes))
			for mode, name := range modes {
				cfg := scim.Config{Store: stores[0], Authenticate: scim.NoAuthentication}
				switch name {
				case "events-only": // the events built and handed to a no-op handler
					cfg.Events = event.HandlerFunc(func(context.Context, event.Event) error { return nil })
				case "outbox":
					cfg.Store = stores[1]
				}
				srv, err := scim.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				srvs[mode] = srv
				if _, err := stores[0].CreateUser(store.WithTenant(context.Background(), ""), benchUser("u"+strconv.Itoa(mode))); err != nil {
					b.Fatal(err)
				}
			}
			body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
	{"op":"Replace","path":"name.familyName","value":"Family%[1]d"},
	{"op":"Replace","path":"active","value":"%[2]s"}]}`
			bodies := [2]string{fmt.Sprintf(body, 0, "False"), fmt.Sprintf(body, 1, "True")}
			paired(b, modes, func(mode, i int) {
				rec := httptest.NewRecorder()
				srvs[mode].ServeHTTP(rec, httptest.NewRequest("PATCH", "/Users/u"+strconv.Itoa(mode), strings.NewReader(bodies[i%2])))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			})
		})
	}
}
