package filter

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	fp "github.com/scim2/filter-parser/v2"
)

func fuzzSeeds(f *testing.F) {
	for _, cases := range [][]parseCase{rfcCases, idpCases} {
		for _, tc := range cases {
			f.Add(tc.in)
		}
	}
	f.Add(`userName eq "a\"b" and not(x eq 1.5e3 or y eq null)`)
	f.Add(`emails[type eq "work" or primary eq TRUE]`)
}

// fromFP converts filter-parser's AST into ours. Known differences it
// bridges or that make the input irrelevant (filter-parser accepts what we
// refuse, so the differential only runs where both accept):
//   - filter-parser leaves string escapes undecoded (`"a\"b"` gives a\"b):
//     its strings are decoded here with encoding/json;
//   - it rejects \u escapes with lower-case hex (\u00e9);
//   - it turns numbers into int or float64: ours keep the literal, and are
//     converted the same way for comparison;
//   - it accepts a sub-attribute before '[' (emails.value[...]), which we
//     refuse because RFC 7644 gives value filters on attributes only;
//   - it allows only one and/or inside brackets, we allow a full filter.
func fromFP(t *testing.T, e fp.Expression) Expr {
	switch e := e.(type) {
	case *fp.AttributeExpression:
		c := &Compare{Path: fromFPPath(e.AttributePath), Op: fpOps[string(e.Operator)]}
		if c.Op == Pr {
			return c
		}
		switch v := e.CompareValue.(type) {
		case nil:
			c.Value = Value{Kind: Null}
		case bool:
			c.Value = Value{Kind: Bool, Bool: v}
		case int:
			c.Value = Value{Kind: Number, Str: strconv.Itoa(v)}
		case float64:
			c.Value = Value{Kind: Number, Str: strconv.FormatFloat(v, 'g', -1, 64)}
		case string:
			var s string
			if err := json.Unmarshal([]byte(`"`+v+`"`), &s); err != nil {
				t.Skipf("filter-parser string %q is not JSON: %v", v, err)
			}
			c.Value = Value{Kind: String, Str: s}
		default:
			t.Fatalf("unexpected filter-parser value %T", v)
		}
		return c
	case *fp.LogicalExpression:
		op := And
		if e.Operator == fp.OR {
			op = Or
		}
		return &Logical{Op: op, Left: fromFP(t, e.Left), Right: fromFP(t, e.Right)}
	case *fp.NotExpression:
		return &Not{X: fromFP(t, e.Expression)}
	case *fp.ValuePath:
		return &ValuePath{Path: fromFPPath(e.AttributePath), Filter: fromFP(t, e.ValueFilter)}
	}
	t.Fatalf("unexpected filter-parser node %T", e)
	return nil
}

var fpOps = map[string]Op{"eq": Eq, "ne": Ne, "co": Co, "sw": Sw, "ew": Ew, "gt": Gt, "ge": Ge, "lt": Lt, "le": Le, "pr": Pr}

func fromFPPath(p fp.AttributePath) AttrPath {
	return AttrPath{URN: p.URI(), Name: p.AttributeName, Sub: p.SubAttributeName()}
}

// normNumbers rewrites our number literals the way filter-parser reports
// them (int for integers, float64 otherwise).
func normNumbers(e Expr) {
	switch e := e.(type) {
	case *Compare:
		if e.Value.Kind == Number {
			f, _ := strconv.ParseFloat(e.Value.Str, 64)
			if strings.ContainsAny(e.Value.Str, ".eE") {
				e.Value.Str = strconv.FormatFloat(f, 'g', -1, 64)
			} else {
				e.Value.Str = strconv.Itoa(int(f))
			}
		}
	case *Logical:
		normNumbers(e.Left)
		normNumbers(e.Right)
	case *Not:
		normNumbers(e.X)
	case *ValuePath:
		normNumbers(e.Filter)
	}
}

// FuzzDifferential checks that for every input both parsers accept, the
// ASTs agree: filter-parser is the oracle (docs/ARCHITECTURE.md).
func FuzzDifferential(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in string) {
		if !utf8.ValidString(in) {
			return // filter-parser works on runes; we pass bytes through
		}
		if len(in) > 256 {
			// filter-parser costs about 5 µs a byte, ours well under
			// 0.1 µs; long inputs only slow the campaign, and the grammar's
			// corners fit in short ones.
			return
		}
		ours, err := Parse(in)
		if err != nil {
			return
		}
		type result struct {
			e   fp.Expression
			err error
		}
		done := make(chan result, 1)
		go func() {
			e, err := fp.ParseFilter([]byte(in))
			done <- result{e, err}
		}()
		var theirs fp.Expression
		select {
		case r := <-done:
			if r.err != nil {
				return
			}
			theirs = r.e
		case <-time.After(2 * time.Second):
			// filter-parser does not return on some inputs; ours does.
			t.Skipf("filter-parser did not return within 2s for %q", in)
		}
		want := fromFP(t, theirs)
		normNumbers(ours)
		if d := cmp.Diff(want, ours); d != "" {
			t.Errorf("ASTs differ for %q (-filter-parser +ours):\n%s", in, d)
		}
	})
}

// FuzzRoundTrip checks parse -> String -> parse yields an equal AST, and
// that the parser never panics.
func FuzzRoundTrip(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in string) {
		e, err := Limits{MaxLength: 1 << 16}.Parse(in)
		if err != nil {
			if e != nil {
				t.Fatalf("Parse(%q) returned both an expression and %v", in, err)
			}
			return
		}
		s := e.String()
		again, err := Limits{MaxLength: 1 << 20}.Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its String %q does not parse: %v", in, s, err)
		}
		if d := cmp.Diff(e, again); d != "" {
			t.Fatalf("round trip of %q via %q (-first +second):\n%s", in, s, d)
		}
		if s2 := again.String(); s2 != s {
			t.Fatalf("String not canonical: %q then %q", s, s2)
		}
		if p, err := ParsePath(in); err == nil {
			if p2, err := (Limits{MaxLength: 1 << 20}).ParsePath(p.String()); err != nil || !cmp.Equal(p, p2) {
				t.Fatalf("path round trip of %q via %q: %v", in, p.String(), err)
			}
		}
	})
}
