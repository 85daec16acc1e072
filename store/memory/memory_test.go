package memory_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memory.New() })
}

// TestConformanceWithEvents runs the kit on the store with an event log,
// which makes it a store.EventWriter: the Events group runs too, reading
// the log.
func TestConformanceWithEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return memory.New(memory.WithEventLog(event.NewLog(event.LogOptions{})))
	}, storetest.WithEventSource(func(t *testing.T, s store.Store) event.Source { return s.(*memory.Store).Events() }))
}

var fixed = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func ctxT(t *testing.T) context.Context { return store.WithTenant(t.Context(), "t") }

func TestCascadesChangeVersions(t *testing.T) {
	ctx := ctxT(t)
	s := memory.New(memory.WithClock(func() time.Time { return fixed }))
	for _, id := range []string{"u1", "u2"} {
		if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id}); err != nil {
			t.Fatal(err)
		}
	}
	outer, err := s.CreateGroup(ctx, &resource.Group{ID: "outer", DisplayName: "Outer", Members: []resource.Member{{Value: "inner", Type: "Group"}}})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := s.CreateGroup(ctx, &resource.Group{ID: "inner", DisplayName: "Inner", Members: []resource.Member{{Value: "u1"}, {Value: "u2"}}})
	if err != nil {
		t.Fatal(err)
	}

	if err := s.DeleteUser(ctx, "u1", ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetGroup(ctx, "inner", store.WithMembers)
	if err != nil {
		t.Fatal(err)
	}
	want := &resource.Group{ID: "inner", DisplayName: "Inner", Members: []resource.Member{{Value: "u2"}}, Meta: resource.Meta{LastModified: fixed}}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Meta.Version" }, cmp.Ignore())); diff != "" {
		t.Errorf("group after DeleteUser (-want +got):\n%s", diff)
	}
	if got.Meta.Version == inner.Meta.Version {
		t.Errorf("deleting a member kept the group's version %q", got.Meta.Version)
	}

	// Deleting a group removes it from the groups it was a member of.
	if err := s.DeleteGroup(ctx, "inner", ""); err != nil {
		t.Fatal(err)
	}
	o, err := s.GetGroup(ctx, "outer", store.WithMembers)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Members) != 0 || o.Meta.Version == outer.Meta.Version || !o.Meta.LastModified.Equal(fixed) {
		t.Errorf("outer after deleting its member group: members %v, version %q (was %q), lastModified %v",
			o.Members, o.Meta.Version, outer.Meta.Version, o.Meta.LastModified)
	}
	u2, err := s.GetUser(ctx, "u2")
	if err != nil {
		t.Fatal(err)
	}
	if len(u2.Groups) != 0 {
		t.Errorf("u2.Groups after its group was deleted: %v", u2.Groups)
	}
}

