package jsonparse

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/scimkit/scim/internal/scimtype"
)

// StringError is why ReadString refused a string: At is the offset in the
// input of the offending byte or escape, Msg says what is wrong, and
// ScimType is "invalidSyntax" (malformed, invalid UTF-8, lone surrogate)
// or "invalidValue" (U+0000, too long).
type StringError struct {
	At       int
	Msg      string
	ScimType string
}

// ReadString reads the JSON string whose opening quote is at data[pos],
// applying the text rules of the package doc, and returns it decoded with
// the offset just past its closing quote. It is the one string reader of
// the library: JSON bodies read it through Parse, and filter string
// literals (package filter) call it on the filter's text. A string without
// escapes in a string input is returned without copying.
func ReadString[T string | []byte](data T, pos int) (string, int, *StringError) {
	open := pos
	pos++ // opening quote
	start := pos
	// Fast path: no escapes.
	for pos < len(data) {
		c := data[pos]
		if c == '"' {
			if pos-start > MaxStringLength {
				return "", 0, tooLongAt(open, pos-start)
			}
			return string(data[start:pos]), pos + 1, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", 0, syntaxAt(pos, "control character 0x"+strconv.FormatUint(uint64(c), 16)+" in a string; it must be escaped")
		}
		if c < utf8.RuneSelf {
			pos++
			continue
		}
		n, ok := validRune(data, pos)
		if !ok {
			return "", 0, syntaxAt(pos, "invalid UTF-8 in a string")
		}
		pos += n
	}
	if pos >= len(data) {
		return "", 0, syntaxAt(open, "unterminated string")
	}
	buf := make([]byte, 0, pos-start+16)
	buf = append(buf, data[start:pos]...)
	for pos < len(data) {
		if len(buf) > MaxStringLength {
			return "", 0, tooLongAt(open, len(buf))
		}
		c := data[pos]
		switch {
		case c == '"':
			return string(buf), pos + 1, nil
		case c == '\\':
			if pos+1 >= len(data) {
				return "", 0, syntaxAt(open, "unterminated string")
			}
			switch e := data[pos+1]; e {
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
				at := pos
				r, ok := hex4(data, pos+2)
				if !ok {
					return "", 0, syntaxAt(at, "invalid \\u escape")
				}
				if r == 0 {
					return "", 0, &StringError{At: at, ScimType: scimtype.InvalidValue, Msg: "a string holds U+0000 (\\u0000), which is not accepted"}
				}
				pos += 6
				if utf16.IsSurrogate(r) {
					if r >= 0xDC00 || pos+1 >= len(data) || data[pos] != '\\' || data[pos+1] != 'u' {
						return "", 0, syntaxAt(at, "lone surrogate in \\u escape")
					}
					r2, ok := hex4(data, pos+2)
					if !ok {
						return "", 0, syntaxAt(pos, "invalid \\u escape")
					}
					if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
						return "", 0, syntaxAt(at, "lone surrogate in \\u escape")
					}
					pos += 6
				}
				buf = utf8.AppendRune(buf, r)
				continue
			default:
				return "", 0, syntaxAt(pos, "invalid escape in a string")
			}
			pos += 2
		case c < 0x20:
			return "", 0, syntaxAt(pos, "control character 0x"+strconv.FormatUint(uint64(c), 16)+" in a string; it must be escaped")
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			pos++
		default:
			n, ok := validRune(data, pos)
			if !ok {
				return "", 0, syntaxAt(pos, "invalid UTF-8 in a string")
			}
			buf = append(buf, data[pos:pos+n]...)
			pos += n
		}
	}
	return "", 0, syntaxAt(open, "unterminated string")
}

// validRune returns the length of the UTF-8 sequence at data[pos] and
// whether it is valid. At most four bytes are converted, which the
// compiler does without allocating.
func validRune[T string | []byte](data T, pos int) (int, bool) {
	end := min(pos+utf8.UTFMax, len(data))
	r, n := utf8.DecodeRuneInString(string(data[pos:end]))
	return n, r != utf8.RuneError || n > 1
}

func hex4[T string | []byte](data T, pos int) (rune, bool) {
	if len(data)-pos < 4 {
		return 0, false
	}
	var r rune
	for i := pos; i < pos+4; i++ {
		c := data[i]
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
	return r, true
}

func syntaxAt(at int, msg string) *StringError {
	return &StringError{At: at, Msg: msg, ScimType: scimtype.InvalidSyntax}
}

func tooLongAt(at, n int) *StringError {
	return &StringError{At: at, ScimType: scimtype.InvalidValue, Msg: "a string of " + strconv.Itoa(n) +
		" bytes exceeds the limit of " + strconv.Itoa(MaxStringLength) + " bytes"}
}
