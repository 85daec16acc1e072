package filter

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold returns the case-insensitive key of s: the one folding rule by which
// the library compares strings that are not caseExact (userName, group
// displayName, emails.value, ...). Match's eq, ne, co, sw, ew and ordering,
// Sort, the memory store's indexes, the SQL store's folded columns and the
// uniqueness of userName and group displayName all compare Fold keys, so
// that "409 uniqueness" and "userName eq finds it" always agree. An app
// with its own tables stores Fold of a value in the column it indexes or
// keeps unique (see sqlstore.Mapping.Folded).
//
// Fold maps each rune to one fixed member of its Unicode simple case
// folding orbit (the runes [unicode.SimpleFold] cycles through): the lower
// case of the upper case of the orbit's smallest rune when that is in the
// orbit (σ for Σ, ς and σ; ι for the four iotas), else the smallest rune. So Fold(a) == Fold(b) exactly when [strings.EqualFold](a,
// b), and the key of ASCII text is its lower case. Invalid UTF-8 reads as
// U+FFFD, as in strings.EqualFold, so the key is always valid UTF-8.
//
// Consequences of simple folding: the Kelvin sign K (U+212A) is k, the
// long s ſ (U+017F) is s, final sigma ς is σ and Σ, ß is ẞ (U+1E9E), and
// Ǆ, ǅ and ǆ are one letter; but dotted İ (U+0130) and dotless ı (U+0131)
// are each only themselves, neither is i, and ß is not "ss" (full case
// folding, which changes lengths, is not used). There is no Unicode
// normalisation: "é" written as one rune (NFC) and as e plus U+0301 (NFD)
// are different strings, since the standard library has no NFC tables.
//
// A string that is already its own key is returned as is, without
// allocating.
func Fold(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || foldRune(r) != r {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(foldRune(r)) // RuneError for invalid UTF-8, as EqualFold reads it
		i += size
	}
	return b.String()
}

// foldRune returns the key of r's simple folding orbit (see Fold).
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	low := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		low = min(low, f)
	}
	if l := unicode.ToLower(unicode.ToUpper(low)); l == low || inOrbit(l, low) {
		return l
	}
	return low
}

// inOrbit reports whether r is in the simple folding orbit of of.
func inOrbit(r, of rune) bool {
	for f := unicode.SimpleFold(of); f != of; f = unicode.SimpleFold(f) {
		if f == r {
			return true
		}
	}
	return false
}
