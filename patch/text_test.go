package patch

import (
	"errors"
	"strings"
	"testing"

	"github.com/scimkit/scim/resource"
)

// TestTextRulesOfPOST: a PATCH body is read by the same JSON reader as a
// POST body, so text POST refuses (invalid UTF-8, lone surrogates, U+0000,
// strings over resource.MaxStringLength) is refused in PATCH values and
// member values too, never stored as U+FFFD.
func TestTextRulesOfPOST(t *testing.T) {
	long := strings.Repeat("a", resource.MaxStringLength+1)
	tests := []struct {
		name, value, scimType, detail string
	}{
		{"lone surrogate", `"\ud800"`, invalidSyntax, "surrogate"},
		{"lone low surrogate", `"a\udc00b"`, invalidSyntax, "surrogate"},
		{"raw 0xFF", "\"\xff\"", invalidSyntax, "UTF-8"},
		{"NUL", `"a\u0000"`, invalidValue, "U+0000"},
		{"too long", `"` + long + `"`, invalidValue, "exceeds"},
	}
	paths := []struct{ name, op string }{
		{"value", `{"op":"replace","path":"displayName","value":%s}`},
		{"pathless value", `{"op":"replace","value":{"displayName":%s}}`},
		{"filtered value", `{"op":"replace","path":"emails[type eq \"work\"].value","value":%s}`},
		{"member value", `{"op":"add","path":"members","value":[{"value":%s}]}`},
		{"extra key", `{"op":"add","value":{%s:"x"}}`},
		{"op", `{"op":%s}`},
		{"path", `{"op":"remove","path":%s}`},
	}
	for _, tt := range tests {
		for _, p := range paths {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				body := `{"schemas":["` + PatchOpSchema + `"],"Operations":[` + strings.Replace(p.op, "%s", tt.value, 1) + `]}`
				_, err := ParseRequest([]byte(body), Options{})
				var e *Error
				if !errors.As(err, &e) || e.ScimType != tt.scimType || !strings.Contains(e.Detail, tt.detail) {
					t.Errorf("ParseRequest = %.200v, want %s containing %q", err, tt.scimType, tt.detail)
				}
			})
		}
	}
}

// TestApplyRefusesBadText: operations built by a caller, not by
// ParseRequest, get the same rules when applied.
func TestApplyRefusesBadText(t *testing.T) {
	reg := resource.DefaultRegistry()
	for _, val := range []string{`"\ud800"`, "\"\xff\"", `"\u0000"`, `{"displayName":"\u0000"}`} {
		u := mustUser(t, bjensen)
		before := *u
		path := "displayName"
		if strings.HasPrefix(val, "{") {
			path = ""
		}
		changed, err := ApplyUser(reg, u, []Op{{Op: OpReplace, Path: path, Value: []byte(val)}}, Options{})
		var e *Error
		if !errors.As(err, &e) || changed || u.DisplayName != before.DisplayName {
			t.Errorf("ApplyUser(%q) = %v, %v, displayName %q; want an *Error and no change", val, changed, err, u.DisplayName)
		}
		g := mustGroup(t, tourGuides)
		n := len(g.Members)
		changed, err = ApplyGroup(reg, g, []Op{{Op: OpAdd, Path: "members", Value: []byte(`[{"value":` + val + `}]`)}}, Options{})
		if !errors.As(err, &e) || changed || len(g.Members) != n {
			t.Errorf("ApplyGroup(member %q) = %v, %v; want an *Error and no change", val, changed, err)
		}
	}
}