func TestVersionsNotReused(t *testing.T) {
	ctx := ctxT(t)
	s := memory.New()
	seen := map[string]bool{}
	for i := range 3 {
		u, err := s.CreateUser(ctx, &resource.User{ID: "u1", UserName: "a"})
		if err != nil {
			t.Fatal(err)
		}
		if seen[u.Meta.Version] {
			t.Errorf("round %d: version %q reused after delete and create", i, u.Meta.Version)
		}
		seen[u.Meta.Version] = true
		if err := s.DeleteUser(ctx, "u1", ""); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMembersKeepOrderAndCollapse(t *testing.T) {
	ctx := ctxT(t)
	s := memory.New()
	in := []resource.Member{{Value: "c", Display: "first c"}, {Value: "a"}, {Value: "c", Display: "second c"}, {Value: "b"}}
	g, err := s.CreateGroup(ctx, &resource.Group{ID: "g", DisplayName: "G", Members: in})
	if err != nil {
		t.Fatal(err)
	}
	want := []resource.Member{{Value: "c", Display: "first c"}, {Value: "a"}, {Value: "b"}}
	if diff := cmp.Diff(want, g.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if _, err := s.PatchMembers(ctx, "g", []resource.Member{{Value: "d"}, {Value: "a", Display: "ignored"}}, []string{"c"}, ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetGroup(ctx, "g", store.WithMembers)
	if err != nil {
		t.Fatal(err)
	}
	want = []resource.Member{{Value: "a"}, {Value: "b"}, {Value: "d"}}
	if diff := cmp.Diff(want, got.Members); diff != "" {
		t.Errorf("members after PatchMembers (-want +got):\n%s", diff)
	}
}

func TestNilAndEmptyID(t *testing.T) {
	ctx := ctxT(t)
	s := memory.New()
	for name, err := range map[string]error{
		"CreateUser(nil)":      second(s.CreateUser(ctx, nil)),
		"CreateUser(no id)":    second(s.CreateUser(ctx, &resource.User{UserName: "x"})),
		"ReplaceUser(nil)":     second(s.ReplaceUser(ctx, nil, "")),
		"CreateGroup(nil)":     second(s.CreateGroup(ctx, nil)),
		"CreateGroup(no id)":   second(s.CreateGroup(ctx, &resource.Group{DisplayName: "x"})),
		"ReplaceGroup(nil)":    second(s.ReplaceGroup(ctx, nil, "")),
		"PatchMembers(absent)": second(s.PatchMembers(ctx, "nope", nil, nil, "")),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestCaseInsensitiveUserNames(t *testing.T) {
	tests := []struct {
		first, second string
		conflict      bool
	}{
		{"bjensen", "BJENSEN", true},
		{"straße", "STRASSE", false}, // not a simple fold
		{"ſam", "Sam", true},         // U+017F LATIN SMALL LETTER LONG S folds to s
		{"Kelvin", "\u212Aelvin", true},
		{"İstanbul", "istanbul", false}, // İ is in no simple folding orbit with i
		{"a\xffb", "a\xfeb", true},      // invalid UTF-8 reads as U+FFFD, as in strings.EqualFold
		{"ünïcödé", "ÜNÏCÖDÉ", true},
	}
	for _, tt := range tests {
		t.Run(tt.first, func(t *testing.T) {
			ctx := ctxT(t)
			s := memory.New()
			if _, err := s.CreateUser(ctx, &resource.User{ID: "1", UserName: tt.first}); err != nil {
				t.Fatal(err)
			}
			_, err := s.CreateUser(ctx, &resource.User{ID: "2", UserName: tt.second})
			if got := errors.Is(err, store.ErrConflict); got != tt.conflict {
				t.Errorf("CreateUser(%q) after %q: error %v, want conflict %v", tt.second, tt.first, err, tt.conflict)
			}
			if !tt.conflict || !utf8.ValidString(tt.second) {
				return // a filter holding invalid UTF-8 is refused before any store sees it
			}
			e, err := filter.Parse(`userName eq "` + tt.second + `"`)
			if err != nil {
				t.Fatal(err)
			}
			l, err := s.QueryUsers(ctx, store.Query{Filter: e, Page: store.Page{StartIndex: 1, Count: 10}})
			if err != nil {
				t.Fatal(err)
			}
			// The index finds the candidate; filter.Match has the last word.
			ok, err := filter.Match(e, mustRegistry(t).User, &resource.User{UserName: tt.first})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[ok]; l.TotalResults != want {
				t.Errorf("QueryUsers(%s): %d results, filter.Match says %v", e, l.TotalResults, ok)
			}
		})
	}
}

func mustRegistry(t testing.TB) *resource.Registry {
	reg, err := resource.NewRegistry(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func mustParse(t testing.TB, s string) filter.Expr {
	e, err := filter.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// BenchmarkPatchMembersAddOne adds one member to groups of different sizes
// (and removes it again, to keep the size): the cost must not grow with the
// group.
func BenchmarkPatchMembersAddOne(b *testing.B) {
	for _, size := range []int{100, 100_000} {
		b.Run("members="+strconv.Itoa(size), func(b *testing.B) {
			ctx := store.WithTenant(b.Context(), "t")
			s := memory.New()
			ms := make([]resource.Member, size)
			for i := range ms {
				ms[i] = resource.Member{Value: "u" + strconv.Itoa(i), Type: "User"}
			}
			if _, err := s.CreateGroup(ctx, &resource.Group{ID: "g", DisplayName: "G", Members: ms}); err != nil {
				b.Fatal(err)
			}
			add := []resource.Member{{Value: "new", Type: "User"}}
			remove := []string{"new"}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := s.PatchMembers(ctx, "g", add, nil, ""); err != nil {
					b.Fatal(err)
				}
				if _, err := s.PatchMembers(ctx, "g", nil, remove, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQueryUserNameEq answers Entra's lookup, userName eq, among
// 100,000 users.
func BenchmarkQueryUserNameEq(b *testing.B) {
	ctx := store.WithTenant(b.Context(), "t")
	s := memory.New()
	const n = 100_000
	for i := range n {
		id := strconv.Itoa(i)
		if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: "user" + id + "@example.com", ExternalID: "ext" + id}); err != nil {
			b.Fatal(err)
		}
	}
	q := store.Query{Filter: mustParse(b, `userName eq "USER77777@example.com"`), Page: store.Page{StartIndex: 1, Count: 100}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		l, err := s.QueryUsers(ctx, q)
		if err != nil || l.TotalResults != 1 {
			b.Fatalf("QueryUsers: %v, %d results", err, l.TotalResults)
		}
	}
}

// TestEventLogSubscriberReadsTheStore: a subscriber of the store's log is
// called after the tenant's lock is released, so it can read the user
// whose event it handles (under the lock, this read would deadlock), and
// it sees the change made.
func TestEventLogSubscriberReadsTheStore(t *testing.T) {
	log := event.NewLog(event.LogOptions{})
	s := memory.New(memory.WithEventLog(log))
	ctx := ctxT(t)
	var seen []string
	defer log.Subscribe(event.HandlerFunc(func(ctx context.Context, e event.Event) error {
		u, err := s.GetUser(ctx, e.ResourceID)
		if err != nil {
			return err
		}
		seen = append(seen, u.UserName+"@"+e.Version)
		return nil
	}))()
	u := &resource.User{ID: "u1", UserName: "alice"}
	evs := []event.Event{{Type: event.UserCreated, ResourceType: event.User, ResourceID: "u1"}}
	c, err := s.CreateUser(store.WithEvents(ctx, evs), u)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alice@" + c.Meta.Version}; !cmp.Equal(seen, want) {
		t.Errorf("subscriber saw %q, want %q", seen, want)
	}
}

// TestEventLogOrderPerTenant: 16 goroutines replace one user at once, each
// write with its event; the log holds one event per write, in the order of
// the versions the writes gave the user.
func TestEventLogOrderPerTenant(t *testing.T) {
	log := event.NewLog(event.LogOptions{})
	s := memory.New(memory.WithEventLog(log))
	ctx := ctxT(t)
	if _, err := s.CreateUser(ctx, &resource.User{ID: "u1", UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	const n = 16
	done := make(chan error, n)
	for i := range n {
		go func() {
			evs := []event.Event{{Type: event.UserUpdated, ResourceType: event.User, ResourceID: "u1", Attributes: []string{"userName"}}}
			_, err := s.ReplaceUser(store.WithEvents(ctx, evs), &resource.User{ID: "u1", UserName: "alice" + strconv.Itoa(i)}, "")
			done <- err
		}()
	}
	for range n {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := log.After(ctx, "t", "", 100)
	if err != nil || len(got) != n {
		t.Fatalf("After: %d events, %v; want %d", len(got), err, n)
	}
	for i := 1; i < n; i++ {
		a, _ := strconv.Atoi(got[i-1].Version)
		b, _ := strconv.Atoi(got[i].Version)
		if a >= b {
			t.Errorf("event %d has version %s after version %s", i, got[i].Version, got[i-1].Version)
		}
	}
}
