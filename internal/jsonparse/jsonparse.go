// Package jsonparse is the library's one JSON reader: a strict RFC 8259
// parser into a small tree that keeps object members in input order (with
// duplicates) and the text of every value. Resource bodies (package
// resource) and PATCH bodies and values (package patch) are read by it, and
// filter string literals (package filter) by its string reader,
// ReadString, so the text rules are the same wherever a string comes from:
//
//   - strings must be valid UTF-8, and \u escapes must not leave a lone
//     surrogate: both are invalidSyntax;
//   - U+0000, which can only arrive as the escape \u0000 (a raw control
//     character is invalidSyntax), is refused in every string, keys
//     included, as invalidValue: PostgreSQL cannot store it in text or
//     jsonb, and no identity attribute needs it;
//   - a string longer than MaxStringLength bytes (decoded) is invalidValue;
//   - nesting deeper than the caller's limit is invalidSyntax.
package jsonparse

import (
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/scimkit/scim/internal/scimtype"
)

// MaxStringLength is the longest string (decoded, in bytes) accepted,
// object keys included.
const MaxStringLength = 64 << 10

// Error is a parse failure. ScimType is scimtype.InvalidSyntax or
// scimtype.InvalidValue (RFC 7644 §3.12); Detail can be shown to the client.
type Error struct {
	ScimType string
	Detail   string
}

func (e *Error) Error() string { return e.ScimType + ": " + e.Detail }

// Kind is the kind of a parsed JSON value.
type Kind uint8

// Kinds of JSON values.
const (
	Null Kind = iota
	False
	True
	Number
	String
	Array
	Object
)

// String returns the kind with its article, for error messages: "a
// string", "null".
func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case False, True:
		return "a boolean"
	case Number:
		return "a number"
	case String:
		return "a string"
	case Array:
		return "an array"
	default:
		return "an object"
	}
}

// Value is a parsed JSON value.
type Value struct {
	Kind  Kind
	Str   string   // the decoded string, or the number's text
	Elems []Value  // array elements
	Mems  []Member // object members, in input order, duplicates kept
	Raw   []byte   // the value's text in the input (not copied)
}

// Member is one member of an object.
type Member struct {
	Key string
	Val Value
}

// Get returns the last member of an object whose key equals name, ASCII
// letters compared case-insensitively (RFC 7643 §2.1), so that of keys
// differing only in case the last one wins, like encoding/json's last-wins
// rule for exact duplicates; nil when there is none.
func (v *Value) Get(name string) *Value {
	for i := len(v.Mems) - 1; i >= 0; i-- {
		if EqualFold(v.Mems[i].Key, name) {
			return &v.Mems[i].Val
		}
	}
	return nil
}

// EqualFold reports whether a and b are equal with ASCII letters compared
// case-insensitively: the rule for attribute names and URNs.
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// parser holds the input and the position, and the members and elements
// of the objects and arrays being read (nested ones above their
// parents'): each object or array, once read, takes a copy of exactly its
// own, so that a value costs one allocation for its members however many
// there are, rather than one per doubling of an append.
type parser struct {
	data     []byte
	pos      int
	maxDepth int
	mems     []Member
	elems    []Value
}

// Parse parses data as one JSON value, with arrays and objects nested at
// most maxDepth deep. Errors are *Error.
func Parse(data []byte, maxDepth int) (Value, error) {
	st := stacks.Get().(*stack)
	defer st.put()
	p := parser{data: data, maxDepth: maxDepth, mems: st.mems[:0], elems: st.elems[:0]}
	defer func() {
		// A value read in full cleared its members and elements off
		// the stacks; a failed parse may leave some.
		clear(p.mems)
		clear(p.elems)
		st.mems, st.elems = p.mems[:0], p.elems[:0]
	}()
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return Value{}, p.syntax("unexpected data after the JSON value")
	}
	return v, nil
}

// stack is a parser's members and elements, kept between parses
// (stacks) so that a parse allocates only the copies its values take.
type stack struct {
	mems  []Member
	elems []Value
}

var stacks = sync.Pool{New: func() any { return new(stack) }}

// maxKept is the most members or elements a stack keeps for the next
// parse; a larger one (a PATCH of thousands of members) is let go.
const maxKept = 1024

// put returns the stack, empty (it must not keep an input's values
// alive), to stacks, unless it grew past maxKept.
func (st *stack) put() {
	if cap(st.mems) > maxKept || cap(st.elems) > maxKept {
		return
	}
	stacks.Put(st)
}

