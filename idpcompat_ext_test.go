package scim_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// repoFiles returns the repository's files with one of the extensions,
// relative to the module root, skipping .git.
func repoFiles(t *testing.T, exts ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		for _, e := range exts {
			if strings.HasSuffix(p, e) {
				out = append(out, filepath.ToSlash(p))
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFixturesNameTheirSource checks the one fixture format: every JSON
// file directly in a testdata directory is an object whose "_source" is a
// non-empty string naming where the request was taken from.
func TestFixturesNameTheirSource(t *testing.T) {
	n := 0
	for _, p := range repoFiles(t, ".json") {
		if filepath.Base(filepath.Dir(p)) != "testdata" {
			continue
		}
		n++
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("%s: not a JSON object: %v", p, err)
			continue
		}
		var src string
		if err := json.Unmarshal(m["_source"], &src); err != nil || strings.TrimSpace(src) == "" {
			t.Errorf("%s: no non-empty \"_source\" string (keys %v)", p, keys(m))
		}
	}
	if n < 60 {
		t.Errorf("found %d fixtures, expected the patch and scimtest testdata (60 or more)", n)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
