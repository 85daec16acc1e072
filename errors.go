package scim

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/scimkit/scim/internal/jsonenc"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// The scimType values of RFC 7644 §3.12, table 9: package resource's one
// vocabulary of SCIM error types (see there for what each means), named
// here for building an *Error with NewError.
const (
	ScimTypeInvalidFilter = resource.ScimTypeInvalidFilter
	ScimTypeTooMany       = resource.ScimTypeTooMany
	ScimTypeUniqueness    = resource.ScimTypeUniqueness
	ScimTypeMutability    = resource.ScimTypeMutability
	ScimTypeInvalidSyntax = resource.ScimTypeInvalidSyntax
	ScimTypeInvalidPath   = resource.ScimTypeInvalidPath
	ScimTypeNoTarget      = resource.ScimTypeNoTarget
	ScimTypeInvalidValue  = resource.ScimTypeInvalidValue
	ScimTypeInvalidVers   = resource.ScimTypeInvalidVers
	ScimTypeSensitive     = resource.ScimTypeSensitive
)

// ErrorSchema is the URN of the SCIM error message (RFC 7644 §3.12).
const ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

// Error is a SCIM error response (RFC 7644 §3.12): an HTTP status, an
// optional scimType and a detail for the client. Err is the cause, which
// is logged but never sent to the client.
//
// Match it with errors.As and a pointer:
//
//	var e *scim.Error
//	if errors.As(err, &e) { ... e.Status ... }
type Error struct {
	Status   int
	ScimType string
	Detail   string
	Err      error
}

// NewError returns a new *Error. Each call returns a fresh value.
func NewError(status int, scimType, detail string) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: detail}
}

// Error returns the status, scimType, detail and cause, for logs.
func (e *Error) Error() string {
	s := "scim: " + strconv.Itoa(e.Status)
	if e.ScimType != "" {
		s += " " + e.ScimType
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Status and ScimType
// and, unless target's Detail is empty, the same Detail.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return e.Status == t.Status && e.ScimType == t.ScimType && (t.Detail == "" || t.Detail == e.Detail)
}

// LogValue implements slog.LogValuer.
func (e *Error) LogValue() slog.Value {
	attrs := []slog.Attr{slog.Int("status", e.Status)}
	if e.ScimType != "" {
		attrs = append(attrs, slog.String("scimType", e.ScimType))
	}
	if e.Detail != "" {
		attrs = append(attrs, slog.String("detail", e.Detail))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("cause", e.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

// taken turns the store's ErrConflict on a write into the 409 uniqueness
// naming the value of attr that another resource of the tenant has, which
// the IdP's admin can act on; other errors are returned as they are.
func taken(err error, kind, attr, value string) error {
	if errors.Is(err, store.ErrConflict) {
		return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness,
			Detail: "a " + kind + " with " + attr + " " + strconv.Quote(value) + " already exists in this tenant", Err: err}
	}
	return err
}

// StatusOf returns the HTTP status the handler answers err with: the
// Status of a *Error, 400 for a resource.RequestError (the errors of
// packages resource, filter and patch, or an app's own), 404, 409 or 412
// for the store sentinels, 413 for an oversized body, 503 for
// store.ErrUnavailable and context cancellation or deadline, and 500 for
// anything else.
func StatusOf(err error) int { return toError(err).Status }

// toError maps any error to the *Error the client sees.
func toError(err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	var re resource.RequestError
	if errors.As(err, &re) {
		scimType, detail := re.SCIMError()
		return &Error{Status: http.StatusBadRequest, ScimType: scimType, Detail: detail, Err: err}
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Detail: "request body larger than " + strconv.FormatInt(mb.Limit, 10) + " bytes", Err: err}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Detail: "resource not found", Err: err}
	case errors.Is(err, store.ErrConflict):
		return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness, Detail: "a resource with the same unique attribute exists", Err: err}
	case errors.Is(err, store.ErrPreconditionFailed):
		return &Error{Status: http.StatusPreconditionFailed, Detail: "resource version does not match If-Match", Err: err}
	case errors.Is(err, store.ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Detail: "the service is temporarily unavailable; try again later", Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Detail: "request cancelled or timed out", Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Detail: "internal server error", Err: err}
}

// WriteError writes err as a SCIM error response with Content-Type
// application/scim+json; see StatusOf for the status. It is meant for the
// app's own middleware, e.g. an authentication layer answering 401 in the
// form identity providers expect. A 503 carries Retry-After with
// DefaultRetryAfter. Causes of 5xx errors are logged with slog.Default and
// never sent to the client.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, err, slog.Default(), defaultRetryAfter)
}

var defaultRetryAfter = retryAfterHeader(DefaultRetryAfter)

// writeError writes the SCIM error for err; a 503 gets Retry-After:
// retryAfter (seconds) unless the handler set one.
func writeError(w http.ResponseWriter, r *http.Request, err error, log *slog.Logger, retryAfter string) {
	e := toError(err)
	if e.Status >= 500 {
		log.ErrorContext(r.Context(), "scim: request failed", "method", r.Method, "path", r.URL.Path, "status", e.Status, "error", err)
	}
	switch h := w.Header(); {
	case e.Status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "":
		h.Set("WWW-Authenticate", `Bearer realm="scim"`)
	case e.Status == http.StatusServiceUnavailable && h.Get("Retry-After") == "":
		h.Set("Retry-After", retryAfter)
	}
	b := make([]byte, 0, 128)
	b = append(b, `{"schemas":["`+ErrorSchema+`"],"status":"`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, '"')
	if e.ScimType != "" {
		b = append(b, `,"scimType":`...)
		b = jsonenc.AppendString(b, e.ScimType)
	}
	if e.Detail != "" {
		b = append(b, `,"detail":`...)
		b = jsonenc.AppendString(b, e.Detail)
	}
	b = append(b, '}')
	writeJSON(w, e.Status, b)
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	noteError(w, err) // for Config.Observe (observe.go)
	writeError(w, r, err, s.log, s.retryAfter)
}

// notFound names the missing resource in a 404's detail.
func notFound(err error, kind, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Status: http.StatusNotFound, Detail: kind + " " + strconv.Quote(id) + " not found", Err: err}
	}
	return err
}
