package main

import (
	"strings"
	"testing"
)

func pgPlan(t *testing.T, db *DB, query string, args ...any) string {
	rows, err := db.sql.QueryContext(t.Context(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		rows.Scan(&l)
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func TestZZPG(t *testing.T) {
	db := openTestDB(t, postgresSchema(t))
	_, err := db.sql.Exec(`INSERT INTO accounts (tenant_id, id, email, email_folded, given_name, family_name, full_name, job_title, department, manager_id, disabled, created_at, updated_at, version, scim_external_id, scim_extra, scim_active, display_folded)
		SELECT 'contoso', 'id' || i, 'u' || i || '@x.com', 'u' || i || '@x.com', 'G', 'F', 'G F', '', '', '', false, now(), now(), 1, '', '{}', true, 'g f' FROM generate_series(1, 20000) i`)
	if err != nil {
		t.Fatal(err)
	}
	q := db.findQueries("accounts", accountCols, "contoso", scimVisible, nil, Window{After: 3900, Limit: 100})
	t.Log("keyset:\n" + pgPlan(t, db, q.page, q.pageArgs...))
	q = db.findQueries("accounts", accountCols, "contoso", scimVisible, nil, Window{Offset: 3900, Limit: 100})
	t.Log("offset:\n" + pgPlan(t, db, q.page, q.pageArgs...))
	t.Log("count:\n" + pgPlan(t, db, q.count, q.countArgs...))
	args := []any{"contoso", false}
	for i := range 100 {
		args = append(args, "id"+string(rune('0'+i%10)))
	}
	t.Log("teams:\n" + pgPlan(t, db, db.teamsOfAccountsSQL(100), args...))
}
