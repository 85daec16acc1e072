package sqlstore_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

func fuzzCorpus() []*resource.User {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	yes, no := true, false
	mk := func(id, userName, ext, family, title, work string, active *bool, days int) *resource.User {
		u := &resource.User{ID: id, UserName: userName, ExternalID: ext, Title: title, Active: active,
			Meta: resource.Meta{Created: t0.AddDate(0, 0, days), LastModified: t0.AddDate(0, 0, days+1)}}
		if family != "" {
			u.Name = &resource.Name{FamilyName: family, GivenName: "G" + id}
		}
		if work != "" {
			u.Emails = []resource.MultiValue{{Value: work, Type: "work", Primary: &yes}, {Value: "home-" + work, Type: "home"}}
		}
		if days%2 == 0 {
			u.Enterprise = &resource.EnterpriseUser{Department: "Dept" + title, Manager: &resource.Manager{Value: "u01"}}
		}
		return u
	}
	return []*resource.User{
		mk("u01", "bjensen@example.com", "ext-1", "Jensen", "Tour Guide", "bjensen@example.com", &yes, 0),
		mk("u02", "Alice@Example.com", "ext-shared", "Anderson", "", "alice@example.com", &no, 1),
		mk("u03", "carol", "ext-shared", "", "Engineer", "", nil, 2),
		mk("u04", "dave_%x", "", "Davidson", "", "dave@example.org", &yes, 3),
		mk("u05", "Eve", "EXT-5", "evans", "Auditor", "eve@example.com", &no, 4),
		mk("u06", "o'brien", "ext-6", "O'Brien", "a\\b", "", &yes, 5),
	}
}

// FuzzQueryAgreesWithMemory holds the SQL translation to the library's
// evaluator: for any filter that parses and validates, the SQLite store
// answers store.ErrUnsupported or exactly what the memory store (which
// decides with filter.Match) answers — never another error.
func FuzzQueryAgreesWithMemory(f *testing.F) {
	for _, s := range []string{
		`userName eq "BJENSEN@example.com"`, `userName sw "a"`, `userName co "_%"`, `userName ew "N"`,
		`externalId eq "ext-shared" and not (active eq false)`, `title pr or name.familyName gt "e"`,
		`emails[type eq "work" and value co "example.com"]`, `emails.value ew ".org"`,
		`meta.created ge "2025-03-03T00:00:00Z"`, `meta.lastModified lt "2025-03-04T12:00:00Z"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "depttour guide"`,
		`manager eq "u01"`, `active ne true`, `title eq "a\\b"`, `userName eq "o'brien" or id eq "u03"`,
		`name.givenName le "Gu03"`, `groups.value eq "g1"`, `displayName pr`,
	} {
		f.Add(s)
	}
	ctx := store.WithTenant(context.Background(), "tenant-f")
	sq := newStore(f, sqliteDB(f), sqlstore.SQLite)
	mem := memory.New()
	for _, u := range fuzzCorpus() {
		for _, s := range []store.Store{sq, mem} {
			c := *u
			if _, err := s.CreateUser(ctx, &c); err != nil {
				f.Fatalf("CreateUser: %v", err)
			}
		}
	}
	rt := resource.DefaultRegistry().User
	f.Fuzz(func(t *testing.T, in string) {
		e, err := filter.Parse(in)
		if err != nil || filter.Validate(e, rt) != nil {
			return
		}
		for _, page := range []store.Page{{StartIndex: 1, Count: 100}, {StartIndex: 2, Count: 2}} {
			q := store.Query{ResourceType: rt, Filter: e, Page: page}
			want, err := mem.QueryUsers(ctx, q)
			if err != nil {
				return // the evaluator refuses it too (a type mismatch it reports)
			}
			got, err := sq.QueryUsers(ctx, q)
			if errors.Is(err, store.ErrUnsupported) {
				return
			}
			if err != nil {
				t.Fatalf("%q: SQLite QueryUsers: %v", in, err)
			}
			if got.TotalResults != want.TotalResults || !slices.Equal(ids(got.Resources), ids(want.Resources)) {
				t.Fatalf("%q page %v: SQLite %d %v, memory %d %v", in, page, got.TotalResults, ids(got.Resources), want.TotalResults, ids(want.Resources))
			}
		}
	})
}

func ids(us []*resource.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

// FuzzListNever5xx sends list requests with arbitrary filter, sortBy,
// sortOrder, startIndex and count to a server on the SQLite store: a
// filter the store cannot translate falls back, bad input is a 4xx, and
// nothing the database says becomes a 500.
func FuzzListNever5xx(f *testing.F) {
	for _, s := range [][5]string{
		{`userName eq "bjensen@example.com"`, "", "", "", ""},
		{`emails[type eq "work"].value co "@"`, "name.familyName", "descending", "2", "2"},
		{`meta.lastModified gt "2025-01-01T00:00:00.123456789Z"`, "meta.created", "", "0", "-1"},
		{`title gt 5 or active eq "yes"`, "emails", "ascending", "1", "100000"},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName sw "x"`, "userName", "", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	st := newStore(f, sqliteDB(f), sqlstore.SQLite)
	srv, err := scim.New(scim.Config{Store: st, Authenticate: scim.NoAuthentication})
	if err != nil {
		f.Fatal(err)
	}
	ctx := store.WithTenant(context.Background(), "")
	for _, u := range fuzzCorpus() {
		if _, err := st.CreateUser(ctx, u); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, flt, sortBy, sortOrder, startIndex, count string) {
		q := url.Values{}
		for k, v := range map[string]string{"filter": flt, "sortBy": sortBy, "sortOrder": sortOrder, "startIndex": startIndex, "count": count} {
			if v != "" {
				q.Set(k, v)
			}
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/Users?"+q.Encode(), nil))
		if rec.Code >= 500 {
			t.Fatalf("%v: %d %s", q, rec.Code, rec.Body)
		}
	})
}
