package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Helpers that build ASTs for the tables.

func ap(s string) AttrPath {
	var p AttrPath
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		p.URN, s = s[:i], s[i+1:]
	}
	p.Name, p.Sub, _ = strings.Cut(s, ".")
	return p
}

func cmpS(path string, op Op, s string) *Compare {
	return &Compare{Path: ap(path), Op: op, Value: Value{Kind: String, Str: s}}
}
func cmpV(path string, op Op, v Value) *Compare { return &Compare{Path: ap(path), Op: op, Value: v} }
func pr(path string) *Compare                   { return &Compare{Path: ap(path), Op: Pr} }
func and(l, r Expr) *Logical                    { return &Logical{Op: And, Left: l, Right: r} }
func or(l, r Expr) *Logical                     { return &Logical{Op: Or, Left: l, Right: r} }
func not(x Expr) *Not                           { return &Not{X: x} }
func vp(path string, f Expr) *ValuePath         { return &ValuePath{Path: ap(path), Filter: f} }
func num(s string) Value                        { return Value{Kind: Number, Str: s} }

const entURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

type parseCase struct {
	in   string
	want Expr
	str  string // canonical String(); "" means in
}

// rfcCases are the filter examples of RFC 7644 §3.4.2.2 (figure after
// table 5), in order.
var rfcCases = []parseCase{
	{in: `userName eq "bjensen"`, want: cmpS("userName", Eq, "bjensen")},
	{in: `name.familyName co "O'Malley"`, want: cmpS("name.familyName", Co, "O'Malley")},
	{in: `userName sw "J"`, want: cmpS("userName", Sw, "J")},
	{in: `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, want: cmpS("urn:ietf:params:scim:schemas:core:2.0:User:userName", Sw, "J")},
	{in: `title pr`, want: pr("title")},
	{in: `meta.lastModified gt "2011-05-13T04:42:34Z"`, want: cmpS("meta.lastModified", Gt, "2011-05-13T04:42:34Z")},
	{in: `meta.lastModified ge "2011-05-13T04:42:34Z"`, want: cmpS("meta.lastModified", Ge, "2011-05-13T04:42:34Z")},
	{in: `meta.lastModified lt "2011-05-13T04:42:34Z"`, want: cmpS("meta.lastModified", Lt, "2011-05-13T04:42:34Z")},
	{in: `meta.lastModified le "2011-05-13T04:42:34Z"`, want: cmpS("meta.lastModified", Le, "2011-05-13T04:42:34Z")},
	{in: `title pr and userType eq "Employee"`, want: and(pr("title"), cmpS("userType", Eq, "Employee"))},
	{in: `title pr or userType eq "Intern"`, want: or(pr("title"), cmpS("userType", Eq, "Intern"))},
	{in: `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, want: cmpS("schemas", Eq, entURN)},
	{in: `userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
		want: and(cmpS("userType", Eq, "Employee"), or(cmpS("emails", Co, "example.com"), cmpS("emails.value", Co, "example.org")))},
	{in: `userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		want: and(cmpS("userType", Ne, "Employee"), not(or(cmpS("emails", Co, "example.com"), cmpS("emails.value", Co, "example.org"))))},
	{in: `userType eq "Employee" and (emails.type eq "work")`, want: and(cmpS("userType", Eq, "Employee"), cmpS("emails.type", Eq, "work")),
		str: `userType eq "Employee" and emails.type eq "work"`},
	{in: `userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
		want: and(cmpS("userType", Eq, "Employee"), vp("emails", and(cmpS("type", Eq, "work"), cmpS("value", Co, "@example.com"))))},
	{in: `emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
		want: or(vp("emails", and(cmpS("type", Eq, "work"), cmpS("value", Co, "@example.com"))), vp("ims", and(cmpS("type", Eq, "xmpp"), cmpS("value", Co, "@foo.com"))))},
}

