package activity

import (
	"context"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a Store in memory, for tests and single-process apps: a
// ring of at most Retention.MaxEntries entries per tenant (appending to
// a full ring overwrites its oldest entry), from which entries older than
// MaxAge are dropped on the tenant's next Append and never listed.
type MemoryStore struct {
	ret     Retention
	mu      sync.RWMutex
	tenants map[string]*ring
	seq     int64
}

var (
	_ Store  = (*MemoryStore)(nil)
	_ Pruner = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty MemoryStore keeping r (zero fields
// mean the defaults: 10,000 entries and 30 days per tenant).
func NewMemoryStore(r Retention) *MemoryStore {
	return &MemoryStore{ret: r.WithDefaults(), tenants: map[string]*ring{}}
}

// rec is a stored entry and its position in the store's order.
type rec struct {
	e   Entry
	seq int64
}

// before reports whether a sorts before (is older than) b.
func (a *rec) before(b *rec) bool {
	return a.e.Time.Before(b.e.Time) || a.e.Time.Equal(b.e.Time) && a.seq < b.seq
}

// ring is one tenant's entries, oldest first, in a circular buffer of
// fixed capacity.
type ring struct {
	buf  []rec
	head int // index of the oldest
	n    int
}

func (r *ring) at(i int) *rec { return &r.buf[(r.head+i)%len(r.buf)] }

// dropOldest removes the oldest entry.
func (r *ring) dropOldest() {
	r.buf[r.head] = rec{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
}

// insert adds x in order. Entries almost always arrive newest last, so
// this is an append; an older one is moved back to its place.
func (r *ring) insert(x rec) {
	if r.n == len(r.buf) {
		if x.before(r.at(0)) {
			return // older than everything a full ring keeps
		}
		r.dropOldest()
	}
	r.n++
	i := r.n - 1
	for ; i > 0 && x.before(r.at(i-1)); i-- {
		*r.at(i) = *r.at(i - 1)
	}
	*r.at(i) = x
}

// Append implements [Store].
func (s *MemoryStore) Append(_ context.Context, entries []Entry) error {
	cutoff := s.ret.Cutoff()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range entries {
		r := s.tenants[e.Tenant]
		if r == nil {
			r = &ring{buf: make([]rec, min(s.ret.MaxEntries, 64))}
			s.tenants[e.Tenant] = r
		}
		if r.n == len(r.buf) && len(r.buf) < s.ret.MaxEntries {
			r.grow(min(2*len(r.buf), s.ret.MaxEntries))
		}
		s.seq++
		e.Time = e.Time.UTC().Truncate(time.Microsecond)
		e.Quirks, e.Effects = cloneQuirks(e.Quirks), cloneQuirks(e.Effects)
		r.insert(rec{e: e, seq: s.seq})
	}
	for _, e := range entries {
		s.tenants[e.Tenant].expire(cutoff)
	}
	return nil
}

// grow moves the ring into a buffer of capacity c.
func (r *ring) grow(c int) {
	buf := make([]rec, c)
	for i := range r.n {
		buf[i] = *r.at(i)
	}
	r.buf, r.head = buf, 0
}

// expire drops the entries older than cutoff.
func (r *ring) expire(cutoff time.Time) {
	for r.n > 0 && r.at(0).e.Time.Before(cutoff) {
		r.dropOldest()
	}
}

// Prune implements [Pruner]: it drops every tenant's expired entries.
func (s *MemoryStore) Prune(context.Context) error {
	cutoff := s.ret.Cutoff()
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, r := range s.tenants {
		r.expire(cutoff)
		if r.n == 0 {
			delete(s.tenants, t)
		}
	}
	return nil
}

// cloneQuirks copies a list of strings, nil for an empty one.
func cloneQuirks(q []string) []string {
	if len(q) == 0 {
		return nil
	}
	return slices.Clone(q)
}

// List implements [Store].
func (s *MemoryStore) List(_ context.Context, tenant string, f Filter) ([]Entry, Cursor, error) {
	end := rec{seq: -1}
	if f.Before != "" {
		t, seq, err := ParseCursor(f.Before)
		if err != nil {
			return nil, "", err
		}
		end = rec{e: Entry{Time: t}, seq: seq}
	}
	limit := f.LimitOf()
	cutoff := s.ret.Cutoff()
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []Entry{}
	r := s.tenants[tenant]
	if r == nil {
		return out, "", nil
	}
	// The newest entry before the cursor.
	i := r.n - 1
	if end.seq >= 0 {
		lo, hi := 0, r.n // first index not before end
		for lo < hi {
			m := (lo + hi) / 2
			if r.at(m).before(&end) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		i = lo - 1
	}
	var last *rec
	for ; i >= 0; i-- {
		x := r.at(i)
		if x.e.Time.Before(cutoff) {
			break
		}
		if f.FailuresOnly && x.e.Outcome == OK {
			continue
		}
		if len(out) == limit { // full, and an entry remains
			return out, MakeCursor(last.e.Time, last.seq), nil
		}
		e := x.e
		e.Quirks, e.Effects = cloneQuirks(e.Quirks), cloneQuirks(e.Effects)
		out = append(out, e)
		last = x
	}
	return out, "", nil
}
