package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// sqlFloor is the floor's database/sql backend, on SQLite or PostgreSQL:
// each user is one row with its document as JSON text, an index on
// (tenant, lower(userName)) and a dense position per tenant for paging.
// Every request is the minimum of statements, each prepared once:
//
//   - lookup, GET by id: one indexed SELECT;
//   - POST /Users: one transaction, UPDATE of the tenant's user count
//     (RETURNING the new position) and one INSERT;
//   - PATCH: SELECT of the document, the change applied in Go, an UPDATE
//     conditioned on the version read (retried if another write won);
//   - list page: the tenant's count (one primary-key read) and one range
//     read on the position index (WHERE pos >= startIndex LIMIT count), the
//     same cost at any offset. Positions are dense because the floor never
//     deletes: the minimum an append-only directory allows;
//   - membership PATCH: one INSERT or DELETE per member and one UPDATE of
//     the group's version, in one transaction.
type sqlFloor struct {
	db       *sql.DB
	postgres bool

	lookupStmt, getStmt, countStmt, pageStmt      *sql.Stmt
	bumpStmt, bumpNStmt, insertStmt, readStmt     *sql.Stmt
	writeStmt                                     *sql.Stmt
	groupStmt, addStmt, removeStmt, groupBumpStmt *sql.Stmt
}

// sqlFloorSchema is the floor's schema; %s is the type of an integer
// column.
const sqlFloorSchema = `
CREATE TABLE floor_tenants (tenant TEXT PRIMARY KEY, users BIGINT NOT NULL);
CREATE TABLE floor_users (
	tenant TEXT NOT NULL,
	id TEXT NOT NULL,
	pos BIGINT NOT NULL,
	user_name_lower TEXT NOT NULL,
	version BIGINT NOT NULL,
	data TEXT NOT NULL,
	PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX floor_users_name ON floor_users (tenant, user_name_lower);
CREATE UNIQUE INDEX floor_users_pos ON floor_users (tenant, pos);
CREATE TABLE floor_groups (tenant TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant, id));
CREATE TABLE floor_members (tenant TEXT NOT NULL, group_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (tenant, group_id, user_id))`

