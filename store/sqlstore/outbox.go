package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/internal/jsonenc"
	"github.com/scimkit/scim/store"
)

// The outbox
//
// A Store is a [store.EventWriter]: every write method that changes
// something (CreateUser, ReplaceUser, DeleteUser, ArchiveUser,
// CreateGroup, ReplaceGroup, ReplaceGroupAttributes, PatchMembers,
// DeleteGroup) inserts the events of its context ([store.EventsFrom]) into
// the table scim_outbox (migrations 0007 and 0010) in its own
// transaction, after the statement that locked or created the resource's
// row (on PostgreSQL in that statement: execWrite), so the events exist
// exactly when the change commits. A write that fails, or whose
// [Store.InTx] rolls back, leaves none. Before writing, each event gets
// the version the write gave the resource as Version (a delete's events
// keep ""), the write's tenant ([store.TenantFrom]) as Tenant, a new ID if
// it has none and the store's clock as Time if it has none.
//
// Events get a position in commit order: on SQLite the table's
// INTEGER PRIMARY KEY seq (one writer at a time), which never goes back
// (sqliteLastSeq); on PostgreSQL a position
// column that the outbox assigns to committed rows, in insertion order,
// holding the one row of scim_outbox_state while it does, so that a
// transaction that commits late is positioned after those that committed
// before it, and cursors never skip it. The writes of one resource lock
// its row before they insert their events, so positions follow the order
// of each resource's changes.
//
// [Outbox.Run] delivers them at least once, in position order, to a
// handler; [Outbox.After] serves them to pull consumers ([event.Source]).
// Retention ([WithOutboxRetention]) removes the events older than it that
// every consumer of Run has delivered (all events older than it when no
// consumer was ever registered), in a periodic DELETE that Run and After
// make at most once a minute and [Outbox.Prune] makes on demand.

// DefaultRetention is how long the outbox keeps an event without
// [WithOutboxRetention]: 7 days, so that a daily reconciliation job that
// missed a day still finds its cursor.
const DefaultRetention = 7 * 24 * time.Hour

// pruneInterval is how often Run and After prune, at most.
const pruneInterval = time.Minute

// positionBatch is how many events one positioning transaction assigns.
const positionBatch = 1000

// WithOutbox turns the outbox on: the store becomes a [store.EventWriter]
// (WritesEvents reports true) and writes the change events of each write
// in the write's transaction, for [Outbox.Run] and [Outbox.After] to
// deliver. It is off by default, so that an app that consumes no events
// pays nothing for them and keeps no table of them: with it on, run the
// Outbox (or call After or Prune) so that retention removes old events.
// Off, the handler delivers events itself to Config.Events, if set, after
// each write, without the outbox's guarantee across a crash.
func WithOutbox() Option {
	return func(c *config) { c.outbox = true }
}

// WithOutboxRetention sets how long the outbox keeps delivered events
// (see [Outbox.Prune]); zero or less means [DefaultRetention].
func WithOutboxRetention(d time.Duration) Option {
	return func(c *config) { c.retention = d }
}

// WritesEvents implements [store.EventWriter]: true unless the store was
// made without [WithOutbox].
func (s *Store) WritesEvents() bool { return s.outbox != nil }

var (
	_ store.EventWriter = (*Store)(nil)
	_ event.Source      = (*Outbox)(nil)
)

// Outbox is the store's outbox of change events: drained by [Outbox.Run]
// and read by [Outbox.After]. It is safe for concurrent use, also by
// several processes sharing the database.
type Outbox struct {
	s         *Store
	retention time.Duration
	wake      signal
	lastPrune atomic.Int64 // unix nanoseconds of the last prune by this process
}

func newOutbox(s *Store, retention time.Duration) *Outbox {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return &Outbox{s: s, retention: retention}
}

// Outbox returns the store's outbox, or nil for a store made
// without [WithOutbox].
func (s *Store) Outbox() *Outbox { return s.outbox }

// signal wakes every goroutine waiting on it.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel that is closed at the next broadcast.
func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *signal) broadcast() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// wireEvent is the stored JSON form of an event.Event: its field names
// are the outbox's, so that a stored event reads back whatever the Go
// struct becomes.
type wireEvent struct {
	ID           string          `json:"id"`
	Tenant       string          `json:"tenant"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId"`
	ExternalID   string          `json:"externalId,omitempty"`
	Type         event.Type      `json:"type"`
	Time         time.Time       `json:"time"`
	Request      string          `json:"request,omitempty"`
	Method       string          `json:"method,omitempty"`
	Profile      string          `json:"profile,omitempty"`
	Attributes   []string        `json:"attributes,omitempty"`
	Members      []string        `json:"members,omitempty"`
	Version      string          `json:"version,omitempty"`
	Resource     json.RawMessage `json:"resource,omitempty"`
}

