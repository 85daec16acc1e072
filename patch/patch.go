package patch

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

// PatchOpSchema is the URN of the PatchOp message (RFC 7644 §3.5.2).
const PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// DefaultMaxOperations is the default of Options.MaxOperations.
const DefaultMaxOperations = 1000

// Operation names (RFC 7644 §3.5.2), as ParseRequest returns them.
const (
	OpAdd     = "add"
	OpReplace = "replace"
	OpRemove  = "remove"
)

// Op is one PATCH operation (RFC 7644 §3.5.2). Op is "add", "replace" or
// "remove" ([ParseRequest] lower-cases it); Path is "" when the request
// has none; Value is the raw JSON of the value, nil when absent.
//
// An Op from ParseRequest also carries what ParseRequest read: the
// canonical op, the parsed path (with Options.Limits) and the parsed
// value, which Members, PlanGroup, ApplyUser and ApplyGroup use instead of
// reading the operation again. An Op built by hand, or whose fields were
// changed, is read when it is used.
type Op struct {
	Op    string
	Path  string
	Value json.RawMessage

	r *opRead
}

// opRead is one reading of an Op: the fields it was read from, and what
// they mean.
type opRead struct {
	op, path string
	raw      json.RawMessage

	kind    string // canonical op name; "" when opErr is set
	opErr   *Error
	trimmed string // the path without surrounding space
	// parsed is the parsed path, nil when there is none or when it does not
	// parse (pathErr); paths are parsed even when they are "schemas" or an
	// extension URN, which the applier resolves without it.
	parsed  *filter.Path
	pathErr error
	hasVal  bool            // the operation has a "value" member
	val     jsonparse.Value // the value, when hasVal
	valErr  *Error
}

// pathParses counts parsed operation paths, for the test that an
// operation is read once.
var pathParses atomic.Int64

// read returns the reading of op: the one ParseRequest recorded when op's
// fields are still the ones it read, else a new one.
func (op *Op) read(opts Options) *opRead {
	if r := op.r; r != nil && r.op == op.Op && r.path == op.Path && sameBytes(r.raw, op.Value) {
		return r
	}
	r := &opRead{op: op.Op, path: op.Path, raw: op.Value}
	r.kind, r.opErr = opName(op.Op, opts)
	r.readPath(opts)
	if r.hasVal = len(bytes.TrimSpace(op.Value)) > 0; r.hasVal {
		r.val, r.valErr = parseValue(op.Value)
	}
	return r
}

// readPath parses r.path with the options' limits.
func (r *opRead) readPath(opts Options) {
	r.trimmed = strings.TrimSpace(r.path)
	if r.trimmed == "" {
		return
	}
	pathParses.Add(1)
	r.parsed, r.pathErr = opts.Limits.ParsePath(r.trimmed)
}

// sameBytes reports whether a and b are the same slice.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// reads returns the reading of each operation of ops.
func reads(ops []Op, opts Options) []*opRead {
	out := make([]*opRead, len(ops))
	for i := range ops {
		out[i] = ops[i].read(opts)
	}
	return out
}

// Options tune ParseRequest, ApplyUser, ApplyGroup and Members. The zero
// value is ready to use: every IdP normalisation on, at most
// DefaultMaxOperations operations.
type Options struct {
	// MaxOperations is the most operations a request may carry; 0 means
	// DefaultMaxOperations.
	MaxOperations int
	// Disable turns off the listed IdP tolerances (package quirk); each one
	// turned off makes the package stricter, as RFC 7644 reads without it.
	// The patched resource is decoded with the same set.
	Disable quirk.Set
	// Limits bound the parsing of paths and of the value filters in them
	// (the server's filter limits); the zero value means filter's defaults.
	Limits filter.Limits
	// Fired, when not nil, receives each tolerance that changed how the
	// request was read or applied ("Replace" read as replace, a remove of
	// an absent value that succeeded); a request that RFC 7644 reads the
	// same way adds nothing. The set is added to, not cleared, and a
	// retried read-modify-write may add to it again. Whether a member
	// removed through members[value eq "id"] was absent is known only
	// where the operations are applied to the group (ApplyGroup,
	// GroupPlan.Apply): a handler that gives the net removal of Members to
	// a store's membership fast path cannot record quirk.IdempotentRemove
	// for it.
	Fired *quirk.Set
}

func (o Options) on(q quirk.Set) bool { return o.Disable&q == 0 }

// use reports whether the tolerance q is on and records it as fired: call
// it only where the tolerant reading differs from the strict one.
func (o Options) use(q quirk.Set) bool { return o.quirks().Use(q, o.Fired) }

// quirks returns the tolerances that are on.
func (o Options) quirks() quirk.Set { return quirk.All &^ o.Disable }

func (o Options) maxOps() int {
	if o.MaxOperations > 0 {
		return o.MaxOperations
	}
	return DefaultMaxOperations
}

