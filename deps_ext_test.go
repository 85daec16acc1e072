package scim_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/scimkit/scim"

// notCore are the module's folders whose code may import more than the
// standard library: the example app (database drivers), the benchmark
// module, and the test helpers that only tests import.
var notCore = map[string]string{
	"examples":        "the example app imports database drivers",
	"bench":           "its own module, importing the libraries it compares",
	"internal/assert": "go-cmp helpers imported by tests only",
	"internal/pgtest": "PostgreSQL test schemas (pgx), imported by tests only",
}

// TestCoreImportsOnlyTheStandardLibrary holds the promise of the README:
// the non-test code of every core package imports only the standard library
// and other core packages of this module.
func TestCoreImportsOnlyTheStandardLibrary(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		p = filepath.ToSlash(p)
		if d.IsDir() {
			if _, skip := notCore[p]; skip || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && p != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if why := importProblem(ip); why != "" {
				t.Errorf("%s imports %q: %s", p, ip, why)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: is the test running from the module root?", checked)
	}
}

// importProblem says what is wrong with a core file importing ip, or "".
func importProblem(ip string) string {
	if ip == modulePath {
		return ""
	}
	if rel, ok := strings.CutPrefix(ip, modulePath+"/"); ok {
		for dir := range notCore {
			if rel == dir || strings.HasPrefix(rel, dir+"/") {
				return "core code must not import " + dir + " (" + notCore[dir] + ")"
			}
		}
		return ""
	}
	if first, _, _ := strings.Cut(ip, "/"); strings.Contains(first, ".") || path.IsAbs(ip) {
		return "core packages import only the standard library"
	}
	return ""
}
