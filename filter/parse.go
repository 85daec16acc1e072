package filter

import (
	"unicode/utf8"

	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/resource"
)

// Default limits, used where a Limits field is zero.
const (
	DefaultMaxLength  = 4096
	DefaultMaxDepth   = 16
	DefaultMaxClauses = 64
)

// The scimTypes of the parse errors of this package: the values of
// resource.ScimTypeInvalidFilter and resource.ScimTypeInvalidPath, the one
// vocabulary of SCIM error types, named here for callers of Parse and
// ParsePath.
const (
	InvalidFilter = resource.ScimTypeInvalidFilter
	InvalidPath   = resource.ScimTypeInvalidPath
)

// parser is a single-pass recursive-descent parser over the input string.
// Names and undecoded string values are substrings of the input, so a
// typical filter costs one allocation per AST node.
type parser struct {
	s        string
	pos      int
	depth    int
	clauses  int
	maxDepth int
	maxCl    int
	scimType string
	bracket  bool // inside a valuePath's brackets
}

func (l Limits) newParser(s, scimType string) (parser, *Error) {
	maxLen := l.MaxLength
	if maxLen <= 0 {
		maxLen = DefaultMaxLength
	}
	p := parser{s: s, scimType: scimType, maxDepth: l.MaxDepth, maxCl: l.MaxClauses}
	if p.maxDepth <= 0 {
		p.maxDepth = DefaultMaxDepth
	}
	if p.maxCl <= 0 {
		p.maxCl = DefaultMaxClauses
	}
	// The length is checked before anything is read, so an oversized input
	// costs O(1).
	if len(s) > maxLen {
		return parser{}, p.errf(maxLen, "input is longer than the limit of %d bytes", maxLen)
	}
	// The text rule of every string the library reads (internal/jsonparse):
	// valid UTF-8 only, so no store is handed bytes it cannot hold.
	if !utf8.ValidString(s) {
		return parser{}, p.errf(invalidUTF8At(s), "input is not valid UTF-8")
	}
	return p, nil
}

func (p *parser) errf(pos int, msg string, arg ...any) *Error {
	return newError(p.scimType, pos, msg, arg...)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isPathByte reports whether c can appear in an attribute path token:
// URN characters, name characters, '.', ':' and '$' (for "$ref").
func isPathByte(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '.' || c == ':' || c == '$'
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) && isSpace(p.s[p.pos]) {
		p.pos++
	}
}

// lower folds an ASCII letter to lower case.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// keyword reports whether the input at p.pos is the keyword kw (lower
// case), compared case-insensitively, followed by something that cannot
// continue a name. It does not consume it.
func (p *parser) keyword(kw string) bool {
	if len(p.s)-p.pos < len(kw) {
		return false
	}
	for i := 0; i < len(kw); i++ {
		if lower(p.s[p.pos+i]) != kw[i] {
			return false
		}
	}
	end := p.pos + len(kw)
	return end == len(p.s) || !isPathByte(p.s[end])
}

func (p *parser) enter(pos int) *Error {
	p.depth++
	if p.depth > p.maxDepth {
		return p.errf(pos, "nesting is deeper than the limit of %d", p.maxDepth)
	}
	return nil
}

// parseFilter parses a whole filter: FILTER EOF.
func (p *parser) parseFilter() (Expr, *Error) {
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.s) {
		return nil, p.unexpected("\"and\", \"or\" or the end of the filter")
	}
	return e, nil
}

func (p *parser) unexpected(want string) *Error {
	if p.pos >= len(p.s) {
		return p.errf(p.pos, "unexpected end of input, expected %s", want)
	}
	c := p.s[p.pos]
	if c < 0x20 || c >= 0x7f {
		return p.errf(p.pos, "unexpected byte 0x%02x, expected %s", c, want)
	}
	return p.errf(p.pos, "unexpected %q, expected %s", string(c), want)
}

// logicalOps are the binary operators by precedence, loosest first: and
// binds tighter than or (RFC 7644 §3.4.2.2, table 5); both are
// left-associative.
var logicalOps = [...]struct {
	op LogicalOp
	kw string
}{{Or, "or"}, {And, "and"}}

// parseOr parses "and-expr *(or and-expr)".
func (p *parser) parseOr() (Expr, *Error) { return p.parseLogical(0) }