// Error is a failed PATCH request or operation, a resource.RequestError
// answered with status 400 and ScimType (RFC 7644 §3.12): invalidSyntax,
// invalidPath, noTarget, invalidValue or mutability. Detail is safe to show to the
// client; it starts with "operation N: " (counting from 1) when one
// operation is at fault, and is the validation failure of the patched
// resource otherwise. Match it with
// errors.As and a *Error target.
type Error struct {
	ScimType string
	Detail   string
}

// Error implements the error interface.
func (e *Error) Error() string { return "scim " + e.ScimType + ": " + e.Detail }

// SCIMError returns ScimType and Detail (resource.RequestError).
func (e *Error) SCIMError() (scimType, detail string) { return e.ScimType, e.Detail }

// Short names for the scimTypes of resource's vocabulary that this
// package answers.
const (
	invalidSyntax = resource.ScimTypeInvalidSyntax
	invalidPath   = resource.ScimTypeInvalidPath
	noTarget      = resource.ScimTypeNoTarget
	invalidValue  = resource.ScimTypeInvalidValue
	mutability    = resource.ScimTypeMutability
)

func errf(scimType, detail string) *Error { return &Error{ScimType: scimType, Detail: detail} }

// The PATCH body and every value are read by the library's one JSON reader
// (internal/jsonparse), the one that reads POST bodies, so that text POST
// refuses (invalid UTF-8, lone surrogates, U+0000, strings over
// resource.MaxStringLength) is refused in PATCH too, with the same
// scimType.

// bodyDepth is the nesting a PATCH body may have: a resource's, plus the
// message object, the Operations array and the operation object.
const bodyDepth = resource.MaxDepth + 3

// parseJSON reads raw with the library's JSON reader, nested at most
// depth deep; what names the text in the error.
func parseJSON(raw []byte, depth int, what string) (jsonparse.Value, *Error) {
	v, err := jsonparse.Parse(raw, depth)
	if err != nil {
		e := err.(*jsonparse.Error)
		return jsonparse.Value{}, errf(e.ScimType, what+": "+e.Detail)
	}
	return v, nil
}

// parseValue reads an operation's value.
func parseValue(raw []byte) (jsonparse.Value, *Error) {
	return parseJSON(raw, resource.MaxDepth, `"value"`)
}

// toAny converts a parsed value to the tree the applier works on: string,
// bool, json.Number (numbers are kept exactly), []any, map[string]any (of
// duplicate keys the last wins), nil for null.
func toAny(v *jsonparse.Value) any {
	switch v.Kind {
	case jsonparse.True:
		return true
	case jsonparse.False:
		return false
	case jsonparse.String:
		return v.Str
	case jsonparse.Number:
		return json.Number(v.Str)
	case jsonparse.Array:
		out := make([]any, len(v.Elems))
		for i := range v.Elems {
			out[i] = toAny(&v.Elems[i])
		}
		return out
	case jsonparse.Object:
		m := make(map[string]any, len(v.Mems))
		for i := range v.Mems {
			m[v.Mems[i].Key] = toAny(&v.Mems[i].Val)
		}
		return m
	}
	return nil
}

// decodeAny reads raw and converts it with toAny.
func decodeAny(raw []byte) (any, *Error) {
	v, err := parseValue(raw)
	if err != nil {
		return nil, err
	}
	return toAny(&v), nil
}

// keyIs compares a message key with its canonical spelling: exactly, or
// case-insensitively under quirk.KeyCase.
func keyIs(opts Options, key, want string) bool {
	if key == want {
		return true
	}
	return strings.EqualFold(key, want) && opts.use(quirk.KeyCase)
}