// encodeEvent returns the stored JSON form of e (wireEvent's).
func encodeEvent(e *event.Event) ([]byte, error) {
	var c compactor
	b, err := appendEvent(nil, e, &c)
	if err != nil {
		return nil, err
	}
	return appendVersion(b, e.Version), nil
}

// compactor compacts the Resource of events, once for the events of one
// write that share it (event.UserEvents gives them one slice).
type compactor struct {
	src []byte // the Resource last compacted
	out []byte // its compact form
}

func (c *compactor) compact(r []byte) ([]byte, error) {
	if len(c.src) == len(r) && len(r) > 0 && &c.src[0] == &r[0] {
		return c.out, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(r))
	if err := json.Compact(&buf, r); err != nil {
		return nil, fmt.Errorf("event resource: %w", err)
	}
	c.src, c.out = r, buf.Bytes()
	return c.out, nil
}

// appendEvent appends the stored JSON form of e (wireEvent's fields, the
// same JSON encoding/json gives it) to dst, up to and without its
// version and closing brace, which appendVersion adds: the version may be
// the database's (foldEvents). It writes by hand what json.Marshal would
// find by reflection, and compacts the Resource once per write (c).
func appendEvent(dst []byte, e *event.Event, c *compactor) ([]byte, error) {
	str := func(name, v string, omitEmpty bool) {
		if omitEmpty && v == "" {
			return
		}
		dst = append(dst, ',', '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
		dst = jsonenc.AppendString(dst, v)
	}
	list := func(name string, vs []string) {
		if len(vs) == 0 {
			return
		}
		dst = append(dst, ',', '"')
		dst = append(dst, name...)
		dst = append(dst, `":[`...)
		for i, v := range vs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonenc.AppendString(dst, v)
		}
		dst = append(dst, ']')
	}
	if y := e.Time.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("event %s: time %v: year outside of range [0,9999]", e.ID, e.Time)
	}
	dst = append(dst, `{"id":`...)
	dst = jsonenc.AppendString(dst, e.ID)
	str("tenant", e.Tenant, false)
	str("resourceType", e.ResourceType, false)
	str("resourceId", e.ResourceID, false)
	str("externalId", e.ExternalID, true)
	str("type", string(e.Type), false)
	dst = append(dst, `,"time":"`...)
	dst = e.Time.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, '"')
	str("request", e.Request, true)
	str("method", e.Method, true)
	str("profile", e.Profile, true)
	list("attributes", e.Attributes)
	list("members", e.Members)
	if len(e.Resource) > 0 {
		r, err := c.compact(e.Resource)
		if err != nil {
			return nil, err
		}
		dst = append(dst, `,"resource":`...)
		dst = append(dst, r...)
	}
	return dst, nil
}

// versionOpen ends an event whose version is still to come.
const versionOpen = `,"version":"`

// appendVersion ends the JSON form appendEvent began, with version v
// (none when "").
func appendVersion(dst []byte, v string) []byte {
	if v != "" {
		dst = append(dst, `,"version":`...)
		dst = jsonenc.AppendString(dst, v)
	}
	return append(dst, '}')
}

func decodeEvent(data []byte) (event.Event, error) {
	var w wireEvent
	if err := json.Unmarshal(data, &w); err != nil {
		return event.Event{}, fmt.Errorf("sqlstore: outbox event: %w", err)
	}
	return event.Event{ID: w.ID, Tenant: w.Tenant, ResourceType: w.ResourceType, ResourceID: w.ResourceID,
		ExternalID: w.ExternalID, Type: w.Type, Time: w.Time, Request: w.Request, Method: w.Method,
		Profile: w.Profile, Attributes: w.Attributes, Members: w.Members, Version: w.Version, Resource: w.Resource}, nil
}

// eventRowChunk is the number of events per multi-row INSERT.
const eventRowChunk = 200

