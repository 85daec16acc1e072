package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/store"
)

// Option configures [Run].
type Option func(*config)

type config struct {
	events func(t *testing.T, s store.Store) event.Source
}

// WithEventSource tells Run how to read what a store.EventWriter recorded:
// source returns the event.Source that serves the change events written by
// s, a store newStore returned (for the memory store, its Events log; for
// an outbox, the outbox of the same database). Without it, Run uses s
// itself when s implements event.Source, and fails the Events cases of a
// store whose WritesEvents reports true otherwise. The source must serve
// a tenant's events in the order they were written, from cursor "" on,
// without consuming them.
func WithEventSource(source func(t *testing.T, s store.Store) event.Source) Option {
	return func(c *config) { c.events = source }
}

// eventCase is one rule of the change events contract (store/events.go),
// run on a fresh store that writes events, with its source.
type eventCase struct {
	name string
	run  func(t *testing.T, s store.Store, src event.Source)
}

var eventCases = []eventCase{
	{"User_writes_record_their_events", testEventsUsers},
	{"Group_writes_record_their_events", testEventsGroups},
	{"Fast_paths_record_their_events", testEventsFastPaths},
	{"Failed_writes_record_nothing", testEventsFailedWrites},
	{"Writes_without_events_record_nothing", testEventsNone},
	{"Tenants_are_separate", testEventsTenants},
}

// runEvents runs the Events group: skipped for a store that does not write
// events.
func runEvents(t *testing.T, newStore func(t *testing.T) store.Store, cfg config) {
	for _, c := range eventCases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			ew, ok := s.(store.EventWriter)
			if !ok || !ew.WritesEvents() {
				t.Skip("the store does not write change events (store.EventWriter)")
			}
			var src event.Source
			if cfg.events != nil {
				src = cfg.events(t, s)
			} else if es, ok := s.(event.Source); ok {
				src = es
			}
			if src == nil {
				t.Fatal("the store writes change events (store.EventWriter) but Run has no way to read them: pass storetest.WithEventSource")
			}
			checkEmpty(t, s)
			c.run(t, s, src)
		})
	}
}

// eventTime is the Time of the cases' events: truncated to the second.
var eventTime = time.Date(2024, 3, 3, 10, 0, 0, 0, time.UTC)

// evSeq numbers the cases' events within a test binary, for readable
// request ids.
var evSeq atomic.Int64

// ev returns an event of tenant ctx's write with every field set but
// Version, which the store sets.
func ev(ctx context.Context, typ event.Type, id string, attrs []string, members []string, res any) event.Event {
	e := event.Event{
		ID:           event.NewID(),
		Tenant:       store.TenantFrom(ctx),
		ResourceType: typ.ResourceType(),
		ResourceID:   id,
		ExternalID:   "ext-" + id,
		Type:         typ,
		Time:         eventTime,
		Request:      fmt.Sprintf("req-%d", evSeq.Add(1)),
		Method:       "PATCH",
		Profile:      "entra",
		Attributes:   attrs,
		Members:      members,
	}
	if res != nil {
		data, err := json.Marshal(res)
		if err != nil {
			panic(err)
		}
		e.Resource = data
	}
	return e
}

// versioned returns evs with Version set to version, as the store must
// record them.
func versioned(version string, evs ...event.Event) []event.Event {
	out := make([]event.Event, len(evs))
	for i, e := range evs {
		e.Version = version
		out[i] = e
	}
	return out
}

// readEvents returns every event src serves for ctx's tenant, following
// cursors two events at a time.
func readEvents(t *testing.T, ctx context.Context, src event.Source) []event.Event {
	t.Helper()
	var all []event.Event
	cursor := ""
	for range 1000 {
		evs, next, err := src.After(ctx, store.TenantFrom(ctx), cursor, 2)
		if err != nil {
			t.Fatalf("After(%q, %q, 2): %v", store.TenantFrom(ctx), cursor, err)
		}
		all = append(all, evs...)
		if len(evs) < 2 {
			return all
		}
		cursor = next
	}
	t.Fatalf("After: more than 2,000 events")
	return nil
}