// parseLogical parses "operand *(op operand)" for logicalOps[level], where
// an operand is the next level's expression, or a value after the last.
func (p *parser) parseLogical(level int) (Expr, *Error) {
	left, err := p.logicalOperand(level)
	if err != nil {
		return nil, err
	}
	kw := logicalOps[level].kw
	for {
		save := p.pos
		p.skipSpace()
		if !p.keyword(kw) {
			p.pos = save
			return left, nil
		}
		p.pos += len(kw)
		right, err := p.logicalOperand(level)
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: logicalOps[level].op, Left: left, Right: right}
	}
}

func (p *parser) logicalOperand(level int) (Expr, *Error) {
	if level+1 < len(logicalOps) {
		return p.parseLogical(level + 1)
	}
	return p.parseValue()
}

// parseGroup parses "(" FILTER ")" with p.pos on the '('.
func (p *parser) parseGroup() (Expr, *Error) {
	if err := p.enter(p.pos); err != nil {
		return nil, err
	}
	p.pos++ // '('
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos >= len(p.s) || p.s[p.pos] != ')' {
		return nil, p.unexpected("\")\"")
	}
	p.pos++
	p.depth--
	return e, nil
}

// parseValue parses a parenthesised filter, "not (filter)", a valuePath
// or an attribute expression.
func (p *parser) parseValue() (Expr, *Error) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return nil, p.unexpected("an attribute path, \"not\" or \"(\"")
	}
	if p.s[p.pos] == '(' {
		return p.parseGroup()
	}
	start := p.pos
	path, err := p.parseAttrPath()
	if err != nil {
		return nil, err
	}
	// "not" is a keyword only when a '(' follows; otherwise it is an
	// attribute name. The ABNF writes "not" "(" with no space; RFC 7644's
	// own examples put one, so both are accepted.
	if p.pos-start == 3 && lowerEq(path.Name, "not") {
		save := p.pos
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == '(' {
			x, err := p.parseGroup()
			if err != nil {
				return nil, err
			}
			return &Not{X: x}, nil
		}
		p.pos = save
	}
	save := p.pos
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == '[' {
		return p.parseValuePath(start, path)
	}
	p.pos = save
	return p.parseAttrExp(start, path)
}

// parseValuePath parses "[valFilter]" after path, and the Entra form
// "[valFilter].sub op value" (see the package documentation).
func (p *parser) parseValuePath(start int, path AttrPath) (Expr, *Error) {
	if p.bracket {
		return nil, p.errf(p.pos, "a value filter cannot contain another value filter")
	}
	if path.Sub != "" {
		return nil, p.errf(p.pos, "a value filter must follow an attribute, not a sub-attribute")
	}
	f, err := p.parseBrackets()
	if err != nil {
		return nil, err
	}
	vp := &ValuePath{Path: path, Filter: f}
	if p.pos < len(p.s) && p.s[p.pos] == '.' {
		// Entra: emails[type eq "work"].value eq "x" (docs/idp-compatibility.md#entra-value-path-filters,
		// MS-TUT matching attributes) means "an email whose type is work
		// and whose value is x": the comparison joins the bracket filter.
		p.pos++
		subStart := p.pos
		sub, err := p.parseName()
		if err != nil {
			return nil, err
		}
		rel, err := p.parseAttrExp(subStart, AttrPath{Name: sub})
		if err != nil {
			return nil, err
		}
		vp.Filter = &Logical{Op: And, Left: f, Right: rel}
	}
	return vp, nil
}

// parseBrackets parses "[" FILTER "]" with p.pos on the '['.
func (p *parser) parseBrackets() (Expr, *Error) {
	if err := p.enter(p.pos); err != nil {
		return nil, err
	}
	p.pos++
	p.bracket = true
	f, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.bracket = false
	p.skipSpace()
	if p.pos >= len(p.s) || p.s[p.pos] != ']' {
		return nil, p.unexpected("\"]\"")
	}
	p.pos++
	p.depth--
	return f, nil
}