// ParseRequest decodes a PatchOp request body (RFC 7644 §3.5.2). Failures
// are *Error:
//
//   - invalidSyntax: malformed JSON, a body or operation that is not an
//     object, a missing or non-array "Operations", an "op" that is not
//     add/replace/remove, a "path" that is not a string, or a "schemas"
//     that does not list PatchOpSchema (RFC 7644 §3.12 "did not conform
//     to the request schema"). Unknown URNs next to it are ignored (docs/idp-compatibility.md#patchop-schemas).
//   - invalidValue: more than Options.MaxOperations operations. RFC 7644
//     defines tooMany for filter results only, so the limit answers
//     invalidValue like the other limits of the library.
//
// Under the default options, the message keys and op names are compared
// case-insensitively, a missing "schemas" is accepted and an empty
// "Operations" is a valid request that changes nothing. Each path is
// parsed here, with Options.Limits, and recorded in its Op with the
// parsed value (see Op); paths and values are checked against the
// resource type, and a path that does not parse is reported, when the
// operations are applied, in operation order.
func ParseRequest(body []byte, opts Options) ([]Op, error) {
	msg, err := parseJSON(body, bodyDepth, "the PATCH body")
	if err != nil {
		return nil, err
	}
	if msg.Kind != jsonparse.Object {
		return nil, errf(invalidSyntax, "the PATCH body must be a JSON object with schemas and Operations (RFC 7644 §3.5.2)")
	}
	var schemas, operations *jsonparse.Value
	for i := range msg.Mems {
		m := &msg.Mems[i]
		switch {
		case keyIs(opts, m.Key, "schemas"):
			schemas = &m.Val
		case keyIs(opts, m.Key, "Operations"):
			operations = &m.Val
		}
	}
	if err := checkSchemas(schemas, opts); err != nil {
		return nil, err
	}
	if operations == nil || operations.Kind == jsonparse.Null {
		return nil, errf(invalidSyntax, `the PATCH body has no "Operations" array (RFC 7644 §3.5.2)`)
	}
	if operations.Kind != jsonparse.Array {
		return nil, errf(invalidSyntax, `"Operations" must be an array of operations (RFC 7644 §3.5.2)`)
	}
	raws := operations.Elems
	if len(raws) > opts.maxOps() {
		return nil, errf(invalidValue, "the request has "+strconv.Itoa(len(raws))+
			" operations, more than the limit of "+strconv.Itoa(opts.maxOps()))
	}
	if len(raws) == 0 && !opts.use(quirk.EmptyOperations) {
		return nil, errf(invalidSyntax, `"Operations" must hold one or more operations (RFC 7644 §3.5.2)`)
	}
	ops := make([]Op, 0, len(raws))
	for i := range raws {
		op, err := parseOp(&raws[i], opts)
		if err != nil {
			err.Detail = "operation " + strconv.Itoa(i+1) + ": " + err.Detail
			return nil, err
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// checkSchemas checks the message's schemas: a URN or an array of at most
// resource.MaxValues URNs (the bound of every multi-valued attribute) that
// lists PatchOpSchema.
func checkSchemas(v *jsonparse.Value, opts Options) error {
	if v == nil || v.Kind == jsonparse.Null {
		if opts.use(quirk.MissingSchemas) {
			return nil
		}
		return errf(invalidSyntax, `the PATCH body must list "`+PatchOpSchema+`" in schemas (RFC 7644 §3.5.2)`)
	}
	list := []jsonparse.Value{*v}
	if v.Kind == jsonparse.Array {
		list = v.Elems
	}
	if len(list) > resource.MaxValues {
		return errf(invalidValue, `"schemas" has `+strconv.Itoa(len(list))+" values, more than the limit of "+strconv.Itoa(resource.MaxValues))
	}
	found := false
	for i := range list {
		if list[i].Kind != jsonparse.String {
			return errf(invalidSyntax, `"schemas" must be an array of URNs`)
		}
		found = found || strings.EqualFold(list[i].Str, PatchOpSchema)
	}
	if found {
		return nil
	}
	return errf(invalidSyntax, `"schemas" must list "`+PatchOpSchema+`" (RFC 7644 §3.5.2)`)
}

// parseOp decodes one operation object.
func parseOp(v *jsonparse.Value, opts Options) (Op, *Error) {
	if v.Kind != jsonparse.Object {
		return Op{}, errf(invalidSyntax, "an operation must be a JSON object with op, path and value")
	}
	var op Op
	var val *jsonparse.Value
	haveOp := false
	for i := range v.Mems {
		m := &v.Mems[i]
		switch {
		case keyIs(opts, m.Key, "op"):
			if m.Val.Kind != jsonparse.String {
				return Op{}, errf(invalidSyntax, `"op" must be a string`)
			}
			op.Op, haveOp = m.Val.Str, true
		case keyIs(opts, m.Key, "path"):
			switch m.Val.Kind {
			case jsonparse.Null:
				op.Path = ""
			case jsonparse.String:
				op.Path = m.Val.Str
			default:
				return Op{}, errf(invalidSyntax, `"path" must be a string`)
			}
		case keyIs(opts, m.Key, "value"):
			op.Value, val = m.Val.Raw, &m.Val
		}
	}
	if !haveOp {
		return Op{}, errf(invalidSyntax, `"op" is required: "add", "replace" or "remove"`)
	}
	name, e := opName(op.Op, opts)
	if e != nil {
		return Op{}, e
	}
	op.Op = name
	r := &opRead{op: name, path: op.Path, raw: op.Value, kind: name}
	r.readPath(opts)
	if val != nil {
		r.hasVal, r.val = true, *val
	}
	op.r = r
	return op, nil
}

// opName returns the canonical name of an op: exactly "add", "replace" or
// "remove", or any case under quirk.OpCase (Entra, docs/idp-compatibility.md#op-case).
func opName(s string, opts Options) (string, *Error) {
	for _, n := range [...]string{OpAdd, OpReplace, OpRemove} {
		if s == n || (strings.EqualFold(s, n) && opts.use(quirk.OpCase)) {
			return n, nil
		}
	}
	return "", errf(invalidSyntax, `"op" must be "add", "replace" or "remove", not `+strconv.Quote(s))
}
