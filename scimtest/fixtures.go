package scimtest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

// fixtureFS holds the request bodies, one JSON file per IdP step, named
// <idp>_<step>.json. Each carries a "_source" member naming the vendor page
// it was written from; it is removed before the body is sent.
// testdata/README.md lists them.
//
//go:embed testdata/*.json
var fixtureFS embed.FS

// sourceKey is the fixture member naming its source; never sent.
const sourceKey = "_source"

// vars are the values substituted into a fixture. A string value replaces
// "{{name}}" inside a JSON string, escaped for JSON. Any other value
// (json.RawMessage, bool, []any, ...) replaces the whole JSON string
// "{{name}}", quotes included, with its JSON encoding.
type vars map[string]any

// fixture returns the body of testdata/<name>.json with v substituted and
// "_source" removed. A missing fixture or an unsubstituted placeholder is
// a bug in this package and fails the test.
func fixture(t tester, name string, v vars) []byte {
	t.Helper()
	b, err := expand(name, v)
	if err != nil {
		t.Fatalf("scimtest: %v", err)
	}
	return b
}

// hasFixture reports whether testdata/<name>.json exists.
func hasFixture(name string) bool {
	_, err := fixtureFS.ReadFile("testdata/" + name + ".json")
	return err == nil
}

// expand is fixture without the test.
func expand(name string, v vars) ([]byte, error) {
	raw, err := fixtureFS.ReadFile("testdata/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %v", name, err)
	}
	s := string(raw)
	for k, val := range v {
		ph := "{{" + k + "}}"
		if str, ok := val.(string); ok {
			enc, _ := json.Marshal(str)
			s = strings.ReplaceAll(s, ph, string(enc[1:len(enc)-1]))
			continue
		}
		enc, err := json.Marshal(val)
		if err != nil {
			return nil, fmt.Errorf("fixture %s: value of %s: %v", name, k, err)
		}
		s = strings.ReplaceAll(s, `"`+ph+`"`, string(enc))
	}
	if i := strings.Index(s, "{{"); i >= 0 {
		end := strings.Index(s[i:], "}}")
		if end < 0 {
			end = len(s) - i - 2
		}
		return nil, fmt.Errorf("fixture %s: no value for %s", name, s[i:i+end+2])
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("fixture %s: %v", name, err)
	}
	delete(m, sourceKey)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("fixture %s: %v", name, err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}
