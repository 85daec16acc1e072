package storetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim/resource"
)

func TestDiff(t *testing.T) {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		want, got any
		lines     []string // substrings of the report, one per difference; none for equal
	}{
		{"equal", fullUser("u1", "a"), fullUser("u1", "a"), nil},
		{"nil and empty slices", &resource.User{Emails: nil, Extra: nil}, &resource.User{Emails: []resource.MultiValue{}, Extra: map[string]json.RawMessage{}}, nil},
		{"same instant, other zone", resource.Meta{Created: at}, resource.Meta{Created: at.In(time.FixedZone("x", 3600))}, nil},
		{"field", &resource.User{UserName: "a"}, &resource.User{UserName: "b"}, []string{`.UserName: want "a", got "b"`}},
		{"nested pointer", &resource.User{Name: &resource.Name{GivenName: "a"}}, &resource.User{}, []string{`.Name: want &resource.Name`}},
		{"slice element", []resource.MultiValue{{Value: "a"}}, []resource.MultiValue{{Value: "b"}}, []string{`[0].Value: want "a", got "b"`}},
		{"raw JSON", map[string]json.RawMessage{"k": json.RawMessage(`1`)}, map[string]json.RawMessage{"k": json.RawMessage(`2`)}, []string{`["k"]: want "1", got "2"`}},
		{"missing key", map[string]json.RawMessage{"k": json.RawMessage(`1`)}, map[string]json.RawMessage{"j": json.RawMessage(`1`)}, []string{`["j"]: want <nil>`, `["k"]: want "1", got <nil>`}},
		{"times", resource.Meta{Created: at}, resource.Meta{Created: at.Add(time.Second)}, []string{".Created: want"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := diff(tt.want, tt.got)
			var got []string
			if d != "" {
				got = strings.Split(d, "\n")
			}
			if len(got) != len(tt.lines) {
				t.Fatalf("diff reported %d lines, want %d:\n%s", len(got), len(tt.lines), d)
			}
			for i, sub := range tt.lines {
				if !strings.Contains(got[i], sub) {
					t.Errorf("line %d = %q, want it to contain %q", i, got[i], sub)
				}
			}
		})
	}
}
