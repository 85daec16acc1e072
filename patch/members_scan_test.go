package patch

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/scimkit/scim/internal/jsonparse"
)

// member is one key of a JSON object and its raw value.
type member struct {
	key string
	val []byte
}

// decoderMembers is the obvious json.Decoder implementation of splitting an
// object; the fuzz test holds the library's reader to the same answers.
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

// objectMembers splits raw with the reader ParseRequest uses.
func objectMembers(raw []byte) ([]member, bool, error) {
	v, err := parseJSON(raw, bodyDepth, "body")
	if err != nil {
		return nil, false, err
	}
	if v.Kind != jsonparse.Object {
		return nil, false, nil
	}
	var mems []member
	for _, m := range v.Mems {
		mems = append(mems, member{m.Key, m.Val.Raw})
	}
	return mems, true, nil
}

// FuzzObjectMembers: the reader refuses what encoding/json refuses, and of
// valid JSON refuses only what the text rules and limits refuse (invalid
// UTF-8, lone surrogates, U+0000, long strings, deep nesting); otherwise it
// splits objects exactly as json.Decoder does.
func FuzzObjectMembers(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"a\"b"}]}]}`,
		` { "a" : 1 , "b\u00e9\\" : [ {"x":"}]"} ] , "c":true,"d":null,"e":-1.5e3 } `,
		`[]`, `"s"`, `{}`, `{"a":{"b":{"c":[1,[2,[3]]]}}}`,
		`{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `{"a\u0000":1}`, `{"a":"\ud83d\ude00"}`,
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
		if err != nil {
			e := err.(*Error)
			if e.ScimType != invalidValue && !strings.Contains(e.Detail, "UTF-8") &&
				!strings.Contains(e.Detail, "surrogate") && !strings.Contains(e.Detail, "nesting") {
				t.Fatalf("%q: valid JSON refused: %v", s, err)
			}
			return
		}
		want, wantOK := decoderMembers(raw)
		if ok != wantOK || len(got) != len(want) {
			t.Fatalf("%q: got %v %v, want %v %v", s, got, ok, want, wantOK)
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
