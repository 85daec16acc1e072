package quirk

import "testing"

func TestBool(t *testing.T) {
	for _, tt := range []struct {
		s     Set
		in    string
		v, ok bool
	}{
		{All, "True", true, true},
		{All, "FALSE", false, true},
		{All, "false", false, true},
		{All, "yes", false, false},
		{All, "", false, false},
		{All.Without(BoolStrings), "True", false, false},
		{BoolStrings, "true", true, true},
	} {
		if v, ok := tt.s.Bool(tt.in); v != tt.v || ok != tt.ok {
			t.Errorf("%b.Bool(%q) = %v, %v; want %v, %v", tt.s, tt.in, v, ok, tt.v, tt.ok)
		}
	}
}

func TestAllHasEveryConstant(t *testing.T) {
	if !All.Has(UnknownAttributes) || All.Without(OpCase).Has(OpCase) || All != UnknownAttributes<<1-1 {
		t.Errorf("All = %b", All)
	}
}

// TestNames: every tolerance has one short name, in bit order, and String
// joins them.
func TestNames(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; All>>i != 0; i++ {
		q := Set(1) << i
		n := q.Names()
		if len(n) != 1 || n[0] == "" || seen[n[0]] {
			t.Errorf("%b.Names() = %q", q, n)
			continue
		}
		seen[n[0]] = true
	}
	if got := (OpCase | BoolStrings | UnknownAttributes).Names(); len(got) != 3 || got[0] != "op-case" || got[1] != "entra-bool-strings" || got[2] != "unknown-attributes" {
		t.Errorf("Names = %q", got)
	}
	for s, want := range map[Set]string{
		0:                          "none",
		OpCase:                     "op-case",
		IdempotentRemove | KeyCase: "patchop-key-case|idempotent-members",
		ReadOnlyValues | 1<<30:     "read-only-attributes|0x40000000",
	} {
		if got := s.String(); got != want {
			t.Errorf("%b.String() = %q, want %q", s, got, want)
		}
	}
	if Set(0).Names() != nil || len(All.Names()) != len(names) {
		t.Errorf("Names of none %q, of All %d", Set(0).Names(), len(All.Names()))
	}
}

// TestUseRecords: Use records only a tolerance that is on; Add on a nil
// set records nothing.
func TestUseRecords(t *testing.T) {
	var fired Set
	if !All.Use(OpCase, &fired) || All.Without(KeyCase).Use(KeyCase, &fired) || fired != OpCase {
		t.Errorf("fired %v", fired)
	}
	if !All.Use(LoneObject, nil) {
		t.Error("Use with a nil set")
	}
	var none *Set
	none.Add(OpCase)
}
