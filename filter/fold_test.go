package filter

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/scimkit/scim/resource"
)

// foldVariants are the spellings identity providers and hostile clients
// send that simple case folding treats as the same name, or not.
var foldVariants = []struct {
	name string
	a, b string
	same bool
}{
	{"ASCII case", "BJensen@Example.COM", "bjensen@example.com", true},
	{"Kelvin sign", "\u212Aai@example.com", "kai@example.com", true},
	{"Kelvin sign upper", "\u212Aai@example.com", "KAI@example.com", true},
	{"long s", "\u017Fam@example.com", "sam@example.com", true},
	{"long s upper", "\u017Fam@example.com", "Sam@example.com", true},
	{"final sigma", "\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3", "\u03BF\u03B4\u03C5\u03C3\u03C3\u03B5\u03C5\u03C2", true},
	{"sigma and final sigma", "\u03C3\u03BF\u03C6\u03B9\u03B1", "\u03C2\u03BF\u03C6\u03B9\u03B1", true},
	{"dotted I is not i", "\u0130zel@example.com", "izel@example.com", false},
	{"dotted I is not I", "\u0130zel@example.com", "Izel@example.com", false},
	{"dotless i is not i", "\u0131zel@example.com", "izel@example.com", false},
	{"dotless i is not I", "\u0131zel@example.com", "Izel@example.com", false},
	{"sharp s and capital sharp s", "stra\u00DFe", "STRA\u1E9EE", true},
	{"sharp s is not ss", "stra\u00DFe", "STRASSE", false},
	{"DZ caron title and lower", "\u01C5emal", "\u01C6emal", true},
	{"DZ caron upper and lower", "\u01C4EMAL", "\u01C6emal", true},
	{"DZ caron is not D and Z caron", "\u01C6emal", "d\u017Eemal", false},
	{"NFC case", "JOS\u00C9", "jos\u00E9", true},
	{"NFC is not NFD", "Jos\u00E9", "Jose\u0301", false},
}

func TestFoldVariants(t *testing.T) {
	for _, v := range foldVariants {
		t.Run(v.name, func(t *testing.T) {
			if got := Fold(v.a) == Fold(v.b); got != v.same {
				t.Errorf("Fold(%q) = %q, Fold(%q) = %q: equal %v, want %v", v.a, Fold(v.a), v.b, Fold(v.b), got, v.same)
			}
			if got := strings.EqualFold(v.a, v.b); got != v.same {
				t.Errorf("strings.EqualFold(%q, %q) = %v, want %v", v.a, v.b, got, v.same)
			}
		})
	}
}

func TestFoldKeys(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"bjensen@example.com", "bjensen@example.com"},
		{"BJensen@Example.COM", "bjensen@example.com"},
		{"\u212Aai", "kai"},
		{"\u017Fam", "sam"},
		{"\u03A3\u03C3\u03C2", "\u03C3\u03C3\u03C3"},
		{"STRA\u1E9EE", "stra\u00DFe"},
		{"\u01C4\u01C5\u01C6", "\u01C6\u01C6\u01C6"},
		{"\u0130\u0131", "\u0130\u0131"},
		{"JOS\u00C9", "jos\u00E9"},
		{"a\xffB", "a\uFFFDb"},
	} {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestFoldOrbits checks every rune: runes of one simple folding orbit, and
// only they, share a key, and the key is in the orbit.
func TestFoldOrbits(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		k := foldRune(r)
		if k != r && !inOrbit(k, r) {
			t.Fatalf("foldRune(%U) = %U, which is not in its orbit", r, k)
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if foldRune(f) != k {
				t.Fatalf("foldRune(%U) = %U but foldRune(%U) = %U, same orbit", r, k, f, foldRune(f))
			}
		}
	}
}

func FuzzFoldEqualFold(f *testing.F) {
	for _, v := range foldVariants {
		f.Add(v.a, v.b)
	}
	f.Add("a\xff", "A\xfe")
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, kb := Fold(a), Fold(b)
		if (ka == kb) != strings.EqualFold(a, b) {
			t.Fatalf("Fold(%q) = %q, Fold(%q) = %q, but EqualFold = %v", a, ka, b, kb, strings.EqualFold(a, b))
		}
		if Fold(ka) != ka || !utf8.ValidString(ka) {
			t.Fatalf("Fold(%q) = %q is not its own valid key", a, ka)
		}
	})
}

func TestFoldNoAlloc(t *testing.T) {
	for _, s := range []string{"bjensen@example.com", "jos\u00E9", "\u03C3\u03BF\u03C6\u03B9\u03B1"} {
		if n := testing.AllocsPerRun(100, func() { _ = Fold(s) }); n != 0 {
			t.Errorf("Fold(%q), its own key, allocates %v times", s, n)
		}
	}
}

// TestMatchFolds checks that eq, co, sw and ew on a non-caseExact
// attribute agree with Fold for every variant, ASCII or not, and that
// ne is eq's negation.
func TestMatchFolds(t *testing.T) {
	rt := testRegistry(t).User
	for _, v := range foldVariants {
		t.Run(v.name, func(t *testing.T) {
			u := &resource.User{ID: "u1", UserName: v.a, Emails: []resource.MultiValue{{Value: v.a}}}
			for _, op := range []Op{Eq, Ne, Co, Sw, Ew} {
				for _, path := range []string{"userName", "emails.value"} {
					e := &Compare{Path: AttrPath{Name: path}, Op: op, Value: Value{Kind: String, Str: v.b}}
					if path == "emails.value" {
						e.Path = AttrPath{Name: "emails", Sub: "value"}
					}
					got, err := Match(e, rt, u)
					if err != nil {
						t.Fatal(err)
					}
					want := v.same
					if op == Ne {
						want = !v.same
					}
					if got != want {
						t.Errorf("%s on %q: %v, want %v", e, v.a, got, want)
					}
				}
			}
		})
	}
	// co, sw and ew on part of a name.
	u := &resource.User{ID: "u1", UserName: "\u212Aai.\u017Fmith@example.com"}
	for _, c := range []struct {
		filter string
		want   bool
	}{
		{`userName sw "kai"`, true},
		{`userName co "SMITH"`, true},
		{`userName co ".s"`, true},
		{`userName ew "@EXAMPLE.COM"`, true},
		{`userName sw "\u212A"`, true},
		{`userName co "\u0130"`, false},
		{`userName gt "kai"`, true},
		{`userName lt "kaj"`, true},
		{`userName le "KAI.SMITH@EXAMPLE.COM"`, true},
		{`userName ge "kai.smith@example.com"`, true},
	} {
		e, err := Parse(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := Match(e, rt, u); got != c.want {
			t.Errorf("%s on %q: %v, want %v", c.filter, u.UserName, got, c.want)
		}
	}
}

// TestSortFolds checks that Sort orders non-caseExact strings by their
// Fold keys, as the SQL store orders its folded columns.
func TestSortFolds(t *testing.T) {
	rt := testRegistry(t).User
	us := []*resource.User{
		{ID: "3", UserName: "\u017Fb"}, // ſb: key "sb"
		{ID: "1", UserName: "Sa"},
		{ID: "2", UserName: "sc"},
	}
	if err := Sort(rt, us, AttrPath{Name: "userName"}, false); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	if !slices.Equal(ids, []string{"1", "3", "2"}) {
		t.Errorf("sorted by userName: %q, want [1 3 2]", ids)
	}
}

func BenchmarkFold(b *testing.B) {
	for _, s := range []string{"bjensen@example.com", "BJensen@Example.COM", "\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Fold(s)
			}
		})
	}
}