// NewSQLFloor creates the floor's tables in db (SQLite unless postgres)
// and returns the floor over them and a function that loads users into
// it, 1,000 per transaction.
func NewSQLFloor(ctx context.Context, db *sql.DB, postgres bool) (h http.Handler, load func([]User) error, err error) {
	f := &sqlFloor{db: db, postgres: postgres}
	for _, stmt := range strings.Split(sqlFloorSchema, ";") {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, nil, fmt.Errorf("floor schema: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, f.q(`INSERT INTO floor_tenants (tenant, users) VALUES ($1, 0)`), Tenant); err != nil {
		return nil, nil, err
	}
	for _, p := range []struct {
		s **sql.Stmt
		q string
	}{
		{&f.lookupStmt, `SELECT data FROM floor_users WHERE tenant = $1 AND user_name_lower = $2`},
		{&f.getStmt, `SELECT data FROM floor_users WHERE tenant = $1 AND id = $2`},
		{&f.countStmt, `SELECT users FROM floor_tenants WHERE tenant = $1`},
		{&f.pageStmt, `SELECT data FROM floor_users WHERE tenant = $1 AND pos >= $2 ORDER BY pos LIMIT $3`},
		{&f.bumpStmt, `UPDATE floor_tenants SET users = users + 1 WHERE tenant = $1 RETURNING users`},
		{&f.bumpNStmt, `UPDATE floor_tenants SET users = users + $2 WHERE tenant = $1 RETURNING users`},
		{&f.insertStmt, `INSERT INTO floor_users (tenant, id, pos, user_name_lower, version, data) VALUES ($1, $2, $3, $4, 1, $5)`},
		{&f.readStmt, `SELECT version, data FROM floor_users WHERE tenant = $1 AND id = $2`},
		{&f.writeStmt, `UPDATE floor_users SET version = version + 1, data = $1 WHERE tenant = $2 AND id = $3 AND version = $4`},
		{&f.groupStmt, `INSERT INTO floor_groups (tenant, id, version, data) VALUES ($1, $2, 1, $3)`},
		{&f.addStmt, `INSERT INTO floor_members (tenant, group_id, user_id) SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS TEXT) WHERE EXISTS (SELECT 1 FROM floor_users WHERE tenant = $1 AND id = $3) ON CONFLICT DO NOTHING`},
		{&f.removeStmt, `DELETE FROM floor_members WHERE tenant = $1 AND group_id = $2 AND user_id = $3`},
		{&f.groupBumpStmt, `UPDATE floor_groups SET version = version + 1 WHERE tenant = $1 AND id = $2 RETURNING version`},
	} {
		if *p.s, err = db.PrepareContext(ctx, f.q(p.q)); err != nil {
			return nil, nil, fmt.Errorf("floor: preparing %s: %w", p.q, err)
		}
	}
	return &floor{b: f}, f.load, nil
}

// q rewrites $n placeholders to SQLite's ?n.
func (f *sqlFloor) q(s string) string {
	if f.postgres {
		return s
	}
	return strings.ReplaceAll(s, "$", "?")
}

func decodeBare(data string) (*bareUser, error) {
	var u bareUser
	if err := json.Unmarshal([]byte(data), &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// load inserts us 1,000 per transaction, with one update of the tenant's
// count per transaction (on PostgreSQL, updating one row a thousand times
// in one transaction walks an ever longer chain of its versions).
func (f *sqlFloor) load(us []User) error {
	ctx := context.Background()
	for i := 0; i < len(us); i += 1000 {
		chunk := us[i:min(i+1000, len(us))]
		tx, err := f.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var last int64
		if err := tx.StmtContext(ctx, f.bumpNStmt).QueryRowContext(ctx, Tenant, len(chunk)).Scan(&last); err != nil {
			tx.Rollback()
			return err
		}
		insert := tx.StmtContext(ctx, f.insertStmt)
		for j := range chunk {
			if err := f.insertRow(ctx, insert, toBare(&chunk[j], "1"), last-int64(len(chunk)-1-j)); err != nil {
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// insertTx inserts u at the next position of the tenant.
func (f *sqlFloor) insertTx(ctx context.Context, tx *sql.Tx, u *bareUser) error {
	var pos int64
	if err := tx.StmtContext(ctx, f.bumpStmt).QueryRowContext(ctx, Tenant).Scan(&pos); err != nil {
		return err
	}
	return f.insertRow(ctx, tx.StmtContext(ctx, f.insertStmt), u, pos)
}

func (f *sqlFloor) insertRow(ctx context.Context, insert *sql.Stmt, u *bareUser, pos int64) error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	if _, err := insert.ExecContext(ctx, Tenant, u.ID, pos, strings.ToLower(u.UserName), data); err != nil {
		if isUnique(err) {
			return errFloorConflict
		}
		return err
	}
	return nil
}

// isUnique reports whether err is a unique violation (PostgreSQL 23505,
// SQLite's UNIQUE constraint failed).
func isUnique(err error) bool {
	s := err.Error()
	return strings.Contains(s, "23505") || strings.Contains(s, "UNIQUE constraint")
}

func (f *sqlFloor) lookup(ctx context.Context, name string) (*bareUser, error) {
	var data string
	switch err := f.lookupStmt.QueryRowContext(ctx, Tenant, name).Scan(&data); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return decodeBare(data)
}

func (f *sqlFloor) get(ctx context.Context, id string) (*bareUser, error) {
	var data string
	switch err := f.getStmt.QueryRowContext(ctx, Tenant, id).Scan(&data); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, errFloorNotFound
	case err != nil:
		return nil, err
	}
	return decodeBare(data)
}

func (f *sqlFloor) insert(ctx context.Context, u *bareUser) error {
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f.insertTx(ctx, tx, u); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (f *sqlFloor) update(ctx context.Context, id string, apply func(*bareUser) error) (*bareUser, error) {
	for range 20 {
		var version int64
		var data string
		switch err := f.readStmt.QueryRowContext(ctx, Tenant, id).Scan(&version, &data); {
		case errors.Is(err, sql.ErrNoRows):
			return nil, errFloorNotFound
		case err != nil:
			return nil, err
		}
		u, err := decodeBare(data)
		if err != nil {
			return nil, err
		}
		if err := apply(u); err != nil {
			return nil, err
		}
		out, err := json.Marshal(u)
		if err != nil {
			return nil, err
		}
		res, err := f.writeStmt.ExecContext(ctx, out, Tenant, id, version)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return u, nil
		}
	}
	return nil, errors.New("floor: too many concurrent writes")
}

func (f *sqlFloor) page(ctx context.Context, start, count int) ([]*bareUser, int, error) {
	var total int
	if err := f.countStmt.QueryRowContext(ctx, Tenant).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := f.pageStmt.QueryContext(ctx, Tenant, start, count)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*bareUser
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, 0, err
		}
		u, err := decodeBare(data)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

func (f *sqlFloor) createGroup(ctx context.Context, g *bareGroup) error {
	data, err := json.Marshal(g)
	if err != nil {
		return err
	}
	_, err = f.groupStmt.ExecContext(ctx, Tenant, g.ID, data)
	return err
}

func (f *sqlFloor) patchMembers(ctx context.Context, id string, add, remove []string) (string, error) {
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var version int64
	switch err := tx.StmtContext(ctx, f.groupBumpStmt).QueryRowContext(ctx, Tenant, id).Scan(&version); {
	case errors.Is(err, sql.ErrNoRows):
		return "", errFloorNotFound
	case err != nil:
		return "", err
	}
	addStmt, removeStmt := tx.StmtContext(ctx, f.addStmt), tx.StmtContext(ctx, f.removeStmt)
	for _, a := range add {
		if _, err := addStmt.ExecContext(ctx, Tenant, id, a); err != nil {
			return "", err
		}
	}
	for _, r := range remove {
		if _, err := removeStmt.ExecContext(ctx, Tenant, id, r); err != nil {
			return "", err
		}
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	return fmt.Sprintf(`W/"%d"`, version), nil
}
