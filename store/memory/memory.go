package memory

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/store"
)

// Compile-time checks that Store implements the contract and every fast
// path.
var (
	_ store.Store              = (*Store)(nil)
	_ store.UserQuerier        = (*Store)(nil)
	_ store.GroupQuerier       = (*Store)(nil)
	_ store.GroupMemberPatcher = (*Store)(nil)
)

// Store is an in-memory store. The zero value is not usable; call [New].
type Store struct {
	now func() time.Time
	log *event.Log // nil: no change events (WithEventLog)

	mu      sync.RWMutex
	tenants map[string]*tenant
}

// Option configures a Store.
type Option func(*options)

type options struct {
	now func() time.Time
	log *event.Log
}

// WithClock sets the clock the store reads when it changes a group on its own
// (PatchMembers, or a member deleted) and sets the group's
// Meta.LastModified. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// New returns an empty store.
func New(opts ...Option) *Store {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	s := &Store{now: o.now, log: o.log, tenants: make(map[string]*tenant)}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

var (
	errNilResource = errors.New("memory: nil resource")
	errNoID        = errors.New("memory: resource has no ID")
)

// tenant is the state of one tenant. Every field is guarded by mu.
type tenant struct {
	mu    sync.RWMutex
	clock uint64 // last sequence number or version issued

	users       map[string]*userRec // by id
	userList    []*userRec          // by seq: creation order
	userByName  map[string]*userRec // by fold(userName)
	userByExtID map[string]map[*userRec]struct{}

	groups       map[string]*groupRec              // by id
	groupList    []*groupRec                       // by seq
	groupByName  map[string]map[*groupRec]struct{} // by fold(displayName)
	groupByExtID map[string]map[*groupRec]struct{}

	// memberOf maps a member value (a user or group id) to the groups that
	// have it as a member: the reverse index behind User.Groups.
	memberOf map[string]map[*groupRec]struct{}

	// archived are the users ArchiveUser removed from SCIM, by id and in
	// archive order; no SCIM read consults them.
	archived     map[string]*archivedRec
	archivedList []*archivedRec

	// appended is closed when the change events of the tenant's last
	// write that had some are in the log (events.go); nil before.
	appended chan struct{}
}

func newTenant() *tenant {
	return &tenant{
		users:        make(map[string]*userRec),
		userByName:   make(map[string]*userRec),
		userByExtID:  make(map[string]map[*userRec]struct{}),
		groups:       make(map[string]*groupRec),
		groupByName:  make(map[string]map[*groupRec]struct{}),
		groupByExtID: make(map[string]map[*groupRec]struct{}),
		memberOf:     make(map[string]map[*groupRec]struct{}),
		archived:     make(map[string]*archivedRec),
	}
}

// tenant returns the state of ctx's tenant, creating it if create is true;
// otherwise it returns nil for a tenant that has never been written.
func (s *Store) tenant(ctx context.Context, create bool) *tenant {
	id := store.TenantFrom(ctx)
	s.mu.RLock()
	t := s.tenants[id]
	s.mu.RUnlock()
	if t != nil || !create {
		return t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t = s.tenants[id]; t == nil {
		t = newTenant()
		s.tenants[id] = t
	}
	return t
}

func (t *tenant) next() uint64 {
	t.clock++
	return t.clock
}

func (t *tenant) nextVersion() string {
	return strconv.FormatUint(t.next(), 10)
}

// checkVersion reports ErrPreconditionFailed when version is set and is not
// the stored one.
func checkVersion(stored, version string) error {
	if version != "" && version != stored {
		return store.ErrPreconditionFailed
	}
	return nil
}

// addToSet and removeFromSet maintain the map-of-sets indexes, dropping
// empty sets so that deleted keys do not accumulate.
func addToSet[K comparable, V comparable](m map[K]map[V]struct{}, k K, v V) {
	set := m[k]
	if set == nil {
		set = make(map[V]struct{})
		m[k] = set
	}
	set[v] = struct{}{}
}

func removeFromSet[K comparable, V comparable](m map[K]map[V]struct{}, k K, v V) {
	set := m[k]
	delete(set, v)
	if len(set) == 0 {
		delete(m, k)
	}
}

// sequenced is a record with a creation sequence number.
type sequenced interface{ sequence() uint64 }

// record is a stored user (*userRec) or group (*groupRec).
type record interface {
	comparable
	sequenced
	version() string
}

// The records of a tenant, by id.
func usersOf(t *tenant) map[string]*userRec   { return t.users }
func groupsOf(t *tenant) map[string]*groupRec { return t.groups }

// creatable write-locks ctx's tenant, creating it, for the create of
// record id in recs(t): errNoID for an empty id and ErrConflict for a
// taken one, with nothing locked. The caller unlocks t.mu.
func creatable[R record](s *Store, ctx context.Context, recs func(*tenant) map[string]R, id string) (*tenant, error) {
	if id == "" {
		return nil, errNoID
	}
	t := s.tenant(ctx, true)
	t.mu.Lock()
	if _, ok := recs(t)[id]; ok {
		t.mu.Unlock()
		return nil, store.ErrConflict
	}
	return t, nil
}

// readable read-locks ctx's tenant and returns it with its record id in
// recs(t), or ErrNotFound with nothing locked. The caller unlocks t.mu.
func readable[R record](s *Store, ctx context.Context, recs func(*tenant) map[string]R, id string) (*tenant, R, error) {
	var zero R
	t := s.tenant(ctx, false)
	if t == nil {
		return nil, zero, store.ErrNotFound
	}
	t.mu.RLock()
	r, ok := recs(t)[id]
	if !ok || r == zero {
		t.mu.RUnlock()
		return nil, zero, store.ErrNotFound
	}
	return t, r, nil
}

// writable write-locks ctx's tenant and returns it with its record id in
// recs(t), whose version must be version unless that is "": ErrNotFound
// or ErrPreconditionFailed otherwise, with nothing locked. The caller
// unlocks t.mu.
func writable[R record](s *Store, ctx context.Context, recs func(*tenant) map[string]R, id, version string) (*tenant, R, error) {
	var zero R
	t := s.tenant(ctx, false)
	if t == nil {
		return nil, zero, store.ErrNotFound
	}
	t.mu.Lock()
	r, ok := recs(t)[id]
	err := store.ErrNotFound
	if ok && r != zero {
		err = checkVersion(r.version(), version)
	}
	if err != nil {
		t.mu.Unlock()
		return nil, zero, err
	}
	return t, r, nil
}

// page returns page p of list(t), each record read with out, and the
// total, under the read lock of ctx's tenant.
func page[R record, T any](s *Store, ctx context.Context, list func(*tenant) []R, p store.Page, out func(*tenant, R) T) ([]T, int) {
	t := s.tenant(ctx, false)
	if t == nil {
		return []T{}, 0
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	all := list(t)
	lo, hi := window(len(all), p)
	res := make([]T, 0, hi-lo)
	for _, r := range all[lo:hi] {
		res = append(res, out(t, r))
	}
	return res, len(all)
}

// removeBySeq removes rec from list, which is sorted by sequence.
func removeBySeq[T sequenced](list []T, rec T) []T {
	seq := rec.sequence()
	i := sort.Search(len(list), func(i int) bool { return list[i].sequence() >= seq })
	if i < len(list) && list[i].sequence() == seq {
		copy(list[i:], list[i+1:])
		var zero T
		list[len(list)-1] = zero
		list = list[:len(list)-1]
	}
	return list
}

// sortBySeq sorts records into creation order.
func sortBySeq[T sequenced](list []T) {
	sort.Slice(list, func(i, j int) bool { return list[i].sequence() < list[j].sequence() })
}

// window returns the bounds of page p over n items (RFC 7644 §3.4.2.4):
// StartIndex below 1 counts as 1, a negative Count as 0.
func window(n int, p store.Page) (lo, hi int) {
	start := p.StartIndex
	if start < 1 {
		start = 1
	}
	lo = start - 1
	if lo > n || lo < 0 {
		lo = n
	}
	count := p.Count
	if count < 0 {
		count = 0
	}
	hi = n
	if count < n-lo {
		hi = lo + count
	}
	return lo, hi
}
