package jsonparse

import (
	"encoding/json"
	"reflect"
	"strconv"
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

// TestParseTree: objects and arrays nested in each other, siblings and
// parents, each keep exactly their own members and elements (the parser
// reads them on shared stacks), in input order, keys known or not, with
// escapes or without, and the tree reads as encoding/json reads the text.
func TestParseTree(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `{"a":{}}`, `[[],[[]],{}]`,
		`{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"emails":[{"value":"a@x","type":"work","primary":true},{"value":"b@x"}],"active":false}`,
		`{"Operations":[{"op":"add","path":"members","value":[{"value":"1"},{"value":"2","display":"two"}]},{"op":"remove","path":"members[value eq \"3\"]"}]}`,
		`{"valu\u0065":1,"value":2,"Value":[3,{"x":[4,5,{"y":null}]},6],"z":{"a":{"b":{"c":[true,false]}}}}`,
		`[{"a":1,"b":[{"c":2},{"d":3}]},{"e":[[{"f":4}]]},7]`,
		`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m"}},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:Userx":1}`,
	}
	for _, doc := range docs {
		v, err := Parse([]byte(doc), 64)
		if err != nil {
			t.Errorf("Parse(%s): %v", doc, err)
			continue
		}
		var want any
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		if got := plain(&v); !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%s) reads as %v, want %v", doc, got, want)
		}
		if string(v.Raw) != doc {
			t.Errorf("Parse(%s).Raw = %s", doc, v.Raw)
		}
	}
	v, err := Parse([]byte(`{"value":1,"valu\u0065":2,"b":{"value":3},"value":4}`), 8)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range v.Mems {
		keys = append(keys, m.Key)
	}
	if strings.Join(keys, ",") != "value,value,b,value" || len(v.Mems) != cap(v.Mems) || len(v.Mems[2].Val.Mems) != 1 {
		t.Errorf("members %q (cap %d), b's %+v; want value,value,b,value exactly, b with one", keys, cap(v.Mems), v.Mems[2].Val.Mems)
	}
}

// plain is v as encoding/json reads its text into an any (the last of
// duplicate keys wins; v keeps them all).
func plain(v *Value) any {
	switch v.Kind {
	case Null:
		return nil
	case False:
		return false
	case True:
		return true
	case Number:
		f, _ := strconv.ParseFloat(v.Str, 64)
		return f
	case String:
		return v.Str
	case Array:
		out := []any{}
		for i := range v.Elems {
			out = append(out, plain(&v.Elems[i]))
		}
		return out
	default:
		out := map[string]any{}
		for i := range v.Mems {
			out[v.Mems[i].Key] = plain(&v.Mems[i].Val)
		}
		return out
	}
}

// BenchmarkParseStoredUser parses a user as the SQL stores keep it.
func BenchmarkParseStoredUser(b *testing.B) {
	doc := []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"ext-u1","userName":"u1@example.com","name":{"formatted":"Barbara Jensen","familyName":"Jensen","givenName":"Barbara"},"displayName":"Barbara Jensen","active":true,"emails":[{"value":"u1@example.com","type":"work","primary":true}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"Tour Operations"}}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Parse(doc, 32); err != nil {
			b.Fatal(err)
		}
	}
}