// comparableEvent is an event as the kit compares it: Resource as its
// canonical JSON (a store may keep it in a JSON column that reorders
// keys), the time in UTC.
type comparableEvent struct {
	ID, Tenant, ResourceType, ResourceID, ExternalID string
	Type                                             event.Type
	Time                                             time.Time
	Request, Method, Profile                         string
	Attributes, Members                              []string
	Version                                          string
	Resource                                         string
}

func forCompare(t *testing.T, evs []event.Event) []comparableEvent {
	t.Helper()
	out := make([]comparableEvent, len(evs))
	for i, e := range evs {
		c := comparableEvent{ID: e.ID, Tenant: e.Tenant, ResourceType: e.ResourceType, ResourceID: e.ResourceID,
			ExternalID: e.ExternalID, Type: e.Type, Time: e.Time.UTC(), Request: e.Request, Method: e.Method,
			Profile: e.Profile, Attributes: e.Attributes, Members: e.Members, Version: e.Version}
		if e.Resource != nil {
			var v any
			if err := json.Unmarshal(e.Resource, &v); err != nil {
				t.Fatalf("event %s: Resource is not JSON: %v", e.ID, err)
			}
			b, _ := json.Marshal(v) // map keys sorted
			c.Resource = string(b)
		}
		out[i] = c
	}
	return out
}

// wantEvents fails unless src serves exactly want for ctx's tenant.
func wantEvents(t *testing.T, ctx context.Context, src event.Source, what string, want ...event.Event) {
	t.Helper()
	got := readEvents(t, ctx, src)
	if len(got) != len(want) {
		t.Errorf("%s: tenant %q has %d events, want %d:\n%s", what, store.TenantFrom(ctx), len(got), len(want), eventList(got))
		return
	}
	if d := diff(forCompare(t, want), forCompare(t, got)); d != "" {
		t.Errorf("%s: events of tenant %q differ:\n%s", what, store.TenantFrom(ctx), d)
	}
}

func eventList(evs []event.Event) string {
	s := ""
	for _, e := range evs {
		s += fmt.Sprintf("  %s %s %s version %q\n", e.Type, e.ResourceType, e.ResourceID, e.Version)
	}
	return s
}

// evCtx returns ctx carrying evs for one write.
func evCtx(ctx context.Context, evs ...event.Event) context.Context {
	return store.WithEvents(ctx, evs)
}

func testEventsUsers(t *testing.T, s store.Store, src event.Source) {
	ctx := ctxA(t)
	u := plainUser("u1", "alice@example.com")
	created := ev(ctx, event.UserCreated, "u1", []string{"userName"}, nil, u)
	c := mustCreateUser(t, evCtx(ctx, created), s, u)
	want := versioned(c.Meta.Version, created)
	wantEvents(t, ctx, src, "CreateUser", want...)

	u2 := plainUser("u1", "alice2@example.com")
	u2.Active = boolPtr(false)
	updated := ev(ctx, event.UserUpdated, "u1", []string{"userName"}, nil, u2)
	deactivated := ev(ctx, event.UserDeactivated, "u1", nil, nil, u2)
	deactivated.Request = updated.Request // the events of one change share it
	r, err := s.ReplaceUser(evCtx(ctx, updated, deactivated), u2, c.Meta.Version)
	if err != nil {
		t.Fatalf("ReplaceUser: %v", err)
	}
	want = append(want, versioned(r.Meta.Version, updated, deactivated)...)
	wantEvents(t, ctx, src, "ReplaceUser", want...)

	deleted := ev(ctx, event.UserDeleted, "u1", nil, nil, nil)
	deleted.Method = "DELETE"
	if err := s.DeleteUser(evCtx(ctx, deleted), "u1", r.Meta.Version); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	want = append(want, deleted) // Version "" for a delete
	wantEvents(t, ctx, src, "DeleteUser", want...)
}

