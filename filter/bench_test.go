package filter

import (
	"testing"

	fp "github.com/scim2/filter-parser/v2"
)

const (
	benchSimple  = `userName eq "bjensen@example.com"`
	benchComplex = `userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`
	benchPath    = `members[value eq "2819c223-7f76-453a-919d-413861904646"]`
)

func BenchmarkParseSimple(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchSimple); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilterParserSimple(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fp.ParseFilter([]byte(benchSimple)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseComplex(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchComplex); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilterParserComplex(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fp.ParseFilter([]byte(benchComplex)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePath(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePath(benchPath); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilterParserPath(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fp.ParsePath([]byte(benchPath)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatchSimple(b *testing.B) {
	rt := testRegistry(b).User
	u := testUsers()[0]
	e, err := Parse(`userName eq "bjensen@example.com"`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := Match(e, rt, u); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkMatchComplex(b *testing.B) {
	rt := testRegistry(b).User
	u := testUsers()[0]
	e, err := Parse(benchComplex)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := Match(e, rt, u); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
