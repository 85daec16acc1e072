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
