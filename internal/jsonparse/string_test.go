package jsonparse

import (
	"encoding/json"
	"testing"
)

// FuzzReadString holds the one string reader to itself over both input
// types (filter text is a string, bodies are bytes) and to encoding/json:
// whatever it accepts, encoding/json decodes to the same text.
func FuzzReadString(f *testing.F) {
	for _, s := range []string{`"a"`, `"a\"b"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\u0000"`, "\"\xff\"", `"tab	"`, `"x`, `"a\/b\n"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) == 0 || in[0] != '"' {
			in = `"` + in
		}
		s1, end1, err1 := ReadString(in, 0)
		s2, end2, err2 := ReadString([]byte(in), 0)
		if s1 != s2 || end1 != end2 || (err1 == nil) != (err2 == nil) || (err1 != nil && *err1 != *err2) {
			t.Fatalf("string %q,%d,%v and bytes %q,%d,%v disagree", s1, end1, err1, s2, end2, err2)
		}
		if err1 != nil {
			return
		}
		var want string
		if err := json.Unmarshal([]byte(in[:end1]), &want); err != nil {
			t.Fatalf("ReadString accepted %q (%q), encoding/json refuses it: %v", in[:end1], s1, err)
		}
		if want != s1 {
			t.Fatalf("ReadString(%q) = %q, encoding/json %q", in[:end1], s1, want)
		}
	})
}