// idpCases are the filters of docs/idp-compatibility.md and the forms the
// package documentation promises to tolerate.
var idpCases = []parseCase{
	// Entra test connection and matching (docs/idp-compatibility.md#empty-list).
	{in: `userName eq "5fa2a0d4-9ab6-4c5e-9bd0-1a2b3c4d5e6f"`, want: cmpS("userName", Eq, "5fa2a0d4-9ab6-4c5e-9bd0-1a2b3c4d5e6f")},
	{in: `externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`, want: cmpS("externalId", Eq, "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")},
	{in: `emails[type eq "work"].value eq "bjensen@example.com"`,
		want: vp("emails", and(cmpS("type", Eq, "work"), cmpS("value", Eq, "bjensen@example.com"))),
		str:  `emails[type eq "work" and value eq "bjensen@example.com"]`},
	{in: `displayName eq "Group One"`, want: cmpS("displayName", Eq, "Group One")},
	// Entra manager check (docs/idp-compatibility.md#entra-manager-eq), quoted and with the old docs' bare values.
	{in: `id eq "2819c223" and manager eq "00aa"`, want: and(cmpS("id", Eq, "2819c223"), cmpS("manager", Eq, "00aa"))},
	{in: `id eq 54D3 and manager eq 2819c223-7f76-453a-919d-413861904646`,
		want: and(cmpS("id", Eq, "54D3"), cmpS("manager", Eq, "2819c223-7f76-453a-919d-413861904646")),
		str:  `id eq "54D3" and manager eq "2819c223-7f76-453a-919d-413861904646"`},
	{in: `externalId eq jyoung`, want: cmpS("externalId", Eq, "jyoung"), str: `externalId eq "jyoung"`},
	// Roles with a string boolean, URN-qualified extension paths (docs/idp-compatibility.md#extension-paths).
	{in: `roles[primary eq "True"].value eq "Admin"`, want: vp("roles", and(cmpS("primary", Eq, "True"), cmpS("value", Eq, "Admin"))),
		str: `roles[primary eq "True" and value eq "Admin"]`},
	{in: entURN + `:department eq "Sales"`, want: cmpS(entURN+":department", Eq, "Sales")},
	{in: entURN + `:manager.value eq "00aa"`, want: cmpS(entURN+":manager.value", Eq, "00aa")},
	// Okta, after URL decoding (docs/idp-compatibility.md#username-case).
	{in: `userName eq "test.user@okta.local"`, want: cmpS("userName", Eq, "test.user@okta.local")},
	// PingOne (docs/idp-compatibility.md#filter-case).
	{in: `username Eq "jdoe"`, want: cmpS("username", Eq, "jdoe"), str: `username eq "jdoe"`},
	{in: `email Co "example.com"`, want: cmpS("email", Co, "example.com"), str: `email co "example.com"`},
	// Case-insensitive operators, keywords, literals (docs/idp-compatibility.md#filter-case).
	{in: `userName EQ "x" AND Active eq True`, want: and(cmpS("userName", Eq, "x"), cmpV("Active", Eq, Value{Kind: Bool, Bool: true})),
		str: `userName eq "x" and Active eq true`},
	{in: `title Eq NULL OR NOT (title pr)`, want: or(cmpV("title", Eq, Value{Kind: Null}), not(pr("title"))), str: `title eq null or not (title pr)`},
	// Special characters and escapes (docs/idp-compatibility.md#standard-requests).
	{in: `userName eq "a\"b\\c\/d\u00e9\ud83d\ude00\n"`, want: cmpS("userName", Eq, "a\"b\\c/dé😀\n"), str: `userName eq "a\"b\\c/dé😀\n"`},
	{in: `userName eq "o'neil+test#EXT#@contoso.onmicrosoft.com"`, want: cmpS("userName", Eq, "o'neil+test#EXT#@contoso.onmicrosoft.com")},
	{in: `displayName eq "Ünïcödé グループ"`, want: cmpS("displayName", Eq, "Ünïcödé グループ")},
	// Group membership lookups.
	{in: `members.value eq "2819c223"`, want: cmpS("members.value", Eq, "2819c223")},
	{in: `groups.value eq "g1"`, want: cmpS("groups.value", Eq, "g1")},
	// Numbers, precedence, grouping, whitespace, not without a space.
	{in: `x eq -1.5e+3`, want: cmpV("x", Eq, num("-1.5e+3"))},
	{in: `a pr or b pr and c pr`, want: or(pr("a"), and(pr("b"), pr("c")))},
	{in: `(a pr or b pr) and c pr`, want: and(or(pr("a"), pr("b")), pr("c"))},
	{in: `a pr and (b pr and c pr)`, want: and(pr("a"), and(pr("b"), pr("c")))},
	{in: `a pr or (b pr or c pr)`, want: or(pr("a"), or(pr("b"), pr("c")))},
	{in: `a pr and b pr and c pr`, want: and(and(pr("a"), pr("b")), pr("c"))},
	{in: `  not(a pr)  `, want: not(pr("a")), str: `not (a pr)`},
	{in: `((a pr))`, want: pr("a"), str: `a pr`},
	{in: `not pr`, want: pr("not")},
	{in: `emails[ type eq "work" ] and $ref pr`, want: and(vp("emails", cmpS("type", Eq, "work")), pr("$ref")), str: `emails[type eq "work"] and $ref pr`},
	{in: `emails[not (type eq "work")]`, want: vp("emails", not(cmpS("type", Eq, "work")))},
	{in: `emails[type eq "work" or type eq "home"].value sw "a"`,
		want: vp("emails", and(or(cmpS("type", Eq, "work"), cmpS("type", Eq, "home")), cmpS("value", Sw, "a"))),
		str:  `emails[(type eq "work" or type eq "home") and value sw "a"]`},
}

