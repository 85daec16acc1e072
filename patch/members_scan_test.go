package patch

import (
	"bytes"
	"encoding/json"
	"testing"
)

// decoderMembers is the obvious json.Decoder implementation objectMembers
// replaced; the fuzz test holds the two to the same answers.
func decoderMembers(raw []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, false
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, false
	}
	var mems []member
	for dec.More() {
		tok, _ := dec.Token()
		k, _ := tok.(string)
		var v json.RawMessage
		dec.Decode(&v)
		mems = append(mems, member{k, v})
	}
	return mems, true
}

func FuzzObjectMembers(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"a\"b"}]}]}`,
		` { "a" : 1 , "b\u00e9\\" : [ {"x":"}]"} ] , "c":true,"d":null,"e":-1.5e3 } `,
		`[]`, `"s"`, `{}`, `{"a":{"b":{"c":[1,[2,[3]]]}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw := []byte(s)
		got, ok, err := objectMembers(raw)
		if !json.Valid(raw) {
			if err == nil {
				t.Fatalf("%q: invalid JSON accepted", s)
			}
			return
		}
		want, wantOK := decoderMembers(raw)
		if err != nil || ok != wantOK || len(got) != len(want) {
			t.Fatalf("%q: got %v %v %v, want %v %v", s, got, ok, err, want, wantOK)
		}
		for i := range got {
			var g, w bytes.Buffer
			json.Compact(&g, got[i].val)
			json.Compact(&w, want[i].val)
			if got[i].key != want[i].key || !bytes.Equal(g.Bytes(), w.Bytes()) {
				t.Fatalf("%q: member %d is %q=%s, want %q=%s", s, i, got[i].key, got[i].val, want[i].key, want[i].val)
			}
		}
	})
}
