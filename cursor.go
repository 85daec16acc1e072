package scim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim/store"
)

// The error types of RFC 9865 §2.1, each with status 400.
const (
	ScimTypeInvalidCursor = "invalidCursor"
	ScimTypeExpiredCursor = "expiredCursor"
	ScimTypeInvalidCount  = "invalidCount"
)

// DefaultCursorTimeout is how long a cursor stays valid when
// Config.CursorTimeout is zero; it is advertised as
// pagination.cursorTimeout.
const DefaultCursorTimeout = time.Hour

// maxCursorLen bounds the text of a cursor a request may carry; longer
// is invalidCursor before anything is decoded. A cursor holds at most a
// store position (store.MaxPositionBytes) and a few integers.
const maxCursorLen = 4 * (store.MaxPositionBytes + 64) / 3

// macLen is the length of the truncated HMAC-SHA256 that ends a cursor.
const macLen = 16

// cursorVersion is the first byte of every cursor's content.
const cursorVersion = 1

// cursorState is what a cursor (RFC 9865) carries: where its page starts
// and what the walk has said so far. A cursor is opaque to the client:
// base64url (no padding, so only RFC 3986 unreserved characters) of the
// content followed by a 128-bit HMAC-SHA256 of the server's key over the
// tenant, the query's shape (queryShape) and the content, so that it
// cannot be forged or changed, and is refused for another tenant or
// another query.
type cursorState struct {
	// issued is when the cursor was made (Unix seconds); it expires
	// Config.CursorTimeout later.
	issued int64
	// index is the 1-based index of the page's first resource: exact for
	// an offset cursor, as counted by the walk for a position cursor.
	index int
	// count is the walk's page size: every page of a walk has the count
	// of the first (RFC 9865 §2.1, invalidCount).
	count int
	// total is the totalResults of the walk's first page, -1 if unknown;
	// pages that skip the count report it.
	total int
	// pos is the store's position (store.Page.After) after which the page
	// starts; "" for an offset cursor, paged by index.
	pos string
}

// cursorCodec makes and reads the cursors of one Server.
type cursorCodec struct {
	key     []byte
	timeout time.Duration
	now     func() time.Time
}

func newCursorCodec(key []byte, timeout time.Duration, now func() time.Time) *cursorCodec {
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key)
	} else {
		key = append([]byte(nil), key...)
	}
	return &cursorCodec{key: key, timeout: timeout, now: now}
}

// queryShape is the hash of what every page of a walk must share: the
// endpoint and the filter, sortBy and sortOrder as sent.
func queryShape(endpoint string, p listRequest) [32]byte {
	order := strings.ToLower(p.sortOrder)
	if order == "" {
		order = "ascending"
	}
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, f := range []string{endpoint, p.filter, p.sortBy, order} {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(f)))])
		h.Write([]byte(f))
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func (c *cursorCodec) mac(tenant string, shape [32]byte, content []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	var n [binary.MaxVarintLen64]byte
	m.Write([]byte("scim cursor"))
	m.Write(n[:binary.PutUvarint(n[:], uint64(len(tenant)))])
	m.Write([]byte(tenant))
	m.Write(shape[:])
	m.Write(content)
	return m.Sum(nil)[:macLen]
}

