package patch

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/resource"
)

// fixture is one testdata file; see testdata/README.md.
type fixture struct {
	Source   string          `json:"_source"`
	Comment  string          `json:"comment"`
	Resource string          `json:"resource"`
	Before   json.RawMessage `json:"before"`
	Request  json.RawMessage `json:"request"`
	After    json.RawMessage `json:"after"`
	Changed  bool            `json:"changed"`
	Error    string          `json:"error"`
}

func loadFixture(t testing.TB, name string) fixture {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if f.Source == "" {
		t.Fatalf("%s: no _source", name)
	}
	return f
}

// result is what applying a fixture's request produced.
type result struct {
	json    any // the resource after the PATCH, decoded
	changed bool
	err     error
}

// applyFixture parses the request and applies it to the before resource.
func applyFixture(t testing.TB, f fixture, opts Options) result {
	t.Helper()
	reg := resource.DefaultRegistry()
	ops, err := ParseRequest(f.Request, opts)
	if err != nil {
		return result{err: err}
	}
	var out []byte
	var changed bool
	switch f.Resource {
	case "User":
		var u resource.User
		if err := u.UnmarshalJSON(f.Before); err != nil {
			t.Fatal(err)
		}
		changed, err = ApplyUser(reg, &u, ops, opts)
		out, _ = u.MarshalJSON()
	case "Group":
		var g resource.Group
		if err := g.UnmarshalJSON(f.Before); err != nil {
			t.Fatal(err)
		}
		changed, err = ApplyGroup(reg, &g, ops, opts)
		out, _ = g.MarshalJSON()
	default:
		t.Fatalf("unknown resource %q", f.Resource)
	}
	if err != nil {
		return result{err: err, json: decodeJSON(t, out)}
	}
	return result{json: decodeJSON(t, out), changed: changed}
}

func decodeJSON(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return v
}

// runFixture applies the named fixture with opts and checks the expected
// outcome.
func runFixture(t *testing.T, name string, opts Options) {
	t.Helper()
	f := loadFixture(t, name)
	r := applyFixture(t, f, opts)
	if f.Error != "" {
		if got := scimType(r.err); got != f.Error {
			t.Fatalf("%s: error %v, want scimType %s", name, r.err, f.Error)
		}
		return
	}
	if r.err != nil {
		t.Fatalf("%s: %v", name, r.err)
	}
	if diff := cmp.Diff(decodeJSON(t, f.After), r.json); diff != "" {
		t.Errorf("%s: resource mismatch (-want +got):\n%s", name, diff)
	}
	if r.changed != f.Changed {
		t.Errorf("%s: changed = %v, want %v", name, r.changed, f.Changed)
	}
}

func scimType(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.ScimType
	}
	if err != nil {
		return "not *patch.Error: " + err.Error()
	}
	return ""
}

// TestFixtures runs every fixture with the default options.
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatal("no fixtures", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) { runFixture(t, name, Options{}) })
	}
}