// parseAttrExp parses "SP op [SP value]" after path.
func (p *parser) parseAttrExp(start int, path AttrPath) (Expr, *Error) {
	p.clauses++
	if p.clauses > p.maxCl {
		return nil, p.errf(start, "more comparisons than the limit of %d", p.maxCl)
	}
	if p.pos >= len(p.s) || !isSpace(p.s[p.pos]) {
		return nil, p.unexpected("a space and a comparison operator")
	}
	p.skipSpace()
	opPos := p.pos
	op := p.parseOp()
	if op == 0 {
		p.pos = opPos
		return nil, p.unexpected("a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)")
	}
	c := &Compare{Path: path, Op: op}
	if op == Pr {
		return c, nil
	}
	if p.pos >= len(p.s) || !isSpace(p.s[p.pos]) {
		return nil, p.unexpected("a space and a comparison value")
	}
	p.skipSpace()
	v, err := p.parseCompValue()
	if err != nil {
		return nil, err
	}
	c.Value = v
	return c, nil
}

// parseOp parses a two-letter comparison operator, case-insensitively
// (PingOne sends "Eq", docs/idp-compatibility.md#filter-case). It returns 0 if there is
// none.
func (p *parser) parseOp() Op {
	if len(p.s)-p.pos < 2 {
		return 0
	}
	if p.pos+2 < len(p.s) && isPathByte(p.s[p.pos+2]) {
		return 0
	}
	var op Op
	switch c0, c1 := lower(p.s[p.pos]), lower(p.s[p.pos+1]); {
	case c0 == 'e' && c1 == 'q':
		op = Eq
	case c0 == 'n' && c1 == 'e':
		op = Ne
	case c0 == 'c' && c1 == 'o':
		op = Co
	case c0 == 's' && c1 == 'w':
		op = Sw
	case c0 == 'e' && c1 == 'w':
		op = Ew
	case c0 == 'g' && c1 == 't':
		op = Gt
	case c0 == 'g' && c1 == 'e':
		op = Ge
	case c0 == 'l' && c1 == 't':
		op = Lt
	case c0 == 'l' && c1 == 'e':
		op = Le
	case c0 == 'p' && c1 == 'r':
		op = Pr
	default:
		return 0
	}
	p.pos += 2
	return op
}

// parseCompValue parses a JSON string, number, true, false or null, or a
// bare token.
func (p *parser) parseCompValue() (Value, *Error) {
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		s, err := p.parseString()
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: String, Str: s}, nil
	}
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if isSpace(c) || c == ')' || c == ']' {
			break
		}
		if c == '"' || c == '(' || c == '[' {
			return Value{}, p.errf(p.pos, "unexpected %q in an unquoted value", string(c))
		}
		if c == 0 {
			return Value{}, p.errf(p.pos, "U+0000 is not accepted in a value")
		}
		p.pos++
	}
	tok := p.s[start:p.pos]
	if tok == "" {
		return Value{}, p.unexpected("a comparison value")
	}
	return bareValue(tok), nil
}

// bareValue classifies an unquoted token. RFC 7644 §3.4.2.2 allows only
// true, false, null and JSON numbers unquoted; any other token without
// spaces is taken as a string, because old Entra documentation shows
// "externalId eq jyoung" and "id eq 54D3... and manager eq 2819..."
// (docs/idp-compatibility.md#entra-bare-filter-values).
func bareValue(tok string) Value {
	switch {
	case lowerEq(tok, "true"):
		return Value{Kind: Bool, Bool: true}
	case lowerEq(tok, "false"):
		return Value{Kind: Bool}
	case lowerEq(tok, "null"):
		return Value{Kind: Null}
	case isJSONNumber(tok):
		return Value{Kind: Number, Str: tok}
	}
	return Value{Kind: String, Str: tok}
}

// lowerEq reports whether s equals the lower-case ASCII word w, ignoring
// the case of s.
func lowerEq(s, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != w[i] {
			return false
		}
	}
	return true
}

// isJSONNumber reports whether s is a number in the JSON grammar
// (RFC 8259 §6).
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}

// parseString reads the JSON string at p.pos with the library's one
// string reader (internal/jsonparse.ReadString: the text rules of resource
// and PATCH bodies), so a string without escapes is a substring of the
// input.
func (p *parser) parseString() (string, *Error) {
	v, end, err := jsonparse.ReadString(p.s, p.pos)
	if err != nil {
		return "", p.errf(err.At, "%s", err.Msg)
	}
	p.pos = end
	return v, nil
}

// invalidUTF8At returns the offset of the first byte of s that is not
// valid UTF-8.
func invalidUTF8At(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return len(s)
}

