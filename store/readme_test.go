package store_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEInterfaces holds the interfaces the README's "Write a store"
// section quotes to the ones of store.go: every quoted interface exists,
// with the same methods and signatures (store.X in the README is X here).
func TestREADMEInterfaces(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	i := strings.Index(section, "## Write a store")
	if i < 0 {
		t.Fatal(`README.md has no "## Write a store" section`)
	}
	section = section[i+1:]
	if j := strings.Index(section, "\n## "); j >= 0 {
		section = section[:j]
	}
	want := interfaces(t, "store.go", nil)
	got := map[string]string{}
	for _, m := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(section, -1) {
		if !strings.Contains(m[1], " interface {") {
			continue
		}
		for name, sig := range interfaces(t, "README.md", []byte("package store\n"+strings.ReplaceAll(m[1], "store.", ""))) {
			got[name] = sig
		}
	}
	for _, name := range []string{"Users", "Groups", "UserQuerier", "GroupQuerier", "GroupMemberPatcher", "GroupAttributesReplacer", "MemberResolver"} {
		if _, ok := got[name]; !ok {
			t.Errorf("README's Write a store does not show %s", name)
		}
	}
	for name, sig := range got {
		if want[name] != sig {
			t.Errorf("README's %s is\n%s\nstore.go's is\n%s", name, sig, want[name])
		}
	}
}

// interfaces returns the method sets of the interfaces declared in src
// (the file name when src is nil), one "name(params) results" a line.
func interfaces(t *testing.T, name string, src any) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		it, ok := ts.Type.(*ast.InterfaceType)
		if !ok {
			return false
		}
		var b bytes.Buffer
		for _, m := range it.Methods.List {
			for _, id := range m.Names {
				b.WriteString(id.Name)
			}
			if len(m.Names) == 0 {
				b.WriteString("embeds ")
			}
			if err := printer.Fprint(&b, fset, m.Type); err != nil {
				t.Fatal(err)
			}
			b.WriteByte('\n')
		}
		out[ts.Name.Name] = b.String()
		return false
	})
	return out
}