func testEventsGroups(t *testing.T, s store.Store, src event.Source) {
	ctx := ctxA(t)
	for _, id := range []string{"u1", "u2", "u3"} {
		mustCreateUser(t, ctx, s, plainUser(id, id+"@example.com"))
	}
	g := newGroup("g1", "Admins", "u1", "u2")
	res := newGroup("g1", "Admins")
	created := ev(ctx, event.GroupCreated, "g1", []string{"displayName", "externalId", "note"}, nil, res)
	added := ev(ctx, event.MembersAdded, "g1", nil, []string{"u1", "u2"}, res)
	c := mustCreateGroup(t, evCtx(ctx, created, added), s, g)
	want := versioned(c.Meta.Version, created, added)
	wantEvents(t, ctx, src, "CreateGroup", want...)

	g2 := newGroup("g1", "Operators", "u2", "u3")
	updated := ev(ctx, event.GroupUpdated, "g1", []string{"displayName"}, nil, newGroup("g1", "Operators"))
	added2 := ev(ctx, event.MembersAdded, "g1", nil, []string{"u3"}, nil)
	removed := ev(ctx, event.MembersRemoved, "g1", nil, []string{"u1"}, nil)
	r, err := s.ReplaceGroup(evCtx(ctx, updated, added2, removed), g2, c.Meta.Version)
	if err != nil {
		t.Fatalf("ReplaceGroup: %v", err)
	}
	want = append(want, versioned(r.Meta.Version, updated, added2, removed)...)
	wantEvents(t, ctx, src, "ReplaceGroup", want...)

	deleted := ev(ctx, event.GroupDeleted, "g1", nil, nil, nil)
	if err := s.DeleteGroup(evCtx(ctx, deleted), "g1", r.Meta.Version); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	want = append(want, deleted)
	wantEvents(t, ctx, src, "DeleteGroup", want...)
}

func testEventsFastPaths(t *testing.T, s store.Store, src event.Source) {
	ctx := ctxA(t)
	for _, id := range []string{"u1", "u2"} {
		mustCreateUser(t, ctx, s, plainUser(id, id+"@example.com"))
	}
	g := mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
	version := g.Meta.Version
	var want []event.Event
	if p, ok := s.(store.GroupMemberPatcher); ok {
		added := ev(ctx, event.MembersAdded, "g1", nil, []string{"u2"}, nil)
		removed := ev(ctx, event.MembersRemoved, "g1", nil, []string{"u1"}, nil)
		v, err := p.PatchMembers(evCtx(ctx, added, removed), "g1", members([]string{"u2"}), []string{"u1"}, version)
		if err != nil {
			t.Fatalf("PatchMembers: %v", err)
		}
		version = v
		want = append(want, versioned(v, added, removed)...)
		wantEvents(t, ctx, src, "PatchMembers", want...)
	}
	if a, ok := s.(store.GroupAttributesReplacer); ok {
		renamed := newGroup("g1", "Operators")
		updated := ev(ctx, event.GroupUpdated, "g1", []string{"displayName"}, nil, renamed)
		r, err := a.ReplaceGroupAttributes(evCtx(ctx, updated), renamed, version)
		if err != nil {
			t.Fatalf("ReplaceGroupAttributes: %v", err)
		}
		want = append(want, versioned(r.Meta.Version, updated)...)
		wantEvents(t, ctx, src, "ReplaceGroupAttributes", want...)
	}
	if a, ok := s.(store.UserArchiver); ok {
		deleted := ev(ctx, event.UserDeleted, "u2", nil, nil, nil)
		if err := a.ArchiveUser(evCtx(ctx, deleted), "u2", "", archivedAt); err != nil {
			t.Fatalf("ArchiveUser: %v", err)
		}
		want = append(want, deleted)
		wantEvents(t, ctx, src, "ArchiveUser", want...)
	}
}

