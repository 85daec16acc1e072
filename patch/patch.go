package patch

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/jsonparse"
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
	// Disable turns off the listed IdP normalisations; each one turned off
	// makes the package stricter, as RFC 7644 reads without it.
	Disable Quirk
	// Limits bound the parsing of paths and of the value filters in them
	// (the server's filter limits); the zero value means filter's defaults.
	Limits filter.Limits
}

func (o Options) on(q Quirk) bool { return o.Disable&q == 0 }

func (o Options) maxOps() int {
	if o.MaxOperations > 0 {
		return o.MaxOperations
	}
	return DefaultMaxOperations
}

// Quirk is a set of IdP normalisations, one bit each. All are on by
// default; Options.Disable turns them off. Each names the identity
// provider that needs it and its entry in docs/idp-compatibility.md
// (request shape and sources); the named tests in quirks_test.go
// replay the vendor-documented bodies in testdata/.
type Quirk uint32

const (
	// QuirkOpCase accepts op names in any case ("Add", "Replace",
	// "Remove"). Microsoft Entra ID sends them capitalised unless the
	// aadOptscim062020 flag is set (docs/idp-compatibility.md#op-case; Microsoft Learn, "Tutorial: Develop
	// and plan provisioning for a SCIM endpoint", https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups).
	// Testdata: entra_capitalised_ops.json.
	QuirkOpCase Quirk = 1 << iota

	// QuirkKeyCase accepts the PatchOp message keys in any case
	// ("operations", "Op", "Path", "Value"), as RFC 7643 §2.1 does for
	// attribute names (docs/idp-compatibility.md#patchop-key-case; the ssoready example sends "operations").
	// Testdata: generic_lowercase_operations.json.
	QuirkKeyCase

	// QuirkMissingSchemas accepts a PatchOp body without "schemas" (docs/idp-compatibility.md#patchop-schemas).
	// Testdata: generic_no_schemas.json.
	QuirkMissingSchemas

	// QuirkEmptyOperations accepts "Operations": [] as a no-op, although
	// RFC 7644 §3.5.2 asks for one or more. Testdata:
	// generic_empty_operations.json.
	QuirkEmptyOperations

	// QuirkBoolStrings accepts "True"/"False" (any case) for boolean
	// attributes and sub-attributes, and in the eq values of value
	// filters that create an element. Entra without aadOptscim062020 (docs/idp-compatibility.md#entra-bool-strings;
	// Microsoft Learn, "Known issues and resolutions with SCIM 2.0
	// protocol compliance", https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility).
	// Testdata: entra_bool_strings.json.
	QuirkBoolStrings

	// QuirkPathlessPaths resolves the keys of a path-less add or replace
	// value as attribute paths: "name.givenName" and
	// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
	// become operations of their own, never literal keys. Entra with
	// aadOptscim062020 (docs/idp-compatibility.md#entra-pathless-paths; same Microsoft page). Without it such keys are
	// invalidPath. Testdata: entra_pathless_dotted.json.
	QuirkPathlessPaths

	// QuirkRemoveByValue makes {"op":"remove","path":"members","value":[...]}
	// remove only the listed values (matched on their "value"), never the
	// whole attribute. Entra's default member removal, also reported for
	// JumpCloud (docs/idp-compatibility.md#remove-by-value; Microsoft Learn tutorial above). Without it RFC 7644
	// §3.5.2.2 applies and the value is ignored: every member is removed.
	// Testdata: entra_remove_member_by_value.json.
	QuirkRemoveByValue

	// QuirkCreateOnNoMatch makes an add or replace whose value filter is a
	// conjunction of eq comparisons, and matches nothing, create the
	// element seeded with the filter's values, so that several operations
	// with the same filter fill one element. Entra's default mappings and
	// its SCIM validator (docs/idp-compatibility.md#entra-create-on-no-match; e.g. addresses[type eq "work"].country).
	// Without it RFC 7644 §3.5.2.3 applies: noTarget. Testdata:
	// entra_filter_creates_element.json.
	QuirkCreateOnNoMatch

	// QuirkManagerString accepts the enterprise manager as a bare string
	// (its value) and "" as "clear manager". Entra (docs/idp-compatibility.md#entra-manager-string; Microsoft Learn
	// tutorial above, and SCIM-SDK#686). Testdata: entra_manager_*.json.
	QuirkManagerString

	// QuirkUnwrapArray takes a one-element array for a singular complex
	// attribute as its element (the tutorial's "manager":[{...}]). Entra
	// (docs/idp-compatibility.md#entra-manager-array). Testdata: entra_manager_array.json.
	QuirkUnwrapArray

	// QuirkLoneObject takes a lone value for a multi-valued attribute as a
	// one-element array. Entra (docs/idp-compatibility.md#entra-lone-object;
	// Azure/AzureAD-BYOA-Provisioning-Samples#22). Testdata:
	// entra_lone_object.json.
	QuirkLoneObject

	// QuirkRoleStrings unpacks roles whose "value" is a JSON-encoded
	// object {"id","value","displayName"}: value becomes the role's value
	// (or its id when it has none) and displayName its display. Entra's
	// SingleAppRoleAssignment mapping (docs/idp-compatibility.md#entra-role-strings; Microsoft Learn, "Customize
	// Microsoft Entra attribute mappings", https://learn.microsoft.com/en-us/entra/identity/app-provisioning/customize-application-attributes).
	// Testdata: entra_roles_json_string.json.
	QuirkRoleStrings

	// QuirkReadOnlyValues ignores the server-owned read-only attributes
	// meta and groups, and schemas, when they appear as keys of a
	// path-less add or replace value (an id equal to the resource's is
	// always harmless). Okta and Entra (docs/idp-compatibility.md#read-only-attributes; Okta "SCIM 2.0 Protocol
	// Reference", https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/).
	// Without it, a value that changes them is a mutability error.
	// Testdata: okta_readonly_in_value.json.
	QuirkReadOnlyValues

	// QuirkIdempotentRemove makes a remove whose value filter matches
	// nothing a successful no-op (removing an absent member), so that
	// retried and concurrent PATCHes succeed. Okta and Entra membership
	// updates (docs/idp-compatibility.md#idempotent-members). Without it RFC 7644 §3.12 applies: noTarget.
	// Testdata: okta_remove_absent_member.json.
	QuirkIdempotentRemove
)

