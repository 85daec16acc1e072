// Package activitytest checks an activity.Store against the contract
// stated on [activity.Store], as connection/conntest does for connection
// stores. Run it from the store's tests:
//
//	func TestActivityContract(t *testing.T) {
//		activitytest.Run(t, func(t *testing.T, r activity.Retention) activity.Store {
//			return newStore(t, r)
//		})
//	}
//
// newStore must return an empty store keeping r (its Now included: the
// cases move the clock) each time it is called.
package activitytest

import (
	"context"
	"errors"
	"fmt"
	"github.com/scimkit/scim/internal/testclock"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim/activity"
)

type testCase struct {
	name string
	ret  activity.Retention
	run  func(t *testing.T, s activity.Store, clock *testclock.Clock)
}

// t0 is the clock's start: entry i of a case is at t0 + i seconds.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)

// Run runs the contract's cases, each on a fresh store from newStore.
func Run(t *testing.T, newStore func(t *testing.T, r activity.Retention) activity.Store) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := testclock.New(t0.Add(time.Hour))
			r := c.ret
			r.Now = clock.Now
			s := newStore(t, r)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			c.run(t, s, clock)
		})
	}
}

var ctx = context.Background()

// entry returns the i-th test entry of tenant: at t0 + i seconds, OK
// unless i is a multiple of 3 (then 409) or of 7 (then 503).
func entry(tenant string, i int) activity.Entry {
	e := activity.Entry{Time: t0.Add(time.Duration(i) * time.Second), Tenant: tenant, IdP: "entra", Method: "GET",
		Endpoint: "Users", Status: 200, Latency: time.Duration(i) * time.Millisecond, RequestID: fmt.Sprintf("req-%d", i)}
	switch {
	case i%7 == 0:
		e.Status, e.Detail = 503, "the store is unavailable"
	case i%3 == 0:
		e.Method, e.Status, e.ScimType, e.Detail = "POST", 409, "uniqueness", fmt.Sprintf("userName %d is taken", i)
	}
	e.Outcome = activity.OutcomeOf(e.Status)
	return e
}

func entries(tenant string, from, to int) []activity.Entry {
	var out []activity.Entry
	for i := from; i < to; i++ {
		out = append(out, entry(tenant, i))
	}
	return out
}

func appendOK(t *testing.T, s activity.Store, es []activity.Entry) {
	t.Helper()
	if err := s.Append(ctx, es); err != nil {
		t.Fatalf("Append(%d entries): %v", len(es), err)
	}
}

func list(t *testing.T, s activity.Store, tenant string, f activity.Filter) ([]activity.Entry, activity.Cursor) {
	t.Helper()
	got, next, err := s.List(ctx, tenant, f)
	if err != nil {
		t.Fatalf("List(%q, %+v): %v", tenant, f, err)
	}
	return got, next
}

// listAll follows the cursors and returns every entry.
func listAll(t *testing.T, s activity.Store, tenant string, f activity.Filter) []activity.Entry {
	t.Helper()
	var all []activity.Entry
	for range 10000 {
		got, next := list(t, s, tenant, f)
		all = append(all, got...)
		if next == "" {
			return all
		}
		if len(got) == 0 {
			t.Fatalf("List(%q, %+v): an empty page with next cursor %q", tenant, f, next)
		}
		f.Before = next
	}
	t.Fatal("the cursors never end")
	return nil
}

// ids returns the RequestIDs of es, which identify the test entries.
func ids(es []activity.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.RequestID
	}
	return out
}

// newestFirst returns the ids of entries from..to-1 of entry, newest
// first, keeping those keep accepts.
func newestFirst(from, to int, keep func(i int) bool) []string {
	var out []string
	for i := to - 1; i >= from; i-- {
		if keep == nil || keep(i) {
			out = append(out, fmt.Sprintf("req-%d", i))
		}
	}
	return out
}