// outboxRows returns the events of ctx as rows of scim_outbox, each the
// JSON form of one event, nil when there are none or the outbox is off.
// Each event gets the tenant of ctx, a new ID if it has none, the store's
// clock (also the rows' written, returned) as Time if it has none, and
// version as Version unless it is a delete's. With open, every event but
// a delete's is left open (see appendEvent) for the version the database
// gives the write, and opened[i] says which.
func (s *Store) outboxRows(ctx context.Context, version string, open bool) (data [][]byte, opened []bool, written any, err error) {
	if s.outbox == nil {
		return nil, nil, nil, nil
	}
	evs := store.EventsFrom(ctx)
	if len(evs) == 0 {
		return nil, nil, nil, nil
	}
	tenant := store.TenantFrom(ctx)
	now := s.now()
	data = make([][]byte, len(evs))
	opened = make([]bool, len(evs))
	var c compactor
	for i := range evs {
		e := evs[i] // a copy: the caller's events stay as they are
		e.Tenant = tenant
		if e.ID == "" {
			e.ID = event.NewID()
		}
		if e.Time.IsZero() {
			e.Time = now
		}
		deleted := e.Type == event.UserDeleted || e.Type == event.GroupDeleted
		if !deleted {
			e.Version = version
		}
		b, err := appendEvent(make([]byte, 0, 320+len(e.Resource)), &e, &c)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("sqlstore: outbox: %w", err)
		}
		if open && !deleted {
			data[i], opened[i] = append(b, versionOpen...), true
		} else {
			data[i] = appendVersion(b, e.Version)
		}
	}
	return data, opened, timeText(now), nil
}

// writeEvents inserts the change events of ctx into the outbox, on q,
// the transaction of the write that gave the resource version (""
// for a delete). Every write method calls it last in its transaction,
// unless execWrite wrote them.
func (s *Store) writeEvents(ctx context.Context, q querier, version string) error {
	data, _, written, err := s.outboxRows(ctx, version, false)
	if err != nil || len(data) == 0 {
		return err
	}
	tenant := store.TenantFrom(ctx)
	for start := 0; start < len(data); start += eventRowChunk {
		chunk := data[start:min(start+eventRowChunk, len(data))]
		var b strings.Builder
		args := make([]any, 0, 2+len(chunk))
		args = append(args, tenant, written)
		if s.dialect == SQLite {
			// seq: the first row's is one more than the largest seq
			// there is or retention removed; the others' (NULL) are
			// one more than the row before.
			b.WriteString("INSERT INTO scim_outbox (seq, tenant, written, data) VALUES ")
			for i, d := range chunk {
				if i > 0 {
					b.WriteString(", (NULL, ")
				} else {
					b.WriteString("(" + sqliteNextSeq + ", ")
				}
				args = append(args, d)
				b.WriteString(s.ph(1) + ", " + s.ph(2) + ", " + s.ph(len(args)) + ")")
			}
		} else {
			b.WriteString("INSERT INTO scim_outbox (tenant, written, data) VALUES ")
			for i, d := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				args = append(args, d)
				b.WriteString("(" + s.ph(1) + ", " + s.ph(2) + ", " + s.ph(len(args)) + ")")
			}
		}
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("sqlstore: outbox: %w", err)
		}
	}
	s.wroteEvents(ctx)
	return nil
}

// sqliteLastSeq is, on SQLite, the last seq the outbox gave: the largest
// in the table, or the largest retention removed (scim_outbox_state's
// last_pos, raised by Prune before it deletes), whichever is larger. seq
// is an INTEGER PRIMARY KEY without AUTOINCREMENT (migration 0010), so
// that a write does not also update sqlite_sequence.
const sqliteLastSeq = "(SELECT max(last_pos, COALESCE((SELECT MAX(seq) FROM scim_outbox), 0)) FROM scim_outbox_state WHERE id = 1)"

// sqliteNextSeq is the seq of a write's first event on SQLite.
const sqliteNextSeq = "(" + sqliteLastSeq + " + 1)"

// wroteEvents marks the transaction of ctx as one that wrote events, so
// that its commit wakes the outbox's drainers.
func (s *Store) wroteEvents(ctx context.Context) {
	if st, ok := ctx.Value(txKey{s}).(*txState); ok {
		st.events.Store(true)
	}
}

