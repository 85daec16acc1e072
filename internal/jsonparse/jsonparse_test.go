package jsonparse

import (
	"strings"
	"testing"
)

func TestTextRules(t *testing.T) {
	tests := []struct {
		in, scimType, detail string
	}{
		{`"a\u0000"`, "invalidValue", "U+0000"},
		{`{"k\u0000":1}`, "invalidValue", "U+0000"},
		{`"\ud800"`, "invalidSyntax", "surrogate"},
		{`"\ud800\u0041"`, "invalidSyntax", "surrogate"},
		{`"\udc00"`, "invalidSyntax", "surrogate"},
		{"\"\xff\"", "invalidSyntax", "UTF-8"},
		{"\"a\x00\"", "invalidSyntax", "control"},
		{`[[[1]]]`, "invalidSyntax", "nesting deeper than 2"},
		{`"` + strings.Repeat("a", MaxStringLength+1) + `"`, "invalidValue", "exceeds"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in), 2)
		e, ok := err.(*Error)
		if !ok || e.ScimType != tt.scimType || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("Parse(%.40q) = %v, want %s containing %q", tt.in, err, tt.scimType, tt.detail)
		}
	}
	v, err := Parse([]byte(`{"a":"\ud83d\ude00\u00e9","A":[1,null]}`), 2)
	if err != nil || v.Get("a").Kind != Array || v.Mems[0].Val.Str != "😀é" || string(v.Mems[1].Val.Raw) != "[1,null]" {
		t.Errorf("Parse = %+v, %v", v, err)
	}
}
