package scim_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// compatDoc is the document every IdP tolerance is described in.
const compatDoc = "docs/idp-compatibility.md"

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

var (
	// externalCitation is a reference to the project's notes outside the
	// repository: the file's name or one of its numbered entries.
	externalCitation = regexp.MustCompile(`idp-behaviour|\bQ[0-9]{1,2}\b`)
	// compatLink is a pointer into the compatibility document.
	compatLink = regexp.MustCompile(`idp-compatibility\.md#([a-z0-9-]+)`)
	// docAnchor is an anchor the document defines.
	docAnchor = regexp.MustCompile(`<a id="([a-z0-9-]+)"></a>`)
	// docPath is a repository file the document names, in backquotes.
	docPath = regexp.MustCompile("`([A-Za-z0-9_./-]+\\.(?:go|json|md))`")
	// docTest is a test, fuzz test or example function the document names.
	docTest = regexp.MustCompile(`\b(?:Test|Fuzz)[A-Z][A-Za-z0-9_]*`)
)

// TestIdPKnowledgeIsInTheRepository checks that no source file, fixture
// or document cites notes outside the repository, that every pointer into
// docs/idp-compatibility.md names an anchor it defines, and that every
// file and test the document names exists.
func TestIdPKnowledgeIsInTheRepository(t *testing.T) {
	doc, err := os.ReadFile(compatDoc)
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range docAnchor.FindAllStringSubmatch(string(doc), -1) {
		if anchors[m[1]] {
			t.Errorf("%s: anchor %q defined twice", compatDoc, m[1])
		}
		anchors[m[1]] = true
	}
	if len(anchors) < 30 {
		t.Errorf("%s defines %d anchors, want one per tolerance", compatDoc, len(anchors))
	}

	var tests strings.Builder
	linked := map[string]bool{}
	for _, p := range repoFiles(t, ".go", ".json", ".md") {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, "_test.go") {
			tests.Write(b)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if externalCitation.MatchString(line) && !strings.Contains(line, "externalCitation") {
				t.Errorf("%s:%d cites notes outside the repository: %s", p, i+1, strings.TrimSpace(line))
			}
			for _, m := range compatLink.FindAllStringSubmatch(line, -1) {
				linked[m[1]] = true
				if !anchors[m[1]] {
					t.Errorf("%s:%d points to %s#%s, which has no such anchor", p, i+1, compatDoc, m[1])
				}
			}
		}
	}
	if len(linked) < 20 {
		t.Errorf("only %d anchors of %s are pointed to from the code", len(linked), compatDoc)
	}

	for _, m := range docPath.FindAllStringSubmatch(string(doc), -1) {
		if !strings.Contains(m[1], "/") {
			continue // a bare file name, e.g. in a table header
		}
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("%s names %s: %v", compatDoc, m[1], err)
		}
	}
	for _, name := range docTest.FindAllString(string(doc), -1) {
		if !strings.Contains(tests.String(), "func "+name+"(") {
			t.Errorf("%s names %s, which no _test.go file defines", compatDoc, name)
		}
	}
}

// TestEndpointNamesMatchCaseInsensitively pins the routing tolerance of
// docs/idp-compatibility.md#endpoint-case: endpoint names in any case.
func TestEndpointNamesMatchCaseInsensitively(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/scim/v2/users", bjensen).expect(t, http.StatusCreated)
	// Each spelling answers what the canonical path answers.
	for p, canonical := range map[string]string{
		"/scim/v2/users?filter=userName+eq+%22bjensen@example.com%22": "/scim/v2/Users?filter=userName+eq+%22bjensen@example.com%22",
		"/scim/v2/USERS/id-1":            "/scim/v2/Users/id-1",
		"/scim/v2/groups":                "/scim/v2/Groups",
		"/scim/v2/serviceproviderconfig": "/scim/v2/ServiceProviderConfig",
		"/scim/v2/resourcetypes":         "/scim/v2/ResourceTypes",
		"/scim/v2/schemas":               "/scim/v2/Schemas",
	} {
		got := h.do("GET", p, "").expect(t, http.StatusOK)
		want := h.do("GET", canonical, "").expect(t, http.StatusOK)
		if !bytes.Equal(got.body, want.body) {
			t.Errorf("GET %s answered\n%s\nbut %s answers\n%s", p, got.body, canonical, want.body)
		}
	}
	res := h.do("GET", "/scim/v2/users?filter=userName+eq+%22BJENSEN@example.com%22", "").expect(t, http.StatusOK)
	if m := res.json(t); m["totalResults"] != 1.0 {
		t.Errorf("lower-case /users lookup: %s", res.body)
	}
}