// encode returns the cursor text of st for tenant and shape, issued now.
func (c *cursorCodec) encode(tenant string, shape [32]byte, st cursorState) string {
	b := make([]byte, 0, 32+len(st.pos))
	b = append(b, cursorVersion)
	b = binary.AppendVarint(b, c.now().Unix())
	b = binary.AppendUvarint(b, uint64(st.index))
	b = binary.AppendUvarint(b, uint64(st.count))
	b = binary.AppendVarint(b, int64(st.total))
	b = append(b, st.pos...)
	b = append(b, c.mac(tenant, shape, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

var (
	errInvalidCursor = NewError(http.StatusBadRequest, ScimTypeInvalidCursor,
		"the cursor is not one this server issued for this query; send an empty cursor for the first page, then each page's nextCursor or previousCursor")
	errExpiredCursor = NewError(http.StatusBadRequest, ScimTypeExpiredCursor,
		"the cursor has expired; do not wait longer than the cursorTimeout of /ServiceProviderConfig between pages")
)

// decode reads a cursor text for tenant and shape: invalidCursor for
// anything this server did not issue for them (garbage, a changed byte,
// another tenant, another query, another server's key), expiredCursor for
// one issued more than the timeout ago.
func (c *cursorCodec) decode(tenant string, shape [32]byte, text string) (cursorState, error) {
	var st cursorState
	if len(text) > maxCursorLen {
		return st, errInvalidCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || len(b) < 1+macLen || b[0] != cursorVersion {
		return st, errInvalidCursor
	}
	content, sum := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(sum, c.mac(tenant, shape, content)) {
		return st, errInvalidCursor
	}
	// The content is the server's own from here on; the checks below
	// only guard against a key shared with a different encoder.
	r := content[1:]
	var ok bool
	if st.issued, r, ok = varint(r); !ok {
		return st, errInvalidCursor
	}
	var index, count uint64
	var total int64
	if index, r, ok = uvarint(r); !ok || index < 1 || index > 1<<40 {
		return st, errInvalidCursor
	}
	if count, r, ok = uvarint(r); !ok || count > 1<<30 {
		return st, errInvalidCursor
	}
	if total, r, ok = varint(r); !ok || total < -1 || total > 1<<40 {
		return st, errInvalidCursor
	}
	st.index, st.count, st.total, st.pos = int(index), int(count), int(total), string(r)
	if c.now().Sub(time.Unix(st.issued, 0)) > c.timeout {
		return st, errExpiredCursor
	}
	return st, nil
}

func uvarint(b []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, b, false
	}
	return v, b[n:], true
}

func varint(b []byte) (int64, []byte, bool) {
	v, n := binary.Varint(b)
	if n <= 0 {
		return 0, b, false
	}
	return v, b[n:], true
}

// seekCacheSize bounds the entries of a Server's seekCache.
const seekCacheSize = 4096

// seekKey names the page a startIndex request asks for: the tenant, the
// query's shape and the startIndex.
type seekKey struct {
	tenant string
	shape  [32]byte
	start  int
}

type seekEntry struct {
	pos   string
	added time.Time
	seekTotal
}

// seekTotal is the totalResults a startIndex walk's pages carry forward
// from the page that counted it, and when that page counted.
type seekTotal struct {
	total   int
	counted time.Time
}

// seekTotalMaxAge is how long a startIndex walk's seek pages repeat the
// totalResults that a page counted before asking the store to count
// again. A count costs a scan of every match (the whole tenant for an
// import walk), which for 100,000 users is most of a page's cost; pages
// are not consistent with one another anyway (RFC 7644 §3.4.2.4: clients
// "MUST be prepared to handle inconsistent results"), so a walk's total
// may lag writes by up to this long.
const seekTotalMaxAge = 10 * time.Second

// seekCache makes a startIndex walk (what Okta and JumpCloud send:
// startIndex=1, 101, 201, ... with one count) seek instead of skipping:
// after each page whose store answer has a Next position, the handler
// remembers that position under the startIndex of the following page, so
// that the request for that page asks the store for the matches after it
// (store.Page.After) rather than for an offset. A miss, an entry older
// than the cursor timeout or a position the store no longer reads falls
// back to the offset, which answers the same while nothing changed (and
// when something did, the seek skips no unchanged resource where the
// offset could). It holds at most seekCacheSize entries, the oldest
// evicted first; it is per process, so behind a load balancer a replica
// that did not serve the previous page pays the offset once.
type seekCache struct {
	mu      sync.Mutex
	entries map[seekKey]seekEntry
	order   []seekKey // ring of keys in insertion order
	next    int
	ttl     time.Duration
	now     func() time.Time
}

func newSeekCache(ttl time.Duration, now func() time.Time) *seekCache {
	return &seekCache{entries: make(map[seekKey]seekEntry), order: make([]seekKey, 0, seekCacheSize), ttl: ttl, now: now}
}

// get returns the position remembered for k, or "", and the total to
// carry forward (zero when it is older than seekTotalMaxAge, or there is
// none).
func (c *seekCache) get(k seekKey) (string, seekTotal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || e.pos == "" {
		return "", seekTotal{}
	}
	now := c.now()
	if now.Sub(e.added) > c.ttl {
		c.entries[k] = seekEntry{} // kept in its ring slot, as drop does
		return "", seekTotal{}
	}
	if e.counted.IsZero() || now.Sub(e.counted) > seekTotalMaxAge {
		e.seekTotal = seekTotal{}
	}
	return e.pos, e.seekTotal
}

// put remembers pos for k, with the total of the page before it.
func (c *seekCache) put(k seekKey, pos string, t seekTotal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok {
		if len(c.order) < seekCacheSize {
			c.order = append(c.order, k)
		} else {
			delete(c.entries, c.order[c.next])
			c.order[c.next] = k
			c.next = (c.next + 1) % seekCacheSize
		}
	}
	c.entries[k] = seekEntry{pos: pos, added: c.now(), seekTotal: t}
}

// drop forgets k's position. The key keeps its entry and its ring slot
// (get answers "" for it), so that a later put of k does not enter the
// key in the ring twice.
func (c *seekCache) drop(k seekKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		c.entries[k] = seekEntry{}
	}
}