// testEventsFailedWrites makes every write fail in every way the contract
// names, each with events in its context: none is recorded.
func testEventsFailedWrites(t *testing.T, s store.Store, src event.Source) {
	ctx := ctxA(t)
	u := mustCreateUser(t, ctx, s, plainUser("u1", "alice@example.com"))
	mustCreateUser(t, ctx, s, plainUser("u2", "bob@example.com"))
	g := mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
	mustCreateGroup(t, ctx, s, newGroup("g2", "Operators"))
	stale := "stale-" + u.Meta.Version
	userEv := func(typ event.Type, id string) context.Context {
		return evCtx(ctx, ev(ctx, typ, id, []string{"userName"}, nil, nil))
	}
	groupEv := func(typ event.Type, id string) context.Context {
		return evCtx(ctx, ev(ctx, typ, id, nil, []string{"u2"}, nil))
	}
	type attempt struct {
		what   string
		err    error
		target error
	}
	var attempts []attempt
	try := func(what string, target error, err error) {
		attempts = append(attempts, attempt{what, err, target})
	}
	_, err := s.CreateUser(userEv(event.UserCreated, "u1"), plainUser("u1", "carol@example.com"))
	try("CreateUser with a taken id", store.ErrConflict, err)
	_, err = s.CreateUser(userEv(event.UserCreated, "u3"), plainUser("u3", "ALICE@example.com"))
	try("CreateUser with a taken userName", store.ErrConflict, err)
	_, err = s.ReplaceUser(userEv(event.UserUpdated, "u1"), plainUser("u1", "alice2@example.com"), stale)
	try("ReplaceUser with a stale version", store.ErrPreconditionFailed, err)
	_, err = s.ReplaceUser(userEv(event.UserUpdated, "u9"), plainUser("u9", "nobody@example.com"), "")
	try("ReplaceUser of no user", store.ErrNotFound, err)
	_, err = s.ReplaceUser(userEv(event.UserUpdated, "u1"), plainUser("u1", "bob@example.com"), "")
	try("ReplaceUser to a taken userName", store.ErrConflict, err)
	try("DeleteUser with a stale version", store.ErrPreconditionFailed, s.DeleteUser(userEv(event.UserDeleted, "u1"), "u1", stale))
	try("DeleteUser of no user", store.ErrNotFound, s.DeleteUser(userEv(event.UserDeleted, "u9"), "u9", ""))
	_, err = s.CreateGroup(groupEv(event.GroupCreated, "g1"), newGroup("g1", "Other"))
	try("CreateGroup with a taken id", store.ErrConflict, err)
	_, err = s.CreateGroup(groupEv(event.GroupCreated, "g3"), newGroup("g3", "ADMINS"))
	try("CreateGroup with a taken displayName", store.ErrConflict, err)
	_, err = s.ReplaceGroup(groupEv(event.MembersAdded, "g1"), newGroup("g1", "Admins", "u2"), "stale-"+g.Meta.Version)
	try("ReplaceGroup with a stale version", store.ErrPreconditionFailed, err)
	_, err = s.ReplaceGroup(groupEv(event.GroupUpdated, "g9"), newGroup("g9", "Nobody"), "")
	try("ReplaceGroup of no group", store.ErrNotFound, err)
	_, err = s.ReplaceGroup(groupEv(event.GroupUpdated, "g1"), newGroup("g1", "Operators"), "")
	try("ReplaceGroup to a taken displayName", store.ErrConflict, err)
	try("DeleteGroup with a stale version", store.ErrPreconditionFailed, s.DeleteGroup(groupEv(event.GroupDeleted, "g1"), "g1", "stale-"+g.Meta.Version))
	try("DeleteGroup of no group", store.ErrNotFound, s.DeleteGroup(groupEv(event.GroupDeleted, "g9"), "g9", ""))
	if p, ok := s.(store.GroupMemberPatcher); ok {
		_, err = p.PatchMembers(groupEv(event.MembersAdded, "g1"), "g1", members([]string{"u2"}), nil, "stale-"+g.Meta.Version)
		try("PatchMembers with a stale version", store.ErrPreconditionFailed, err)
		_, err = p.PatchMembers(groupEv(event.MembersAdded, "g9"), "g9", members([]string{"u2"}), nil, "")
		try("PatchMembers of no group", store.ErrNotFound, err)
	}
	if a, ok := s.(store.GroupAttributesReplacer); ok {
		_, err = a.ReplaceGroupAttributes(groupEv(event.GroupUpdated, "g1"), newGroup("g1", "Renamed"), "stale-"+g.Meta.Version)
		try("ReplaceGroupAttributes with a stale version", store.ErrPreconditionFailed, err)
		_, err = a.ReplaceGroupAttributes(groupEv(event.GroupUpdated, "g9"), newGroup("g9", "Renamed"), "")
		try("ReplaceGroupAttributes of no group", store.ErrNotFound, err)
		_, err = a.ReplaceGroupAttributes(groupEv(event.GroupUpdated, "g1"), newGroup("g1", "Operators"), "")
		try("ReplaceGroupAttributes to a taken displayName", store.ErrConflict, err)
	}
	if a, ok := s.(store.UserArchiver); ok {
		try("ArchiveUser with a stale version", store.ErrPreconditionFailed, a.ArchiveUser(userEv(event.UserDeleted, "u1"), "u1", stale, archivedAt))
		try("ArchiveUser of no user", store.ErrNotFound, a.ArchiveUser(userEv(event.UserDeleted, "u9"), "u9", "", archivedAt))
	}
	for _, a := range attempts {
		wantErr(t, a.what, a.err, a.target)
	}
	wantEvents(t, ctx, src, "failed writes")
}

