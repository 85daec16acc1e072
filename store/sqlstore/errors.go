package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/scimkit/scim/store"
)

// Unavailable reports whether err says that the database cannot answer
// now but may on a retry, the condition store.ErrUnavailable names:
//
//   - the network: any net.Error (connection refused, reset, a dial or I/O
//     timeout), the errnos ECONNREFUSED, ECONNRESET, ECONNABORTED, EPIPE,
//     ETIMEDOUT, EHOSTUNREACH and ENETUNREACH, and io.ErrUnexpectedEOF (a
//     connection closed mid-reply);
//   - database/sql: driver.ErrBadConn and sql.ErrConnDone;
//   - an error with a SafeToRetry() bool method that answers true (pgx's
//     for a statement it did not send, as "conn closed" on a connection
//     that died while idle in the pool);
//   - PostgreSQL, by SQLSTATE (an error with a SQLState() string method,
//     as pgx's *pgconn.PgError): class 08 (connection exception), 57P01
//     to 57P03 (the server is shutting down or starting), 53300 (too many
//     connections), 55P03 (lock not available) and 57014 (statement
//     timeout or cancel);
//   - SQLite, by result code (an error with a Code() int method, as
//     modernc.org/sqlite's *sqlite.Error): SQLITE_BUSY and SQLITE_LOCKED
//     with their extended codes, and the message "database is locked" as a
//     last resort for drivers that expose no code;
//   - context.DeadlineExceeded;
//   - an error that already wraps store.ErrUnavailable.
//
// Everything else, a constraint violation or a bad query among them, is
// not. The driver packages are not imported: their errors are recognised
// by method. Apps with their own tables can use Unavailable to classify
// their database/sql errors the same way.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var r retrier
	if errors.As(err, &r) && r.SafeToRetry() {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EPIPE, syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var st sqlStater
	if errors.As(err, &st) {
		switch code := st.SQLState(); {
		case strings.HasPrefix(code, "08"), code == "57P01", code == "57P02", code == "57P03",
			code == "53300", code == "55P03", code == "57014":
			return true
		}
		return false
	}
	var c coder
	if errors.As(err, &c) {
		// The primary result code is the low byte of an extended code.
		switch c.Code() & 0xff {
		case sqliteBusy, sqliteLocked:
			return true
		}
		return false
	}
	return strings.Contains(err.Error(), "database is locked")
}

// SQLite primary result codes.
const (
	sqliteBusy   = 5
	sqliteLocked = 6
)

// classify wraps store.ErrUnavailable around *err if [Unavailable] says
// so. Every exported method that reaches the database defers it, so that
// each of their errors is classified once, whichever statement failed.
func classify(err *error) {
	if *err != nil && !errors.Is(*err, store.ErrUnavailable) && Unavailable(*err) {
		*err = fmt.Errorf("%w: %w", store.ErrUnavailable, *err)
	}
}
