package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scim/store"
)

// This file is what the app does with what SCIM provisions: the share
// dialog's typeahead over the workspace's active users and its groups,
// and the groups page's rows.
//
// The typeahead is a case-insensitive prefix match on a user's display
// name, a user's email and a group's name. Each is a range on a column
// holding filter.Fold of the value (accounts.display_folded,
// accounts.email_folded, teams.name_folded), key >= prefix AND key <
// the prefix's successor, on an index (tenant_id, key): both SQLite and
// PostgreSQL answer it by walking the index from the prefix, in key
// order, and stop after the limit, so its cost does not grow with the
// tenant's size. PostgreSQL compares text in the database's collation,
// where a range on a prefix is not a prefix match (en_US ignores
// punctuation at first) and LIKE cannot use a plain index: its indexes
// and comparisons are COLLATE "C", byte order, which for UTF-8 is code
// point order, the order SQLite's BINARY collation has.

// maxSuggestions is how many matches the typeahead answers.
const maxSuggestions = 10

// maxShareQuery bounds the typeahead's folded query, in bytes: shorter
// than a cut display_folded key (displayKey), so that the prefix match on
// the key is one on the name.
const maxShareQuery = 200

// errUnavailable is the store package's sentinel for a database that
// cannot answer now.
var errUnavailable = store.ErrUnavailable

// Suggestion is one match of the typeahead.
type Suggestion struct {
	Kind   string `json:"kind"` // "user" or "group"
	ID     string `json:"id"`
	Name   string `json:"name"`
	Detail string `json:"detail"` // the user's email, or "group"
	key    string // the folded name the matches are ordered by
}

// prefixRange returns the folded prefix of q and the smallest string
// greater than every string that starts with it (its last rune
// incremented), and ok false when q has nothing to match. hasUpper is
// false when no such string exists (the prefix is all U+10FFFF).
func prefixRange(q string) (lo, hi string, hasUpper, ok bool) {
	q = strings.TrimSpace(strings.ToValidUTF8(q, ""))
	q = strings.ReplaceAll(q, "\x00", "")
	lo = emailKey(q)
	if lo == "" || len(lo) > maxShareQuery {
		return "", "", false, false
	}
	p := lo
	for p != "" {
		r, n := utf8.DecodeLastRuneInString(p)
		p = p[:len(p)-n]
		switch {
		case r == utf8.MaxRune:
			continue // no successor: carry to the rune before
		case r == 0xD7FF:
			r = 0xE000 // skip the surrogates, which UTF-8 cannot hold
		default:
			r++
		}
		return lo, p + string(r), true, true
	}
	return lo, "", false, true
}

// collateC is the collation clause of the typeahead's comparisons and
// indexes: byte order on PostgreSQL, SQLite's default BINARY otherwise.
func (db *DB) collateC() string {
	if db.dialect == postgresDialect {
		return ` COLLATE "C"`
	}
	return ""
}

// shareQueries returns the typeahead's three queries, each a range on
// one folded column of an index (see shareIndexes): users by display
// name, users by email, groups by name. Their arguments are tenant, lo,
// hi (when hasUpper), then for the user queries false (disabled), then
// the limit.
func (db *DB) shareQueries(hasUpper bool) (byName, byEmail, groups string) {
	c := db.collateC()
	rng := func(col string) string {
		s := col + c + ` >= ?`
		if hasUpper {
			s += ` AND ` + col + c + ` < ?`
		}
		return s
	}
	user := func(col string) string {
		return db.q(`SELECT id, full_name, given_name, family_name, email, display_folded FROM accounts
			WHERE tenant_id = ? AND ` + rng(col) + ` AND disabled = ? ORDER BY ` + col + c + ` LIMIT ?`)
	}
	return user("display_folded"), user("email_folded"),
		db.q(`SELECT id, name, name_folded FROM teams WHERE tenant_id = ? AND ` + rng("name_folded") +
			` ORDER BY name_folded` + c + ` LIMIT ?`)
}

// ShareSuggestions returns up to limit users and groups of the tenant
// whose display name, email or group name starts with q, ignoring case
// (filter.Fold), ordered by folded name. Only active users are offered
// (an account SCIM deactivated or removed is disabled); groups are the
// tenant's teams.
func (db *DB) ShareSuggestions(ctx context.Context, tenantID, q string, limit int) ([]Suggestion, error) {
	lo, hi, hasUpper, ok := prefixRange(q)
	if !ok || limit <= 0 {
		return nil, nil
	}
	byName, byEmail, groups := db.shareQueries(hasUpper)
	args := func(extra ...any) []any {
		a := []any{tenantID, lo}
		if hasUpper {
			a = append(a, hi)
		}
		return append(append(a, extra...), limit)
	}
	seen := map[string]bool{}
	var out []Suggestion
	scanUser := func(sc interface{ Scan(...any) error }) (Suggestion, error) {
		var acc Account
		var key string
		err := sc.Scan(&acc.ID, &acc.FullName, &acc.GivenName, &acc.FamilyName, &acc.Email, &key)
		return Suggestion{Kind: "user", ID: acc.ID, Name: acc.DisplayName(), Detail: acc.Email, key: key}, err
	}
	for _, query := range []string{byName, byEmail} {
		users, err := queryRows(ctx, db.sql, scanUser, query, args(false)...)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if !seen[u.ID] {
				seen[u.ID] = true
				out = append(out, u)
			}
		}
	}
	teams, err := queryRows(ctx, db.sql, func(sc interface{ Scan(...any) error }) (Suggestion, error) {
		s := Suggestion{Kind: "group", Detail: "group"}
		err := sc.Scan(&s.ID, &s.Name, &s.key)
		return s, err
	}, groups, args()...)
	if err != nil {
		return nil, err
	}
	out = append(out, teams...)
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.Kind, b.Kind), strings.Compare(a.ID, b.ID))
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// groupRow is a row of the groups page.
type groupRow struct {
	ID, Name string
	Members  int
}

// teamRows returns up to limit teams of the tenant in creation order with
// their member counts, counted in SQL on the team_members key.
func (db *DB) teamRows(ctx context.Context, tenantID string, limit int) ([]groupRow, error) {
	return queryRows(ctx, db.sql, func(sc interface{ Scan(...any) error }) (g groupRow, err error) {
		return g, sc.Scan(&g.ID, &g.Name, &g.Members)
	}, db.q(`SELECT t.id, t.name, (SELECT COUNT(*) FROM team_members m WHERE m.tenant_id = t.tenant_id AND m.team_id = t.id)
		FROM teams t WHERE t.tenant_id = ? ORDER BY t.seq LIMIT ?`), tenantID, limit)
}

// newAccountID returns a random ID for an account the app adds itself,
// in the form of a UUID (version 4).
func newAccountID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
