package memory

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold returns the case-insensitive index key of s. ASCII strings fold to
// strings.ToLower(s). Other letters are lowered, then mapped to the lowest
// rune of their Unicode simple case folding orbit and lowered again, so that
// strings equal under strings.EqualFold, or equal once lowered, share a key:
// "ſ" (U+017F) and "s", or "K" (Kelvin sign) and "k", are one key, which
// strings.ToLower alone would not give for "ſ". Index hits are confirmed
// with filter.Match, so a key coarser than the filter's comparison only
// costs a check.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(s[i]) // invalid UTF-8 keeps its bytes: distinct inputs stay distinct
		} else {
			b.WriteRune(foldRune(r))
		}
		i += size
	}
	return b.String()
}

func foldRune(r rune) rune {
	r = unicode.ToLower(r)
	low := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < low {
			low = f
		}
	}
	return unicode.ToLower(low)
}