// execWrite runs query on q: the statement of a write that creates,
// updates or deletes the row of one resource, and so locks it (an
// INSERT, UPDATE or DELETE with $n placeholders and no RETURNING). On
// PostgreSQL, when ctx has change events, the same statement inserts
// them into the outbox (foldEvents), and folded reports it; the Result's
// RowsAffected is zero exactly when the write wrote no row either way.
// Otherwise (SQLite, no events, more than eventRowChunk of them) the
// write calls writeEvents last.
func (s *Store) execWrite(ctx context.Context, q querier, query string, args []any, versioned bool) (_ sql.Result, folded bool, err error) {
	fq, fargs, folded, err := s.foldEvents(ctx, query, args, versioned)
	if err != nil {
		return nil, false, err
	}
	res, err := q.ExecContext(ctx, fq, fargs...)
	if err != nil {
		return nil, false, err
	}
	if folded {
		s.wroteEvents(ctx)
	}
	return res, folded, nil
}

// foldEvents returns the statement that runs query (as execWrite
// describes it) and, on PostgreSQL when ctx has change events, inserts
// them into the outbox: a data-modifying WITH whose INSERT into
// scim_outbox writes one row per event for each row the write wrote,
// with the version it gave the row (RETURNING version), or "" for a
// delete (versioned false), in the events' order. The write and its
// events are then one round trip, and the events are inserted once the
// row is locked, as writeEvents' are. The WITH's write is w, for a
// RETURNING the caller appends. folded is false, and the statement query
// itself (rebound), when there is nothing to fold.
func (s *Store) foldEvents(ctx context.Context, query string, args []any, versioned bool) (_ string, _ []any, folded bool, err error) {
	return s.foldEventsReturning(ctx, query, args, versioned, "")
}

// foldEventsReturning is foldEvents for a write that returns its row:
// with returning (a RETURNING list that names version) not "", the write
// is query with RETURNING returning, and when it folds the events, the
// WITH's write w returns that list, the outbox's INSERT is a second
// data-modifying WITH, and the statement's own rows are w's (SELECT * FROM
// w): zero rows exactly when the write wrote none. With returning "" it
// is foldEvents.
func (s *Store) foldEventsReturning(ctx context.Context, query string, args []any, versioned bool, returning string) (_ string, _ []any, folded bool, err error) {
	plain := query
	if returning != "" {
		plain += " RETURNING " + returning
	}
	if s.dialect != Postgres || s.outbox == nil || len(store.EventsFrom(ctx)) > eventRowChunk {
		return s.rebind(plain), args, false, nil
	}
	data, opened, written, err := s.outboxRows(ctx, "", versioned)
	if err != nil || len(data) == 0 {
		return s.rebind(plain), args, false, err
	}
	var b strings.Builder
	b.WriteString("WITH w AS (")
	b.WriteString(query)
	if returning != "" {
		b.WriteString(" RETURNING " + returning + "), o AS (")
	} else {
		b.WriteString(" RETURNING version) ")
	}
	b.WriteString("INSERT INTO scim_outbox (tenant, written, data) SELECT ")
	args = append(args[:len(args):len(args)], store.TenantFrom(ctx), written)
	b.WriteString("$" + strconv.Itoa(len(args)-1) + "::text, $" + strconv.Itoa(len(args)) + "::text")
	b.WriteString(`, CASE WHEN e.o THEN e.d || w.version::text || '"}' ELSE e.d END FROM w, (VALUES `)
	for i, d := range data {
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, d)
		b.WriteString("(" + strconv.Itoa(i) + ", $" + strconv.Itoa(len(args)) + "::text, " + strconv.FormatBool(opened[i]) + ")")
	}
	// Rows are numbered (seq) in the order the INSERT receives them.
	b.WriteString(") AS e (n, d, o) ORDER BY e.n")
	if returning != "" {
		b.WriteString(") SELECT * FROM w")
	}
	return b.String(), args, true, nil
}

// queryWrite is execWrite for a write of one row that returns the row as
// stored: query (with $n placeholders, no RETURNING) runs with RETURNING
// returning, which names version, and scan reads the row it returns
// (sql.ErrNoRows when the write wrote none), in one statement that on
// PostgreSQL also inserts the change events of ctx (foldEventsReturning;
// folded reports it). scan's error is returned as it is.
func (s *Store) queryWrite(ctx context.Context, q querier, query string, args []any, returning string, scan func(scanner) error) (folded bool, err error) {
	fq, fargs, folded, err := s.foldEventsReturning(ctx, query, args, true, returning)
	if err != nil {
		return false, err
	}
	if err := scan(q.QueryRowContext(ctx, fq, fargs...)); err != nil {
		return false, err
	}
	if folded {
		s.wroteEvents(ctx)
	}
	return folded, nil
}