// Error is a failed PATCH request or operation, answered with status 400
// and ScimType (RFC 7644 §3.12): "invalidSyntax", "invalidPath",
// "noTarget", "invalidValue" or "mutability". Detail is safe to show to the
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

// scimType values of RFC 7644 §3.12 used by this package.
const (
	invalidSyntax = "invalidSyntax"
	invalidPath   = "invalidPath"
	noTarget      = "noTarget"
	invalidValue  = "invalidValue"
	mutability    = "mutability"
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
// case-insensitively under QuirkKeyCase.
func keyIs(opts Options, key, want string) bool {
	if key == want {
		return true
	}
	return opts.on(QuirkKeyCase) && strings.EqualFold(key, want)
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
	if len(raws) == 0 && !opts.on(QuirkEmptyOperations) {
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
		if opts.on(QuirkMissingSchemas) {
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
// "remove", or any case under QuirkOpCase (Entra, docs/idp-compatibility.md#op-case).
func opName(s string, opts Options) (string, *Error) {
	for _, n := range [...]string{OpAdd, OpReplace, OpRemove} {
		if s == n || (opts.on(QuirkOpCase) && strings.EqualFold(s, n)) {
			return n, nil
		}
	}
	return "", errf(invalidSyntax, `"op" must be "add", "replace" or "remove", not `+strconv.Quote(s))
}
