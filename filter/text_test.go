package filter

import (
	"errors"
	"strings"
	"testing"
)

// TestStringRefusesNUL: U+0000 is refused in a filter's string literal, as
// in every string the library reads, with invalidFilter (invalidPath in a
// PATCH path); PostgreSQL cannot compare text holding it.
func TestStringRefusesNUL(t *testing.T) {
	for _, f := range []string{"userName eq a\x00b", `userName eq "a\u0000"`, `emails[value eq "\u0000"]`, `displayName co "x\u0000y"`} {
		_, err := Parse(f)
		var e *Error
		if !errors.As(err, &e) || e.ScimType != InvalidFilter || !strings.Contains(e.Msg, "U+0000") {
			t.Errorf("Parse(%s) = %v, want invalidFilter about U+0000", f, err)
		}
	}
	_, err := ParsePath(`emails[value eq "\u0000"].type`)
	var e *Error
	if !errors.As(err, &e) || e.ScimType != InvalidPath {
		t.Errorf("ParsePath = %v, want invalidPath", err)
	}
	if _, err := Parse(`userName eq "a\u0001"`); err != nil {
		t.Errorf("other escaped control characters are accepted: %v", err)
	}
}

// Filters follow the text rule of resource and PATCH bodies: invalid UTF-8
// and lone surrogates are refused (400 invalidFilter), so no store is
// handed bytes it cannot compare (PostgreSQL refuses them with an error).
func TestParseRefusesInvalidText(t *testing.T) {
	for _, f := range []string{
		"id eq \"\xff\"",
		"userName eq \"a\xc0\xafb\"",
		"userName eq \"\xed\xa0\x80\"",
		`userName eq "\ud800"`,
		`userName eq "\udc00x"`,
		`userName eq "\ud800\u0041"`,
		"userName\xff eq \"a\"",
	} {
		_, err := Parse(f)
		var e *Error
		if !errors.As(err, &e) || e.ScimType != InvalidFilter {
			t.Errorf("Parse(%q) = %v, want invalidFilter", f, err)
		}
	}
	_, err := ParsePath("emails[value eq \"\xff\"].type")
	var e *Error
	if !errors.As(err, &e) || e.ScimType != InvalidPath {
		t.Errorf("ParsePath = %v, want invalidPath", err)
	}
	// A surrogate pair is one character.
	got, err := Parse(`userName eq "\ud83d\ude00"`)
	if err != nil || got.(*Compare).Value.Str != "😀" {
		t.Errorf("surrogate pair: %v, %v", got, err)
	}
}
