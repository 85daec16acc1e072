package main

import (
	"net/http"
	"net/url"
	"testing"
)

// TestEntraMembershipCheck replays Entra's membership check against the
// app, whose store cannot filter on members in SQL (QueryGroups answers
// ErrUnsupported and the library falls back): `id eq "G" and
// members.value eq "U"` with excludedAttributes=members, or attributes=id,
// finds the group when U is a member, and nothing when U is not.
func TestEntraMembershipCheck(t *testing.T) {
	_, ts := testServer(t)
	entra := newIdP(t, ts)
	r := entra.do("POST", "/Users", `{"userName":"ada@example.com"}`)
	entra.want(r, http.StatusCreated, "POST /Users")
	uid, _ := r.object(t)["id"].(string)
	r = entra.do("POST", "/Users", `{"userName":"bob@example.com"}`)
	entra.want(r, http.StatusCreated, "POST /Users")
	other, _ := r.object(t)["id"].(string)
	r = entra.do("POST", "/Groups", `{"displayName":"Engineering","members":[{"value":"`+uid+`"}]}`)
	entra.want(r, http.StatusCreated, "POST /Groups")
	gid, _ := r.object(t)["id"].(string)
	for _, proj := range []string{"excludedAttributes=members", "attributes=id", "attributes=displayName", ""} {
		for _, c := range []struct {
			member string
			want   float64
		}{{uid, 1}, {other, 0}} {
			q := "/Groups?filter=" + url.QueryEscape(`id eq "`+gid+`" and members.value eq "`+c.member+`"`)
			if proj != "" {
				q += "&" + proj
			}
			r := entra.do("GET", q, "")
			entra.want(r, http.StatusOK, q)
			if got := r.object(t)["totalResults"]; got != c.want {
				t.Errorf("%s: totalResults %v, want %v\n%s", q, got, c.want, r.body)
			}
		}
	}
}