func TestParse(t *testing.T) {
	for _, cases := range [][]parseCase{rfcCases, idpCases} {
		for _, tc := range cases {
			got, err := Parse(tc.in)
			if err != nil {
				t.Errorf("Parse(%q): %v", tc.in, err)
				continue
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tc.in, d)
			}
			wantStr := tc.str
			if wantStr == "" {
				wantStr = tc.in
			}
			if s := got.String(); s != wantStr {
				t.Errorf("Parse(%q).String() = %q, want %q", tc.in, s, wantStr)
			}
			again, err := Parse(got.String())
			if err != nil {
				t.Errorf("re-parse of %q: %v", got.String(), err)
			} else if d := cmp.Diff(got, again); d != "" {
				t.Errorf("re-parse of %q differs (-first +second):\n%s", got.String(), d)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in  string
		pos int
		msg string
	}{
		{``, 0, "unexpected end of input"},
		{`userName`, 8, "comparison operator"},
		{`userName eq`, 11, "comparison value"},
		{`userName xx "a"`, 9, "comparison operator"},
		{`userName eq "a`, 12, "unterminated string"},
		{`userName eq "a\x"`, 14, "invalid escape"},
		{`userName eq "a\u12"`, 14, "invalid \\u escape"},
		{"userName eq \"a\tb\"", 14, "control character"},
		{`userName eq "a" and`, 19, "unexpected end of input"},
		{`userName eq "a" nor b pr`, 16, `"and", "or"`},
		{`(userName pr`, 12, `")"`},
		{`userName pr)`, 11, `")"`},
		{`emails[type eq "work"`, 21, `"]"`},
		{`emails[type[x pr] pr]`, 11, "another value filter"},
		{`emails.value[type pr]`, 12, "sub-attribute"},
		{`1abc pr`, 0, "must start with a letter"},
		{`a.b.c pr`, 3, "at most one sub-attribute"},
		{`urn::x:a pr`, 4, "empty segment"},
		{`a_b:c pr`, 1, "invalid character"},
		{`a eq x"y`, 6, "unquoted value"},
		{`not (a pr`, 9, `")"`},
		{`emails[type eq "w"].value`, 25, "comparison operator"},
		{`a eq"x"`, 4, "space and a comparison value"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.in)
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("Parse(%q) error = %v, want *Error", tc.in, err)
			continue
		}
		if fe.ScimType != InvalidFilter || fe.Pos != tc.pos || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("Parse(%q) = %+v, want invalidFilter at %d containing %q", tc.in, fe, tc.pos, tc.msg)
		}
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("(", 17) + "a pr" + strings.Repeat(")", 17)
	many := "a pr" + strings.Repeat(" or a pr", 64)
	tests := []struct {
		lim Limits
		in  string
		pos int // -1: accepted
		msg string
	}{
		{Limits{}, strings.Repeat("a", 4097), 4096, "longer than the limit of 4096"},
		{Limits{MaxLength: 10}, `userName pr`, 10, "longer than the limit of 10"},
		{Limits{MaxLength: 11}, `userName pr`, -1, ""},
		{Limits{}, deep, 16, "deeper than the limit of 16"},
		{Limits{MaxDepth: 17}, deep, -1, ""},
		{Limits{MaxDepth: 1}, `not (a[b pr])`, 6, "deeper than the limit of 1"},
		{Limits{}, many, 512, "more comparisons than the limit of 64"},
		{Limits{MaxClauses: 65}, many, -1, ""},
		{Limits{MaxClauses: 2}, `emails[type pr and value pr] or a pr`, 32, "limit of 2"},
		// A huge input is refused before it is read.
		{Limits{}, strings.Repeat("(", 1<<20), 4096, "longer than"},
		{Limits{MaxLength: 1 << 21}, strings.Repeat("(", 1<<20), 16, "deeper"},
	}
	for _, tc := range tests {
		_, err := tc.lim.Parse(tc.in)
		if tc.pos < 0 {
			if err != nil {
				t.Errorf("%+v.Parse(%.40q): %v", tc.lim, tc.in, err)
			}
			continue
		}
		var fe *Error
		if !errors.As(err, &fe) || fe.Pos != tc.pos || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("%+v.Parse(%.40q) = %v, want error at %d containing %q", tc.lim, tc.in, err, tc.pos, tc.msg)
		}
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		in   string
		want *Path
		str  string
	}{
		{in: `members`, want: &Path{Attr: ap("members")}},
		{in: `name.givenName`, want: &Path{Attr: ap("name.givenName")}},
		{in: `members[value eq "2819c223-7f76-453a-919d-413861904646"]`,
			want: &Path{Attr: ap("members"), Filter: cmpS("value", Eq, "2819c223-7f76-453a-919d-413861904646")}},
		{in: `emails[type eq "work"].value`, want: &Path{Attr: ap("emails"), Filter: cmpS("type", Eq, "work"), Sub: "value"}},
		{in: `addresses[type eq "work"].country`, want: &Path{Attr: ap("addresses"), Filter: cmpS("type", Eq, "work"), Sub: "country"}},
		{in: `addresses[type eq "other"].Formatted`, want: &Path{Attr: ap("addresses"), Filter: cmpS("type", Eq, "other"), Sub: "Formatted"}},
		{in: `roles[primary eq "True"].value`, want: &Path{Attr: ap("roles"), Filter: cmpS("primary", Eq, "True"), Sub: "value"}},
		{in: entURN + `:manager`, want: &Path{Attr: ap(entURN + ":manager")}},
		{in: entURN + `:manager.value`, want: &Path{Attr: ap(entURN + ":manager.value")}},
		{in: `urn:ietf:params:scim:schemas:core:2.0:User:name.familyName`, want: &Path{Attr: ap("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName")}},
		{in: `members[value eq 2819c223]`, want: &Path{Attr: ap("members"), Filter: cmpS("value", Eq, "2819c223")}, str: `members[value eq "2819c223"]`},
		{in: `emails[type eq "work" and primary eq true]`, want: &Path{Attr: ap("emails"), Filter: and(cmpS("type", Eq, "work"), cmpV("primary", Eq, Value{Kind: Bool, Bool: true}))}},
	}
	for _, tc := range tests {
		got, err := ParsePath(tc.in)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ParsePath(%q) (-want +got):\n%s", tc.in, d)
		}
		want := tc.str
		if want == "" {
			want = tc.in
		}
		if s := got.String(); s != want {
			t.Errorf("ParsePath(%q).String() = %q, want %q", tc.in, s, want)
		}
	}
	for _, tc := range []struct {
		in  string
		pos int
	}{
		{``, 0},
		{`members[value eq "x"`, 20},
		{`members[value eq "x"].`, 22},
		{`members[value eq "x"]x`, 21},
		{`name.givenName.x`, 14},
		{`members[value xx "x"]`, 14},
		{`emails eq "x"`, 7},
	} {
		_, err := ParsePath(tc.in)
		var fe *Error
		if !errors.As(err, &fe) || fe.ScimType != InvalidPath || fe.Pos != tc.pos {
			t.Errorf("ParsePath(%q) = %v, want invalidPath at %d", tc.in, err, tc.pos)
		}
	}
}
