package scimtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var placeholder = regexp.MustCompile(`\{\{(\w+)\}\}`)

// TestFixtures checks every testdata fixture: named <idp>_<step>.json, a
// JSON object with a "_source", listed in testdata/README.md, used by a
// flow, and expanding to JSON without "_source" or placeholders.
func TestFixtures(t *testing.T) {
	readme, err := os.ReadFile("testdata/README.md")
	if err != nil {
		t.Fatal(err)
	}
	var code strings.Builder
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range goFiles {
		if !strings.HasSuffix(f, "_test.go") {
			b, _ := os.ReadFile(f)
			code.Write(b)
		}
	}
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) < 30 {
		t.Fatalf("only %d fixtures", len(files))
	}
	name := regexp.MustCompile(`^(entra|okta|jumpcloud|onelogin|pingone|app)_[a-z_]+\.json$`)
	for _, f := range files {
		base := filepath.Base(f)
		fx := strings.TrimSuffix(base, ".json")
		t.Run(fx, func(t *testing.T) {
			if !name.MatchString(base) {
				t.Errorf("name %s is not <idp>_<step>.json", base)
			}
			if !strings.Contains(string(readme), "`"+base+"`") {
				t.Errorf("%s is not listed in testdata/README.md", base)
			}
			step := strings.TrimSuffix(strings.TrimPrefix(fx, "entra_"), "_flag")
			if !strings.Contains(code.String(), `"`+fx+`"`) && !strings.Contains(code.String(), `e.fx("`+step+`"`) {
				t.Errorf("%s is used by no flow", base)
			}
			raw, _ := os.ReadFile(f)
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("not a JSON object: %v", err)
			}
			src, _ := m[sourceKey].(string)
			if !strings.Contains(src, "https://") && !strings.Contains(src, "RFC 7643") {
				t.Errorf("_source %q names no source", src)
			}
			v := vars{}
			for _, p := range placeholder.FindAllStringSubmatch(string(raw), -1) {
				v[p[1]] = "value-of-" + p[1]
			}
			if _, ok := v["members"]; ok {
				v["members"] = json.RawMessage(`[{"value":"m1"}]`)
			}
			out, err := expand(fx, v)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("expanded body is not JSON: %v\n%s", err, out)
			}
			if _, ok := got[sourceKey]; ok || strings.Contains(string(out), "{{") {
				t.Errorf("expanded body keeps _source or a placeholder: %s", out)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	out, err := expand("okta_aiw_replace_group", vars{
		"groupId": "g1", "displayName": `Sales "EMEA" \ 1`, "members": json.RawMessage(`[{"value":"u1"},{"value":"u2"}]`),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"schemas":     []any{groupSchema},
		"id":          "g1",
		"displayName": `Sales "EMEA" \ 1`,
		"members":     []any{map[string]any{"value": "u1"}, map[string]any{"value": "u2"}},
		"meta":        map[string]any{"resourceType": "Group"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("expand (-want +got):\n%s", d)
	}

	for _, tc := range []struct {
		name string
		v    vars
		want string
	}{
		{"okta_create_group", nil, "fixture okta_create_group: no value for {{displayName}}"},
		{"nope", nil, "fixture nope: open testdata/nope.json: file does not exist"},
		{"okta_aiw_replace_group", vars{"groupId": "g", "displayName": "d", "members": func() {}}, "fixture okta_aiw_replace_group: value of members: json: unsupported type: func()"},
	} {
		if _, err := expand(tc.name, tc.v); err == nil || err.Error() != tc.want {
			t.Errorf("expand(%s) error = %v, want %q", tc.name, err, tc.want)
		}
	}
}