// parseAttrPath parses "[URN ":"] ATTRNAME ["." ATTRNAME]". The URN ends
// at the last ':' of the token, so "urn:...:enterprise:2.0:User:manager.value"
// splits into the enterprise URN, "manager" and "value" (RFC 7644 §3.10).
func (p *parser) parseAttrPath() (AttrPath, *Error) {
	start := p.pos
	for p.pos < len(p.s) && isPathByte(p.s[p.pos]) {
		p.pos++
	}
	tok := p.s[start:p.pos]
	if tok == "" {
		return AttrPath{}, p.unexpected("an attribute path")
	}
	var path AttrPath
	rest, restPos := tok, start
	for i := len(tok) - 1; i >= 0; i-- {
		if tok[i] == ':' {
			path.URN = tok[:i]
			rest, restPos = tok[i+1:], start+i+1
			if err := p.checkURN(path.URN, start); err != nil {
				return AttrPath{}, err
			}
			break
		}
	}
	dot := -1
	for i := 0; i < len(rest); i++ {
		if rest[i] == '.' {
			if dot >= 0 {
				return AttrPath{}, p.errf(restPos+i, "an attribute path has at most one sub-attribute")
			}
			dot = i
		}
	}
	path.Name = rest
	if dot >= 0 {
		path.Name, path.Sub = rest[:dot], rest[dot+1:]
		if err := p.checkName(path.Sub, restPos+dot+1); err != nil {
			return AttrPath{}, err
		}
	}
	if err := p.checkName(path.Name, restPos); err != nil {
		return AttrPath{}, err
	}
	return path, nil
}

// parseName parses an ATTRNAME.
func (p *parser) parseName() (string, *Error) {
	start := p.pos
	for p.pos < len(p.s) && isPathByte(p.s[p.pos]) && p.s[p.pos] != '.' && p.s[p.pos] != ':' {
		p.pos++
	}
	name := p.s[start:p.pos]
	if err := p.checkName(name, start); err != nil {
		return "", err
	}
	return name, nil
}

// checkName checks ATTRNAME = ["$"] ALPHA *(nameChar) (RFC 7644 §3.4.2.2
// figure 1; the "$" admits "$ref", RFC 7643 §2.4).
func (p *parser) checkName(name string, pos int) *Error {
	i := 0
	if i < len(name) && name[i] == '$' {
		i++
	}
	if i >= len(name) || !isAlpha(name[i]) {
		if i >= len(name) {
			return p.errf(pos+i, "expected an attribute name")
		}
		return p.errf(pos+i, "an attribute name must start with a letter")
	}
	for i++; i < len(name); i++ {
		c := name[i]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return p.errf(pos+i, "invalid character %q in an attribute name", string(c))
		}
	}
	return nil
}

// checkURN checks that a schema URN is ':'-separated non-empty segments of
// letters, digits, '-' and '.'.
func (p *parser) checkURN(urn string, pos int) *Error {
	seg := 0
	for i := 0; i <= len(urn); i++ {
		if i == len(urn) || urn[i] == ':' {
			if seg == 0 {
				return p.errf(pos+i, "empty segment in a schema URN")
			}
			seg = 0
			continue
		}
		c := urn[i]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '.' {
			return p.errf(pos+i, "invalid character %q in a schema URN", string(c))
		}
		seg++
	}
	return nil
}

// parsePath parses a PATCH path: attrPath, or valuePath [subAttr]
// (RFC 7644 §3.5.2, figure 1's PATH rule).
func (p *parser) parsePath() (*Path, *Error) {
	p.skipSpace()
	path, err := p.parseAttrPath()
	if err != nil {
		return nil, err
	}
	out := &Path{Attr: path}
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == '[' {
		if path.Sub != "" {
			return nil, p.errf(p.pos, "a value filter must follow an attribute, not a sub-attribute")
		}
		f, err := p.parseBrackets()
		if err != nil {
			return nil, err
		}
		out.Filter = f
		if p.pos < len(p.s) && p.s[p.pos] == '.' {
			p.pos++
			if out.Sub, err = p.parseName(); err != nil {
				return nil, err
			}
		}
	}
	p.skipSpace()
	if p.pos < len(p.s) {
		return nil, p.unexpected("the end of the path")
	}
	return out, nil
}
