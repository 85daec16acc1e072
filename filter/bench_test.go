package filter

import (
	"strconv"
	"testing"

	"github.com/scimkit/scim/resource"

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

// benchUsers returns n users, one in three of them an Employee with a
// work email at example.com.
func benchUsers(n int) []*resource.User {
	users := make([]*resource.User, n)
	yes, no := true, false
	for i := range users {
		u := &resource.User{ID: strconv.Itoa(i), UserName: "user" + strconv.Itoa(i) + "@example.org", Active: &no}
		if i%3 == 0 {
			u.UserType, u.Active = "Employee", &yes
			u.Emails = []resource.MultiValue{{Value: "u" + strconv.Itoa(i) + "@example.com", Type: "work", Primary: &yes}}
		}
		users[i] = u
	}
	return users
}

// BenchmarkMatch10kUsers evaluates one filter against 10,000 users, as the
// handler's fallback and the memory store do: ns/op is per 10,000.
func BenchmarkMatch10kUsers(b *testing.B) {
	rt := resource.DefaultRegistry().User
	users := benchUsers(10000)
	e, err := Parse(`userType eq "Employee" and active eq true and emails[type eq "work" and value co "@example.com"]`)
	if err != nil {
		b.Fatal(err)
	}
	if err := Validate(e, rt); err != nil {
		b.Fatal(err)
	}
	b.Run("Match", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, u := range users {
				if ok, _ := Match(e, rt, u); ok {
					n++
				}
			}
			if n != 3334 {
				b.Fatalf("%d matches", n)
			}
		}
	})
	b.Run("Compiled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m, err := Compile(e, rt)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, u := range users {
				if m.Match(u) {
					n++
				}
			}
			if n != 3334 {
				b.Fatalf("%d matches", n)
			}
		}
	})
}