// posCol is the column of an event's position.
func (o *Outbox) posCol() string {
	if o.s.dialect == Postgres {
		return "pos"
	}
	return "seq"
}

// position assigns positions to the committed events that have none
// (PostgreSQL only; on SQLite seq is the position), up to positionBatch at
// a time until none is left. With wait false it returns at once when
// another positioner holds the state row.
func (o *Outbox) position(ctx context.Context, wait bool) error {
	if o.s.dialect != Postgres {
		return nil
	}
	lock := " FOR UPDATE"
	if !wait {
		lock += " SKIP LOCKED"
	}
	for {
		n, err := o.positionOnce(ctx, lock)
		if err != nil || n < positionBatch {
			return err
		}
	}
}

func (o *Outbox) positionOnce(ctx context.Context, lock string) (n int64, err error) {
	tx, err := o.s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: %w", err)
	}
	defer func() {
		if err != nil || n == 0 {
			_ = tx.Rollback()
		}
	}()
	var last int64
	// Under READ COMMITTED, the statements after the lock see every
	// position the previous holder committed.
	err = tx.QueryRowContext(ctx, "SELECT last_pos FROM scim_outbox_state WHERE id = 1"+lock).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // another positioner is at work
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: position: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE scim_outbox o SET pos = $1 + t.rn
		FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS rn
			FROM (SELECT seq FROM scim_outbox WHERE pos IS NULL ORDER BY seq LIMIT $2) p) t
		WHERE o.seq = t.seq`, last, positionBatch)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: position: %w", err)
	}
	if n, err = res.RowsAffected(); err != nil || n == 0 {
		return 0, err
	}
	if _, err = tx.ExecContext(ctx, "UPDATE scim_outbox_state SET last_pos = $1 WHERE id = 1", last+n); err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: position: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: position: %w", err)
	}
	return n, nil
}

// state returns the outbox's epoch and its last position.
func (o *Outbox) state(ctx context.Context) (epoch string, last int64, err error) {
	query := "SELECT epoch, last_pos FROM scim_outbox_state WHERE id = 1"
	if o.s.dialect == SQLite {
		query = "SELECT epoch, " + sqliteLastSeq + " FROM scim_outbox_state WHERE id = 1"
	}
	if err := o.s.db.QueryRowContext(ctx, query).Scan(&epoch, &last); err != nil {
		return "", 0, fmt.Errorf("sqlstore: outbox: %w", err)
	}
	return epoch, last, nil
}

// pruned returns the last position of tenant that retention removed.
func (o *Outbox) pruned(ctx context.Context, tenant string) (int64, error) {
	var pos int64
	err := o.s.db.QueryRowContext(ctx, o.s.rebind("SELECT pos FROM scim_outbox_pruned WHERE tenant = $1"), tenant).Scan(&pos)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlstore: outbox: %w", err)
	}
	return pos, nil
}

func cursorText(epoch string, pos int64) string { return epoch + "." + strconv.FormatInt(pos, 10) }

// After implements [event.Source] over the outbox: the events of tenant
// positioned after cursor, in position order (commit order per resource),
// at most limit of them (see event.Source for 0 and the maximum). A
// cursor is the outbox's epoch (random per database, so a cursor of
// another database is ErrCursorExpired) and a position. A cursor older
// than what retention removed from tenant is [event.ErrCursorExpired],
// with the cursor from which the tenant's events are complete again.
// After reads without a transaction: it reads the removal mark again after
// the events, so an event removed while it read is never skipped silently.
func (o *Outbox) After(ctx context.Context, tenant, cursor string, limit int) (_ []event.Event, _ string, err error) {
	defer classify(&err)
	if err := ctx.Err(); err != nil {
		return nil, cursor, err
	}
	switch {
	case limit <= 0:
		limit = event.DefaultLimit
	case limit > event.MaxLimit:
		limit = event.MaxLimit
	}
	o.maybePrune(ctx)
	if err := o.position(ctx, false); err != nil {
		return nil, cursor, err
	}
	epoch, last, err := o.state(ctx)
	if err != nil {
		return nil, cursor, err
	}
	pruned, err := o.pruned(ctx, tenant)
	if err != nil {
		return nil, cursor, err
	}
	from := pruned
	if cursor != "" {
		ep, num, ok := strings.Cut(cursor, ".")
		pos, perr := strconv.ParseInt(num, 10, 64)
		switch {
		case !ok || perr != nil || pos < 0 || len(ep) != len(epoch) || ep == epoch && pos > last:
			return nil, cursor, event.ErrBadCursor
		case ep != epoch, pos < pruned:
			return nil, cursorText(epoch, pruned), event.ErrCursorExpired
		}
		from = pos
	}
	col := o.posCol()
	rows, err := o.s.db.QueryContext(ctx, o.s.rebind("SELECT "+col+", data FROM scim_outbox WHERE tenant = $1 AND "+col+
		" > $2 AND "+col+" <= $3 ORDER BY "+col+" LIMIT $4"), tenant, from, last, limit+1)
	if err != nil {
		return nil, cursor, fmt.Errorf("sqlstore: outbox: after: %w", err)
	}
	defer rows.Close()
	out := make([]event.Event, 0, min(limit, 16))
	next, more := max(from, last), false
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		var pos int64
		var data []byte
		if err := rows.Scan(&pos, &data); err != nil {
			return nil, cursor, fmt.Errorf("sqlstore: outbox: after: %w", err)
		}
		e, err := decodeEvent(data)
		if err != nil {
			return nil, cursor, err
		}
		out = append(out, e)
		if len(out) == limit {
			next = pos
		}
	}
	if err := rows.Err(); err != nil {
		return nil, cursor, fmt.Errorf("sqlstore: outbox: after: %w", err)
	}
	rows.Close()
	if !more {
		next = max(from, last)
	}
	// Retention may have removed events between the reads above.
	if again, err := o.pruned(ctx, tenant); err != nil {
		return nil, cursor, err
	} else if again > from {
		return nil, cursorText(epoch, again), event.ErrCursorExpired
	}
	return out, cursorText(epoch, next), nil
}

// maybePrune prunes when this process has not pruned for pruneInterval.
// Its errors are left to the next prune.
func (o *Outbox) maybePrune(ctx context.Context) {
	now := time.Now().UnixNano()
	last := o.lastPrune.Load()
	if now-last < int64(pruneInterval) || !o.lastPrune.CompareAndSwap(last, now) {
		return
	}
	_ = o.Prune(ctx)
}

// Prune applies retention now, in one transaction: it deletes the
// positioned events written longer ago than the retention
// ([WithOutboxRetention], on the store's clock) that every consumer
// registered by [Outbox.Run] has delivered, or, when no consumer was ever
// registered, all of them; and it records, per tenant, the last position
// it removed, which makes older cursors expire. Undelivered events of a
// registered consumer are never removed: a consumer that is gone for good
// is deleted from scim_outbox_consumers by hand. Run and After prune at
// most once a minute by themselves.
func (o *Outbox) Prune(ctx context.Context) (err error) {
	defer classify(&err)
	cutoff := timeText(o.s.now().Add(-o.retention))
	col := o.posCol()
	return o.s.InTx(ctx, func(ctx context.Context) error {
		q := o.s.q(ctx)
		var bound sql.NullInt64
		if err := q.QueryRowContext(ctx, "SELECT MIN(delivered) FROM scim_outbox_consumers").Scan(&bound); err != nil {
			return fmt.Errorf("sqlstore: outbox: prune: %w", err)
		}
		cond := col + " IS NOT NULL AND written < $1"
		args := []any{cutoff}
		if bound.Valid {
			cond += " AND " + col + " <= $2"
			args = append(args, bound.Int64)
		}
		greatest := "GREATEST"
		if o.s.dialect == SQLite {
			greatest = "max"
		}
		if _, err := q.ExecContext(ctx, o.s.rebind(`INSERT INTO scim_outbox_pruned (tenant, pos)
			SELECT tenant, MAX(`+col+`) FROM scim_outbox WHERE `+cond+` GROUP BY tenant
			ON CONFLICT (tenant) DO UPDATE SET pos = `+greatest+`(scim_outbox_pruned.pos, excluded.pos)`), args...); err != nil {
			return fmt.Errorf("sqlstore: outbox: prune: %w", err)
		}
		if o.s.dialect == SQLite { // seq never goes back (sqliteLastSeq)
			if _, err := q.ExecContext(ctx, "UPDATE scim_outbox_state SET last_pos = "+sqliteLastSeq+" WHERE id = 1"); err != nil {
				return fmt.Errorf("sqlstore: outbox: prune: %w", err)
			}
		}
		if _, err := q.ExecContext(ctx, o.s.rebind("DELETE FROM scim_outbox WHERE "+cond), args...); err != nil {
			return fmt.Errorf("sqlstore: outbox: prune: %w", err)
		}
		return nil
	})
}