func sameIDs(t *testing.T, what string, got []activity.Entry, want []string) {
	t.Helper()
	g := ids(got)
	if len(g) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, g, want)
	}
}

func failed(i int) bool { return entry("", i).Outcome != activity.OK }

var cases = []testCase{
	{"Empty_tenant_is_an_empty_list", activity.Retention{}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		got, next := list(t, s, "nobody", activity.Filter{})
		if len(got) != 0 || next != "" {
			t.Errorf("List(nobody) = %d entries, next %q; want none and \"\"", len(got), next)
		}
		appendOK(t, s, nil)
		appendOK(t, s, []activity.Entry{})
	}},
	{"Every_field_round_trips", activity.Retention{}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		loc := time.FixedZone("UTC+10", 10*3600)
		full := activity.Entry{
			Time: t0.Add(789 * time.Nanosecond).In(loc), Tenant: "tenant-a", IdP: "okta", Method: "PATCH",
			Endpoint: "Groups", ResourceID: "7f3a-grüße", Outcome: activity.ClientError, Status: 400,
			Latency: 1234567 * time.Nanosecond, ScimType: "invalidValue", Detail: `member "x" does not exist`,
			Quirks: []string{"op-case", "remove-by-value"}, RequestID: "req-full", UserAgent: "Okta SCIM Client 1.0.0",
			DryRun: true, Effects: []string{"group.members_added 7f3a-grüße", "group.members_removed 7f3a-grüße", "user.created a,b\nc \"d\""},
		}
		search := activity.Entry{Time: t0.Add(time.Second), Tenant: "tenant-a", IdP: activity.Unknown, Method: "POST",
			Endpoint: "Users", Search: true, Outcome: activity.OK, Status: 200, Quirks: []string{}, Effects: []string{}, RequestID: "req-search"}
		appendOK(t, s, []activity.Entry{full, search})
		got, _ := list(t, s, "tenant-a", activity.Filter{})
		want := full
		want.Time = t0.UTC()
		wantSearch := search
		wantSearch.Quirks, wantSearch.Effects = nil, nil
		if len(got) != 2 {
			t.Fatalf("List = %d entries, want 2: %+v", len(got), got)
		}
		sameEntry(t, "the search entry", got[0], wantSearch)
		sameEntry(t, "the entry with every field", got[1], want)
	}},
	{"Newest_first_ties_in_reverse_append_order", activity.Retention{}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		at := func(sec int, id string) activity.Entry {
			e := entry("tenant-a", 1)
			e.Time, e.RequestID = t0.Add(time.Duration(sec)*time.Second), id
			return e
		}
		// Out of order within a batch and across batches, with ties.
		appendOK(t, s, []activity.Entry{at(5, "a5"), at(3, "a3"), at(5, "b5"), at(9, "a9")})
		appendOK(t, s, []activity.Entry{at(4, "a4"), at(5, "c5"), at(1, "a1")})
		got, next := list(t, s, "tenant-a", activity.Filter{})
		sameIDs(t, "List", got, []string{"a9", "c5", "b5", "a5", "a4", "a3", "a1"})
		if next != "" {
			t.Errorf("next = %q, want \"\"", next)
		}
		// The same order through pages of one, across the tie.
		sameIDs(t, "pages of 1", listAll(t, s, "tenant-a", activity.Filter{Limit: 1}), []string{"a9", "c5", "b5", "a5", "a4", "a3", "a1"})
	}},
	{"Tenants_are_isolated", activity.Retention{}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		appendOK(t, s, append(entries("tenant-a", 1, 6), entries("tenant-b", 6, 9)...))
		sameIDs(t, "tenant-a", listAll(t, s, "tenant-a", activity.Filter{}), newestFirst(1, 6, nil))
		sameIDs(t, "tenant-b", listAll(t, s, "tenant-b", activity.Filter{}), newestFirst(6, 9, nil))
		sameIDs(t, "tenant-b failures", listAll(t, s, "tenant-b", activity.Filter{FailuresOnly: true}), newestFirst(6, 9, failed))
		got, _ := list(t, s, "tenant-c", activity.Filter{})
		sameIDs(t, "tenant-c", got, nil)
		// A cursor of tenant-a's does not reach into tenant-b's log.
		_, next := list(t, s, "tenant-a", activity.Filter{Limit: 2})
		got, _ = list(t, s, "tenant-b", activity.Filter{Before: next})
		for _, e := range got {
			if e.Tenant != "tenant-b" {
				t.Errorf("tenant-b's list holds %+v", e)
			}
		}
	}},
	{"Pages_visit_every_entry_once", activity.Retention{}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		appendOK(t, s, entries("tenant-a", 1, 26))
		var sizes []int
		f := activity.Filter{Limit: 10}
		var all []activity.Entry
		for {
			got, next := list(t, s, "tenant-a", f)
			sizes = append(sizes, len(got))
			all = append(all, got...)
			if next == "" {
				break
			}
			f.Before = next
		}
		if !reflect.DeepEqual(sizes, []int{10, 10, 5}) {
			t.Errorf("page sizes %v, want [10 10 5]", sizes)
		}
		sameIDs(t, "pages", all, newestFirst(1, 26, nil))
		// A last page that is exactly full has no next cursor.
		got, next := list(t, s, "tenant-a", activity.Filter{Limit: 25})
		if len(got) != 25 || next != "" {
			t.Errorf("Limit 25 of 25: %d entries, next %q; want 25 and \"\"", len(got), next)
		}
	}},
	{"Pages_hold_while_entries_are_appended", activity.Retention{}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		appendOK(t, s, entries("tenant-a", 1, 11))
		page1, next := list(t, s, "tenant-a", activity.Filter{Limit: 4})
		appendOK(t, s, entries("tenant-a", 11, 15)) // newer: before page 1
		rest := listAll(t, s, "tenant-a", activity.Filter{Limit: 4, Before: next})
		sameIDs(t, "page 1 then the rest", append(page1, rest...), newestFirst(1, 11, nil))
	}},
	{"FailuresOnly", activity.Retention{}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		appendOK(t, s, entries("tenant-a", 1, 40))
		sameIDs(t, "failures", listAll(t, s, "tenant-a", activity.Filter{FailuresOnly: true}), newestFirst(1, 40, failed))
		sameIDs(t, "failures, pages of 3", listAll(t, s, "tenant-a", activity.Filter{FailuresOnly: true, Limit: 3}), newestFirst(1, 40, failed))
		got, _ := list(t, s, "tenant-a", activity.Filter{FailuresOnly: true})
		for _, e := range got {
			if e.Outcome == activity.OK {
				t.Errorf("FailuresOnly listed %+v", e)
			}
		}
	}},
	{"Limit_is_clamped", activity.Retention{}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		appendOK(t, s, entries("tenant-a", 1, activity.MaxLimit+11))
		got, next := list(t, s, "tenant-a", activity.Filter{})
		if len(got) != activity.DefaultLimit || next == "" {
			t.Errorf("Limit 0: %d entries, next %q; want %d and a cursor", len(got), next, activity.DefaultLimit)
		}
		got, _ = list(t, s, "tenant-a", activity.Filter{Limit: -3})
		if len(got) != activity.DefaultLimit {
			t.Errorf("Limit -3: %d entries, want %d", len(got), activity.DefaultLimit)
		}
		got, next = list(t, s, "tenant-a", activity.Filter{Limit: 5 * activity.MaxLimit})
		if len(got) != activity.MaxLimit || next == "" {
			t.Errorf("Limit %d: %d entries, next %q; want %d and a cursor", 5*activity.MaxLimit, len(got), next, activity.MaxLimit)
		}
		sameIDs(t, "Limit over MaxLimit", got, newestFirst(11, activity.MaxLimit+11, nil))
	}},
	{"Malformed_cursor_is_ErrInvalidCursor", activity.Retention{}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		appendOK(t, s, entries("tenant-a", 1, 3))
		for _, c := range []activity.Cursor{"garbage", "12.x", ".", "1.-2", "99999999999999999999.1"} {
			if _, _, err := s.List(ctx, "tenant-a", activity.Filter{Before: c}); !errors.Is(err, activity.ErrInvalidCursor) {
				t.Errorf("List(Before %q): error %v, want ErrInvalidCursor", c, err)
			}
		}
	}},
	{"Retention_by_count", activity.Retention{MaxEntries: 5}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		appendOK(t, s, entries("tenant-a", 1, 9))
		sameIDs(t, "after a batch of 8", listAll(t, s, "tenant-a", activity.Filter{}), newestFirst(4, 9, nil))
		appendOK(t, s, entries("tenant-a", 9, 12))
		appendOK(t, s, entries("tenant-b", 1, 3))
		sameIDs(t, "after 3 more", listAll(t, s, "tenant-a", activity.Filter{Limit: 2}), newestFirst(7, 12, nil))
		sameIDs(t, "failures of the 5 kept", listAll(t, s, "tenant-a", activity.Filter{FailuresOnly: true}), newestFirst(7, 12, failed))
		sameIDs(t, "tenant-b keeps its own", listAll(t, s, "tenant-b", activity.Filter{}), newestFirst(1, 3, nil))
		// An entry older than all a full log keeps is not kept either.
		appendOK(t, s, entries("tenant-a", 0, 1))
		sameIDs(t, "after an older entry", listAll(t, s, "tenant-a", activity.Filter{}), newestFirst(7, 12, nil))
	}},
	{"Retention_by_age", activity.Retention{MaxAge: 30 * time.Minute}, func(t *testing.T, s activity.Store, clock *testclock.Clock) {
		// The clock is at t0+1h: entries before t0+30m have expired.
		old := entry("tenant-a", 1) // t0+1s
		mid := entry("tenant-a", 2) // t0+40m
		mid.Time = t0.Add(40 * time.Minute)
		now := entry("tenant-a", 4) // t0+1h
		now.Time = t0.Add(time.Hour)
		appendOK(t, s, []activity.Entry{old, mid, now})
		sameIDs(t, "at t0+1h", listAll(t, s, "tenant-a", activity.Filter{}), []string{"req-4", "req-2"})
		clock.Add(15 * time.Minute) // t0+1h15m: mid has expired
		sameIDs(t, "at t0+1h15m", listAll(t, s, "tenant-a", activity.Filter{}), []string{"req-4"})
		sameIDs(t, "failures at t0+1h15m", listAll(t, s, "tenant-a", activity.Filter{FailuresOnly: true}), nil)
		if p, ok := s.(activity.Pruner); ok {
			if err := p.Prune(ctx); err != nil {
				t.Fatalf("Prune: %v", err)
			}
			sameIDs(t, "after Prune", listAll(t, s, "tenant-a", activity.Filter{}), []string{"req-4"})
		}
		clock.Add(time.Hour)
		sameIDs(t, "at t0+2h15m", listAll(t, s, "tenant-a", activity.Filter{}), nil)
	}},
	{"Concurrent_appends", activity.Retention{}, func(t *testing.T, s activity.Store, _ *testclock.Clock) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range 5 {
					from := 1 + g*50 + b*10
					if err := s.Append(ctx, entries("tenant-a", from, from+10)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent Append: %v", err)
		}
		sameIDs(t, "every entry once", listAll(t, s, "tenant-a", activity.Filter{Limit: 37}), newestFirst(1, 401, nil))
	}},
}

// sameEntry compares every field, Time with Equal.
func sameEntry(t *testing.T, what string, got, want activity.Entry) {
	t.Helper()
	if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		t.Errorf("%s: Time %v (%v), want %v in UTC", what, got.Time, got.Time.Location(), want.Time)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}
