package resource

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Decoding limits, enforced by DecodeUser and DecodeGroup while parsing, so
// that a hostile body cannot make the server allocate without bound.
const (
	// MaxDepth is the deepest nesting of objects and arrays accepted; a
	// deeper body is an invalidSyntax error.
	MaxDepth = 32
	// MaxStringLength is the longest string (decoded, in bytes) accepted,
	// including object keys; a longer one is an invalidValue error.
	MaxStringLength = 64 << 10
	// MaxValues is the largest number of values accepted in one
	// multi-valued attribute other than Group.members (whose size only the
	// request body limit bounds); more is an invalidValue error.
	MaxValues = 1000
)

// jkind is the kind of a parsed JSON value.
type jkind uint8

const (
	jNull jkind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

func (k jkind) String() string {
	switch k {
	case jNull:
		return "null"
	case jFalse, jTrue:
		return "a boolean"
	case jNumber:
		return "a number"
	case jString:
		return "a string"
	case jArray:
		return "an array"
	default:
		return "an object"
	}
}

// jvalue is a parsed JSON value. Objects keep their members in input order,
// with duplicates.
type jvalue struct {
	kind  jkind
	s     string    // string value, or the number's text
	elems []jvalue  // array elements
	mems  []jmember // object members
	raw   []byte    // the value's text in the input
}

type jmember struct {
	key string
	val jvalue
}

// get returns the last member of an object whose key equals name
// case-insensitively (RFC 7643 §2.1), so that of duplicate keys differing
// only in case the last one wins, like encoding/json's last-wins rule for
// exact duplicates.
func (v *jvalue) get(name string) *jvalue {
	for i := len(v.mems) - 1; i >= 0; i-- {
		if equalFold(v.mems[i].key, name) {
			return &v.mems[i].val
		}
	}
	return nil
}

// parser is a strict JSON (RFC 8259) parser that enforces MaxDepth,
// MaxStringLength and valid UTF-8.
type parser struct {
	data []byte
	pos  int
}

// parseJSON parses data as one JSON value.
func parseJSON(data []byte) (jvalue, error) {
	p := parser{data: data}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return jvalue{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return jvalue{}, p.syntax("unexpected data after the JSON value")
	}
	return v, nil
}

func (p *parser) syntax(msg string) *Error {
	return &Error{ScimType: "invalidSyntax", Detail: "malformed JSON at byte " + strconv.Itoa(p.pos) + ": " + msg}
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

func (p *parser) value(depth int) (jvalue, error) {
	if p.pos >= len(p.data) {
		return jvalue{}, p.syntax("unexpected end of input")
	}
	start := p.pos
	var v jvalue
	switch c := p.data[p.pos]; {
	case c == '{':
		if depth >= MaxDepth {
			return jvalue{}, p.syntax("nesting deeper than " + strconv.Itoa(MaxDepth))
		}
		p.pos++
		v.kind = jObject
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			break
		}
		for {
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return jvalue{}, p.syntax("expected a string key")
			}
			key, err := p.str()
			if err != nil {
				return jvalue{}, err
			}
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return jvalue{}, p.syntax("expected ':'")
			}
			p.pos++
			p.skipSpace()
			val, err := p.value(depth + 1)
			if err != nil {
				return jvalue{}, err
			}
			v.mems = append(v.mems, jmember{key: key, val: val})
			p.skipSpace()
			if p.pos >= len(p.data) {
				return jvalue{}, p.syntax("unexpected end of input in object")
			}
			if p.data[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.data[p.pos] == '}' {
				p.pos++
				break
			}
			return jvalue{}, p.syntax("expected ',' or '}'")
		}
	case c == '[':
		if depth >= MaxDepth {
			return jvalue{}, p.syntax("nesting deeper than " + strconv.Itoa(MaxDepth))
		}
		p.pos++
		v.kind = jArray
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			break
		}
		for {
			p.skipSpace()
			el, err := p.value(depth + 1)
			if err != nil {
				return jvalue{}, err
			}
			v.elems = append(v.elems, el)
			p.skipSpace()
			if p.pos >= len(p.data) {
				return jvalue{}, p.syntax("unexpected end of input in array")
			}
			if p.data[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.data[p.pos] == ']' {
				p.pos++
				break
			}
			return jvalue{}, p.syntax("expected ',' or ']'")
		}
	case c == '"':
		s, err := p.str()
		if err != nil {
			return jvalue{}, err
		}
		v.kind, v.s = jString, s
	case c == 't':
		if err := p.literal("true"); err != nil {
			return jvalue{}, err
		}
		v.kind = jTrue
	case c == 'f':
		if err := p.literal("false"); err != nil {
			return jvalue{}, err
		}
		v.kind = jFalse
	case c == 'n':
		if err := p.literal("null"); err != nil {
			return jvalue{}, err
		}
		v.kind = jNull
	case c == '-' || ('0' <= c && c <= '9'):
		if err := p.number(); err != nil {
			return jvalue{}, err
		}
		v.kind, v.s = jNumber, string(p.data[start:p.pos])
	default:
		return jvalue{}, p.syntax("unexpected character " + strconv.QuoteRune(rune(c)))
	}
	v.raw = p.data[start:p.pos]
	return v, nil
}