// testEventsNone: a write whose context carries no events records none.
func testEventsNone(t *testing.T, s store.Store, src event.Source) {
	ctx := ctxA(t)
	u := mustCreateUser(t, ctx, s, plainUser("u1", "alice@example.com"))
	if _, err := s.ReplaceUser(ctx, plainUser("u1", "alice2@example.com"), u.Meta.Version); err != nil {
		t.Fatalf("ReplaceUser: %v", err)
	}
	g := mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
	if err := s.DeleteGroup(ctx, g.ID, ""); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	if err := s.DeleteUser(ctx, "u1", ""); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	wantEvents(t, ctx, src, "writes without events")
}

// testEventsTenants: each tenant's source serves its own writes' events
// only, also for ids that two tenants share.
func testEventsTenants(t *testing.T, s store.Store, src event.Source) {
	a, b := ctxA(t), ctxB(t)
	ua := plainUser("u1", "alice@example.com")
	ea := ev(a, event.UserCreated, "u1", []string{"userName"}, nil, ua)
	ca := mustCreateUser(t, evCtx(a, ea), s, ua)
	ub := plainUser("u1", "alice@example.com")
	eb := ev(b, event.UserCreated, "u1", []string{"userName"}, nil, ub)
	cb := mustCreateUser(t, evCtx(b, eb), s, ub)
	gb := newGroup("g1", "Admins", "u1")
	egb := ev(b, event.GroupCreated, "g1", []string{"displayName"}, nil, nil)
	cgb := mustCreateGroup(t, evCtx(b, egb), s, gb)
	wantEvents(t, a, src, "tenant-a", versioned(ca.Meta.Version, ea)...)
	wantEvents(t, b, src, "tenant-b", append(versioned(cb.Meta.Version, eb), versioned(cgb.Meta.Version, egb)...)...)
	wantEvents(t, store.WithTenant(t.Context(), ""), src, "the default tenant")
}
