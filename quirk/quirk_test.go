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
	if !All.Has(IdempotentRemove) || All.Without(OpCase).Has(OpCase) || All != IdempotentRemove<<1-1 {
		t.Errorf("All = %b", All)
	}
}