func (p *parser) syntax(msg string) *Error {
	return &Error{ScimType: scimtype.InvalidSyntax, Detail: "malformed JSON at byte " + strconv.Itoa(p.pos) + ": " + msg}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (Value, *Error) {
	if p.pos >= len(p.data) {
		return Value{}, p.syntax("unexpected end of input")
	}
	start := p.pos
	var v Value
	switch c := p.data[p.pos]; {
	case c == '{':
		if depth >= p.maxDepth {
			return Value{}, p.syntax("nesting deeper than " + strconv.Itoa(p.maxDepth))
		}
		p.pos++
		v.Kind = Object
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			break
		}
		mark := len(p.mems)
		for {
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return Value{}, p.syntax("expected a string key")
			}
			key, err := p.key()
			if err != nil {
				return Value{}, err
			}
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return Value{}, p.syntax("expected ':'")
			}
			p.pos++
			p.skipSpace()
			val, err := p.value(depth + 1)
			if err != nil {
				return Value{}, err
			}
			p.mems = append(p.mems, Member{Key: key, Val: val})
			p.skipSpace()
			if p.pos >= len(p.data) {
				return Value{}, p.syntax("unexpected end of input in object")
			}
			if p.data[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.data[p.pos] == '}' {
				p.pos++
				break
			}
			return Value{}, p.syntax("expected ',' or '}'")
		}
		v.Mems = slices.Clone(p.mems[mark:])
		clear(p.mems[mark:])
		p.mems = p.mems[:mark]
	case c == '[':
		if depth >= p.maxDepth {
			return Value{}, p.syntax("nesting deeper than " + strconv.Itoa(p.maxDepth))
		}
		p.pos++
		v.Kind = Array
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			break
		}
		mark := len(p.elems)
		for {
			p.skipSpace()
			el, err := p.value(depth + 1)
			if err != nil {
				return Value{}, err
			}
			p.elems = append(p.elems, el)
			p.skipSpace()
			if p.pos >= len(p.data) {
				return Value{}, p.syntax("unexpected end of input in array")
			}
			if p.data[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.data[p.pos] == ']' {
				p.pos++
				break
			}
			return Value{}, p.syntax("expected ',' or ']'")
		}
		v.Elems = slices.Clone(p.elems[mark:])
		clear(p.elems[mark:])
		p.elems = p.elems[:mark]
	case c == '"':
		s, err := p.str()
		if err != nil {
			return Value{}, err
		}
		v.Kind, v.Str = String, s
	case c == 't':
		if err := p.literal("true"); err != nil {
			return Value{}, err
		}
		v.Kind = True
	case c == 'f':
		if err := p.literal("false"); err != nil {
			return Value{}, err
		}
		v.Kind = False
	case c == 'n':
		if err := p.literal("null"); err != nil {
			return Value{}, err
		}
		v.Kind = Null
	case c == '-' || ('0' <= c && c <= '9'):
		if err := p.number(); err != nil {
			return Value{}, err
		}
		v.Kind, v.Str = Number, string(p.data[start:p.pos])
	default:
		return Value{}, p.syntax("unexpected character " + strconv.QuoteRune(rune(c)))
	}
	v.Raw = p.data[start:p.pos]
	return v, nil
}

func (p *parser) literal(lit string) *Error {
	if len(p.data)-p.pos < len(lit) || string(p.data[p.pos:p.pos+len(lit)]) != lit {
		return p.syntax("invalid literal")
	}
	p.pos += len(lit)
	return nil
}

func (p *parser) digits() int {
	n := 0
	for p.pos < len(p.data) && '0' <= p.data[p.pos] && p.data[p.pos] <= '9' {
		p.pos++
		n++
	}
	return n
}

// number scans a JSON number (RFC 8259 §6).
func (p *parser) number() *Error {
	if p.data[p.pos] == '-' {
		p.pos++
	}
	if p.pos < len(p.data) && p.data[p.pos] == '0' {
		p.pos++
	} else if p.digits() == 0 {
		return p.syntax("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return p.syntax("invalid number")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return p.syntax("invalid number")
		}
	}
	return nil
}

// key scans an object's key starting at its opening quote, as str does,
// but returns a name of knownKeys without allocating it.
func (p *parser) key() (string, *Error) {
	start := p.pos + 1
	for i := start; i < len(p.data) && i-start <= maxKnownKey; i++ {
		c := p.data[i]
		if c == '"' {
			if k, ok := knownKeys[string(p.data[start:i])]; ok {
				p.pos = i + 1
				return k, nil
			}
			break
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	return p.str()
}

// str scans a JSON string starting at its opening quote and returns it
// decoded, applying the text rules of the package doc (ReadString).
func (p *parser) str() (string, *Error) {
	v, end, err := ReadString(p.data, p.pos)
	if err != nil {
		if err.ScimType != scimtype.InvalidSyntax {
			return "", &Error{ScimType: err.ScimType, Detail: err.Msg}
		}
		p.pos = err.At
		return "", p.syntax(err.Msg)
	}
	p.pos = end
	return v, nil
}