func (p *parser) literal(lit string) error {
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
func (p *parser) number() error {
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

// str scans a JSON string starting at its opening quote and returns it
// decoded. Invalid UTF-8, control characters and lone surrogate escapes are
// invalidSyntax errors; a string longer than MaxStringLength is an
// invalidValue error.
func (p *parser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes, ASCII or valid UTF-8.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := p.data[start:p.pos]
			if len(s) > MaxStringLength {
				return "", tooLong(len(s))
			}
			p.pos++
			return string(s), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.syntax("control character in string")
		}
		if c < utf8.RuneSelf {
			p.pos++
			continue
		}
		r, n := utf8.DecodeRune(p.data[p.pos:])
		if r == utf8.RuneError && n == 1 {
			return "", p.syntax("invalid UTF-8 in string")
		}
		p.pos += n
	}
	if p.pos >= len(p.data) {
		return "", p.syntax("unterminated string")
	}
	buf := make([]byte, 0, p.pos-start+16)
	buf = append(buf, p.data[start:p.pos]...)
	for {
		if len(buf) > MaxStringLength {
			return "", tooLong(len(buf))
		}
		if p.pos >= len(p.data) {
			return "", p.syntax("unterminated string")
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c == '\\':
			if p.pos+1 >= len(p.data) {
				return "", p.syntax("unterminated string")
			}
			e := p.data[p.pos+1]
			p.pos += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", p.syntax("invalid \\u escape")
				}
				if utf16.IsSurrogate(r) {
					if r >= 0xDC00 || p.pos+1 >= len(p.data) || p.data[p.pos] != '\\' || p.data[p.pos+1] != 'u' {
						return "", p.syntax("lone surrogate in \\u escape")
					}
					p.pos += 2
					r2, ok := p.hex4()
					if !ok {
						return "", p.syntax("invalid \\u escape")
					}
					r = utf16.DecodeRune(r, r2)
					if r == utf8.RuneError {
						return "", p.syntax("lone surrogate in \\u escape")
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", p.syntax("invalid escape")
			}
		case c < 0x20:
			return "", p.syntax("control character in string")
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.pos++
		default:
			r, n := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && n == 1 {
				return "", p.syntax("invalid UTF-8 in string")
			}
			buf = append(buf, p.data[p.pos:p.pos+n]...)
			p.pos += n
		}
	}
}

func (p *parser) hex4() (rune, bool) {
	if len(p.data)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

func tooLong(n int) *Error {
	return &Error{ScimType: "invalidValue", Detail: "a string of " + strconv.Itoa(n) +
		" bytes exceeds the limit of " + strconv.Itoa(MaxStringLength) + " bytes"}
}

// toAny converts a parsed value to the JSON-like form of Resource.Get:
// string, bool, int64 (or float64 for numbers that are not integers),
// []any, map[string]any; nil for null.
func (v *jvalue) toAny() any {
	switch v.kind {
	case jTrue:
		return true
	case jFalse:
		return false
	case jString:
		return v.s
	case jNumber:
		if i, err := strconv.ParseInt(v.s, 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(v.s, 64)
		return f
	case jArray:
		out := make([]any, 0, len(v.elems))
		for i := range v.elems {
			if x := v.elems[i].toAny(); x != nil {
				out = append(out, x)
			}
		}
		return out
	case jObject:
		m := make(map[string]any, len(v.mems))
		for i := range v.mems {
			if x := v.mems[i].val.toAny(); x != nil {
				m[v.mems[i].key] = x
			}
		}
		return m
	}
	return nil
}
