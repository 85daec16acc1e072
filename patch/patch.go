package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
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
type Op struct {
	Op    string
	Path  string
	Value json.RawMessage
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

// member is one key of a JSON object, in input order.
type member struct {
	key string
	val json.RawMessage
}

// objectMembers decodes raw as a JSON object and returns its members in
// input order, each value as the raw bytes of raw (not copied); ok is false
// when raw is valid JSON but not an object. It validates once with
// json.Valid and then splits the object with a small scanner, which is
// several times cheaper than json.Decoder's token API on the PATCH path.
func objectMembers(raw []byte) (mems []member, ok bool, err error) {
	if !json.Valid(raw) {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, false, err
		}
		return nil, false, errors.New("invalid JSON")
	}
	i := skipSpace(raw, 0)
	if raw[i] != '{' {
		return nil, false, nil
	}
	i = skipSpace(raw, i+1)
	for raw[i] != '}' {
		kEnd := endOfValue(raw, i)
		key, err := decodeKey(raw[i:kEnd])
		if err != nil {
			return nil, false, err
		}
		i = skipSpace(raw, kEnd)
		i = skipSpace(raw, i+1) // the colon
		vEnd := endOfValue(raw, i)
		mems = append(mems, member{key, json.RawMessage(raw[i:vEnd])})
		i = skipSpace(raw, vEnd)
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return mems, true, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// endOfValue returns the index just past the JSON value starting at b[i];
// b is known to be valid JSON.
func endOfValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		for i++; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return i
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = endOfValue(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	default: // number, true, false, null
		for i < len(b) && !strings.ContainsRune(",}] \t\r\n", rune(b[i])) {
			i++
		}
		return i
	}
}

// decodeKey decodes a JSON string, cheaply when it has no escapes and is
// valid UTF-8 (encoding/json turns invalid bytes into U+FFFD).
func decodeKey(q []byte) (string, error) {
	if bytes.IndexByte(q, '\\') < 0 && utf8.Valid(q) {
		return string(q[1 : len(q)-1]), nil
	}
	var s string
	err := json.Unmarshal(q, &s)
	return s, err
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
// "Operations" is a valid request that changes nothing. Paths and values
// are checked when the operations are applied.
func ParseRequest(body []byte, opts Options) ([]Op, error) {
	mems, ok, err := objectMembers(body)
	if err != nil {
		return nil, syntaxErr(err)
	}
	if !ok {
		return nil, errf(invalidSyntax, "the PATCH body must be a JSON object with schemas and Operations (RFC 7644 §3.5.2)")
	}
	var (
		schemas, operations json.RawMessage
		haveSchemas         bool
	)
	for _, m := range mems {
		switch {
		case keyIs(opts, m.key, "schemas"):
			schemas, haveSchemas = m.val, true
		case keyIs(opts, m.key, "Operations"):
			operations = m.val
		}
	}
	if err := checkSchemas(schemas, haveSchemas, opts); err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if len(operations) == 0 || string(operations) == "null" {
		return nil, errf(invalidSyntax, `the PATCH body has no "Operations" array (RFC 7644 §3.5.2)`)
	}
	if err := json.Unmarshal(operations, &raws); err != nil {
		return nil, errf(invalidSyntax, `"Operations" must be an array of operations (RFC 7644 §3.5.2)`)
	}
	if len(raws) > opts.maxOps() {
		return nil, errf(invalidValue, "the request has "+strconv.Itoa(len(raws))+
			" operations, more than the limit of "+strconv.Itoa(opts.maxOps()))
	}
	if len(raws) == 0 && !opts.on(QuirkEmptyOperations) {
		return nil, errf(invalidSyntax, `"Operations" must hold one or more operations (RFC 7644 §3.5.2)`)
	}
	ops := make([]Op, 0, len(raws))
	for i, raw := range raws {
		op, err := parseOp(raw, opts)
		if err != nil {
			err.Detail = "operation " + strconv.Itoa(i+1) + ": " + err.Detail
			return nil, err
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func syntaxErr(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return errf(invalidSyntax, "the PATCH body is not valid JSON: "+err.Error())
}

func checkSchemas(raw json.RawMessage, present bool, opts Options) error {
	if !present || string(raw) == "null" {
		if opts.on(QuirkMissingSchemas) {
			return nil
		}
		return errf(invalidSyntax, `the PATCH body must list "`+PatchOpSchema+`" in schemas (RFC 7644 §3.5.2)`)
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return errf(invalidSyntax, `"schemas" must be an array of URNs`)
		}
		list = []string{one}
	}
	for _, s := range list {
		if strings.EqualFold(s, PatchOpSchema) {
			return nil
		}
	}
	return errf(invalidSyntax, `"schemas" must list "`+PatchOpSchema+`" (RFC 7644 §3.5.2)`)
}

// parseOp decodes one operation object.
func parseOp(raw json.RawMessage, opts Options) (Op, *Error) {
	mems, ok, err := objectMembers(raw)
	if err != nil {
		return Op{}, syntaxErr(err)
	}
	if !ok {
		return Op{}, errf(invalidSyntax, "an operation must be a JSON object with op, path and value")
	}
	var op Op
	haveOp := false
	for _, m := range mems {
		switch {
		case keyIs(opts, m.key, "op"):
			if err := json.Unmarshal(m.val, &op.Op); err != nil {
				return Op{}, errf(invalidSyntax, `"op" must be a string`)
			}
			haveOp = true
		case keyIs(opts, m.key, "path"):
			if string(m.val) == "null" {
				op.Path = ""
				continue
			}
			if err := json.Unmarshal(m.val, &op.Path); err != nil {
				return Op{}, errf(invalidSyntax, `"path" must be a string`)
			}
		case keyIs(opts, m.key, "value"):
			op.Value = m.val
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
