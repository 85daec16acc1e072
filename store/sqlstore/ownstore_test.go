package sqlstore_test

// The store of docs/using-your-own-tables.md: an app's existing users
// table with a few columns added, teams and a membership table, behind
// store.Store with sqlstore.Translate for QueryUsers. The guide quotes
// this file; TestOwnStore runs storetest.Run against it on PostgreSQL, so
// the guide's code is known to compile and to pass the conformance kit.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

const ownSchema = `
CREATE TABLE users (
	tenant_id   text NOT NULL,
	id          text NOT NULL,
	email       text NOT NULL,
	given_name  text NOT NULL DEFAULT '',
	family_name text NOT NULL DEFAULT '',
	disabled    boolean NOT NULL DEFAULT false,
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id)
);
ALTER TABLE users ADD COLUMN external_id text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN scim_extra text NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN scim_active boolean;
UPDATE users SET scim_active = NOT disabled;
-- filter.Fold(email), computed by the app: the key of userName uniqueness.
ALTER TABLE users ADD COLUMN email_folded text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_email ON users (tenant_id, email_folded);
CREATE INDEX users_external_id ON users (tenant_id, external_id);

CREATE TABLE teams (
	tenant_id   text NOT NULL,
	id          text NOT NULL,
	name        text NOT NULL,
	external_id text NOT NULL DEFAULT '',
	version     bigint NOT NULL DEFAULT 1,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	scim_extra  text NOT NULL DEFAULT '{}',
	name_folded text NOT NULL DEFAULT '', -- filter.Fold(name)
	name_key    text,                     -- name_folded, or NULL while duplicates are allowed
	PRIMARY KEY (tenant_id, id)
);
CREATE INDEX teams_name ON teams (tenant_id, name_folded);
CREATE UNIQUE INDEX teams_name_key ON teams (tenant_id, name_key);

CREATE TABLE team_members (
	tenant_id   text NOT NULL,
	team_id     text NOT NULL,
	member_id   text NOT NULL,
	member_type text NOT NULL DEFAULT 'User',
	display     text NOT NULL DEFAULT '',
	PRIMARY KEY (tenant_id, team_id, member_id),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams ON DELETE CASCADE
);
CREATE INDEX team_members_member ON team_members (tenant_id, member_id);
`

// guide:begin store
// Store keeps SCIM users in the app's users table and groups in teams.
type Store struct {
	db *sql.DB
}

var (
	_ store.Store              = (*Store)(nil)
	_ store.UserQuerier        = (*Store)(nil)
	_ store.GroupMemberPatcher = (*Store)(nil)
)

// plainUser has no MarshalJSON method: encoding/json writes the Go struct
// as it is, which is what scim_extra keeps (a storage format, not SCIM).
type (
	plainUser  resource.User
	plainGroup resource.Group
)

// userColumns is the Mapping for sqlstore.Translate: the attributes with a
// column of their own. Everything else lives in scim_extra, and a filter
// on it falls back to the library's evaluator.
var userColumns = map[string]string{
	"id":                "u.id",
	"userName":          "u.email",
	"externalId":        "u.external_id",
	"name.givenName":    "u.given_name",
	"name.familyName":   "u.family_name",
	"active":            "u.scim_active", // NULL when unassigned
	"meta.created":      "u.created_at",
	"meta.lastModified": "u.updated_at",
}

// userFolded maps the attributes with a column holding filter.Fold of the
// value: "userName eq" compares email_folded, served by its unique index.
var userFolded = map[string]string{"userName": "u.email_folded"}

// guide:end

// guide:begin errors
// dbErr turns the database's errors into the store package's sentinels.
func dbErr(err error) error {
	var st interface{ SQLState() string } // *pgconn.PgError
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case errors.As(err, &st) && st.SQLState() == "23505": // unique_violation
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return err
}

// guide:end

// guide:begin mapping
// row is one users row.
type row struct {
	id, email, givenName, familyName, externalID, extra string
	active                                              sql.NullBool
	version                                             int64
	user                                                resource.User // Created, LastModified
}

const userCols = `u.id, u.email, u.given_name, u.family_name, u.scim_active, u.external_id,
	u.version, u.created_at, u.updated_at, u.scim_extra`

func scanUser(rs interface{ Scan(...any) error }) (*resource.User, error) {
	var r row
	var created, modified sql.NullTime
	if err := rs.Scan(&r.id, &r.email, &r.givenName, &r.familyName, &r.active, &r.externalID,
		&r.version, &created, &modified, &r.extra); err != nil {
		return nil, err
	}
	u := &resource.User{}
	if err := json.Unmarshal([]byte(r.extra), (*plainUser)(u)); err != nil {
		return nil, fmt.Errorf("users.scim_extra of %s: %w", r.id, err)
	}
	u.ID, u.UserName, u.ExternalID = r.id, r.email, r.externalID
	if r.active.Valid {
		u.Active = &r.active.Bool
	}
	if r.givenName != "" || r.familyName != "" {
		if u.Name == nil {
			u.Name = &resource.Name{}
		}
		u.Name.GivenName, u.Name.FamilyName = r.givenName, r.familyName
	}
	u.Meta = resource.Meta{Created: created.Time, LastModified: modified.Time, Version: strconv.FormatInt(r.version, 10)}
	return u, nil
}

// extra is the JSON of u without the attributes that have columns, and
// without what the store must not keep (password, groups, meta).
func extra(u *resource.User) (string, error) {
	rest := *u
	rest.ID, rest.UserName, rest.ExternalID, rest.Active = "", "", "", nil
	rest.Password, rest.Groups, rest.Meta = "", nil, resource.Meta{}
	if u.Name != nil {
		n := *u.Name
		n.GivenName, n.FamilyName = "", ""
		rest.Name = &n
	}
	b, err := json.Marshal((*plainUser)(&rest))
	return string(b), err
}

// disabled is the app's sign-in flag for u: only active=true grants
// access, so an unassigned active (an IdP removed it) does not.
func disabled(u *resource.User) bool { return u.Active == nil || !*u.Active }

func nameParts(u *resource.User) (given, family string) {
	if u.Name == nil {
		return "", ""
	}
	return u.Name.GivenName, u.Name.FamilyName
}

// guide:end

// guide:begin users
// GetUser implements store.Users.
func (s *Store) GetUser(ctx context.Context, id string) (*resource.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx,
		`SELECT `+userCols+` FROM users u WHERE u.tenant_id = $1 AND u.id = $2`, store.TenantFrom(ctx), id))
	if err != nil {
		return nil, dbErr(err)
	}
	return u, s.withGroups(ctx, []*resource.User{u})
}

// CreateUser implements store.Users. The primary key and the unique index
// on (tenant_id, email_folded) turn a duplicate id or userName into
// ErrConflict, also when two requests race. email_folded is filter.Fold,
// the rule by which the library compares userName, so "409 uniqueness"
// and "userName eq finds it" agree (SQL lower() folds differently).
func (s *Store) CreateUser(ctx context.Context, u *resource.User) (*resource.User, error) {
	x, err := extra(u)
	if err != nil {
		return nil, err
	}
	given, family := nameParts(u)
	_, err = s.db.ExecContext(ctx, `INSERT INTO users (tenant_id, id, email, given_name, family_name, disabled,
		external_id, created_at, updated_at, scim_extra, email_folded, scim_active)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		store.TenantFrom(ctx), u.ID, u.UserName, given, family, disabled(u), u.ExternalID,
		u.Meta.Created, u.Meta.LastModified, x, filter.Fold(u.UserName), u.Active)
	if err != nil {
		return nil, dbErr(err)
	}
	return s.GetUser(ctx, u.ID)
}

// ReplaceUser implements store.Users: the UPDATE is conditioned on the
// version the caller read, so a concurrent write makes it match no row.
func (s *Store) ReplaceUser(ctx context.Context, u *resource.User, version string) (*resource.User, error) {
	x, err := extra(u)
	if err != nil {
		return nil, err
	}
	given, family := nameParts(u)
	res, err := s.db.ExecContext(ctx, `UPDATE users SET email = $3, given_name = $4, family_name = $5,
		disabled = $6, external_id = $7, updated_at = $8, scim_extra = $9, version = version + 1,
		email_folded = $11, scim_active = $12
		WHERE tenant_id = $1 AND id = $2 AND ($10 = '' OR version::text = $10)`,
		store.TenantFrom(ctx), u.ID, u.UserName, given, family, disabled(u), u.ExternalID,
		u.Meta.LastModified, x, version, filter.Fold(u.UserName), u.Active)
	if err != nil {
		return nil, dbErr(err)
	}
	if err := s.affected(ctx, res, "users", u.ID); err != nil {
		return nil, err
	}
	return s.GetUser(ctx, u.ID)
}

// DeleteUser implements store.Users; the user leaves every team.
func (s *Store) DeleteUser(ctx context.Context, id, version string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tenant := store.TenantFrom(ctx)
	res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE tenant_id = $1 AND id = $2
		AND ($3 = '' OR version::text = $3)`, tenant, id, version)
	if err != nil {
		return err
	}
	if err := s.affected(ctx, res, "users", id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE tenant_id = $1 AND member_id = $2`, tenant, id); err != nil {
		return err
	}
	return tx.Commit()
}

// affected tells a stale version (ErrPreconditionFailed) from a missing
// row (ErrNotFound) when a conditional write changed nothing.
func (s *Store) affected(ctx context.Context, res sql.Result, table, id string) error {
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE tenant_id = $1 AND id = $2`,
		store.TenantFrom(ctx), id).Scan(&one)
	if err != nil {
		return dbErr(err)
	}
	return store.ErrPreconditionFailed
}

// guide:end

// guide:begin list
// ListUsers implements store.Users: creation order, then id, is stable.
func (s *Store) ListUsers(ctx context.Context, p store.Page) (store.UserList, error) {
	return s.queryUsers(ctx, "", nil, p)
}

// QueryUsers implements store.UserQuerier: the filter becomes SQL with
// sqlstore.Translate; what it cannot translate (an attribute without a
// column, a value filter) is store.ErrUnsupported, and so is sortBy here.
// The handler then lists and filters in Go, with exact totals.
func (s *Store) QueryUsers(ctx context.Context, q store.Query) (store.UserList, error) {
	if !q.SortBy.IsZero() {
		return store.UserList{}, store.ErrUnsupported
	}
	if q.Filter == nil {
		return s.queryUsers(ctx, "", nil, q.Page)
	}
	where, args, err := sqlstore.Translate(q.Filter, sqlstore.Mapping{
		Dialect:      sqlstore.Postgres,
		ResourceType: q.ResourceType,
		Columns:      userColumns,
		Folded:       userFolded,
		FirstArg:     2, // $1 is the tenant
	})
	if err != nil {
		return store.UserList{}, err // wraps store.ErrUnsupported
	}
	return s.queryUsers(ctx, " AND "+where, args, q.Page)
}

func (s *Store) queryUsers(ctx context.Context, where string, args []any, p store.Page) (store.UserList, error) {
	args = append([]any{store.TenantFrom(ctx)}, args...)
	out := store.UserList{Resources: []*resource.User{}}
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u WHERE u.tenant_id = $1`+where, args...).
		Scan(&out.TotalResults)
	if err != nil || p.Count <= 0 {
		return out, err
	}
	n := len(args)
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.tenant_id = $1`+where+
		` ORDER BY u.created_at, u.id LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		append(args, p.Count, max(p.StartIndex, 1)-1)...)
	if err != nil {
		return store.UserList{}, err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return store.UserList{}, err
		}
		out.Resources = append(out.Resources, u)
	}
	if err := rows.Err(); err != nil {
		return store.UserList{}, err
	}
	return out, s.withGroups(ctx, out.Resources)
}

// withGroups derives User.groups from the membership table, for a whole
// page in one query.
func (s *Store) withGroups(ctx context.Context, users []*resource.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[string]*resource.User, len(users))
	ids := make([]string, 0, len(users))
	for _, u := range users {
		byID[u.ID] = u
		ids = append(ids, u.ID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT m.member_id, t.id, t.name FROM team_members m
		JOIN teams t ON t.tenant_id = m.tenant_id AND t.id = m.team_id
		WHERE m.tenant_id = $1 AND m.member_id = ANY($2) ORDER BY t.id`, store.TenantFrom(ctx), ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var member string
		var g resource.GroupRef
		if err := rows.Scan(&member, &g.Value, &g.Display); err != nil {
			return err
		}
		g.Type = "direct"
		byID[member].Groups = append(byID[member].Groups, g)
	}
	return rows.Err()
}

// guide:end

// guide:begin groups
const groupCols = `g.id, g.name, g.external_id, g.version, g.created_at, g.updated_at, g.scim_extra`

func scanGroup(rs interface{ Scan(...any) error }) (*resource.Group, error) {
	var id, name, externalID, x string
	var version int64
	var m resource.Meta
	if err := rs.Scan(&id, &name, &externalID, &version, &m.Created, &m.LastModified, &x); err != nil {
		return nil, err
	}
	g := &resource.Group{}
	if err := json.Unmarshal([]byte(x), (*plainGroup)(g)); err != nil {
		return nil, fmt.Errorf("teams.scim_extra of %s: %w", id, err)
	}
	g.ID, g.DisplayName, g.ExternalID, g.Meta = id, name, externalID, m
	g.Meta.Version = strconv.FormatInt(version, 10)
	return g, nil
}

// groupExtra is the JSON of g without the attributes that have columns
// or rows of their own.
func groupExtra(g *resource.Group) (string, error) {
	rest := *g
	rest.ID, rest.DisplayName, rest.ExternalID, rest.Members, rest.Meta = "", "", "", nil, resource.Meta{}
	b, err := json.Marshal((*plainGroup)(&rest))
	return string(b), err
}

// GetGroup implements store.Groups; store.WithoutMembers skips team_members.
func (s *Store) GetGroup(ctx context.Context, id string, m store.Members) (*resource.Group, error) {
	g, err := scanGroup(s.db.QueryRowContext(ctx,
		`SELECT `+groupCols+` FROM teams g WHERE g.tenant_id = $1 AND g.id = $2`, store.TenantFrom(ctx), id))
	if err != nil {
		return nil, dbErr(err)
	}
	if m == store.WithoutMembers {
		return g, nil
	}
	return g, s.withMembers(ctx, []*resource.Group{g})
}

// nameTaken reports whether a team other than id has the folded name and
// the write needs it to itself: duplicates are not allowed and the team
// does not have the name already (id is "" for a create). The unique
// index on name_key settles two writes that both pass this check.
func nameTaken(ctx context.Context, tx *sql.Tx, id, folded string) (bool, error) {
	if store.DuplicateGroupNamesAllowed(ctx) {
		return false, nil
	}
	var taken bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM teams WHERE tenant_id = $1 AND name_folded = $2 AND id <> $3)
		AND NOT EXISTS (SELECT 1 FROM teams WHERE tenant_id = $1 AND id = $3 AND name_folded = $2)`,
		store.TenantFrom(ctx), folded, id).Scan(&taken)
	return taken, err
}

// nameKey is the name_key of a team written with ctx.
func nameKey(ctx context.Context, folded string) any {
	if store.DuplicateGroupNamesAllowed(ctx) {
		return nil
	}
	return folded
}

// CreateGroup implements store.Groups: displayName is unique per tenant
// (filter.Fold), unless the handler allows duplicates.
func (s *Store) CreateGroup(ctx context.Context, g *resource.Group) (*resource.Group, error) {
	x, err := groupExtra(g)
	if err != nil {
		return nil, err
	}
	folded := filter.Fold(g.DisplayName)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if taken, err := nameTaken(ctx, tx, "", folded); err != nil || taken {
			if err == nil {
				err = store.ErrConflict
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO teams (tenant_id, id, name, external_id, created_at,
			updated_at, scim_extra, name_folded, name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			store.TenantFrom(ctx), g.ID, g.DisplayName, g.ExternalID, g.Meta.Created, g.Meta.LastModified, x,
			folded, nameKey(ctx, folded))
		if err != nil {
			return dbErr(err)
		}
		return addMembers(ctx, tx, g.ID, g.Members)
	})
	if err != nil {
		return nil, err
	}
	return s.GetGroup(ctx, g.ID, store.WithMembers)
}

// ReplaceGroup implements store.Groups, members included. A team keeps
// its name_key while its folded name stays the same.
func (s *Store) ReplaceGroup(ctx context.Context, g *resource.Group, version string) (*resource.Group, error) {
	x, err := groupExtra(g)
	if err != nil {
		return nil, err
	}
	folded := filter.Fold(g.DisplayName)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if taken, err := nameTaken(ctx, tx, g.ID, folded); err != nil || taken {
			if err == nil {
				err = store.ErrConflict
			}
			return err
		}
		tenant := store.TenantFrom(ctx)
		res, err := tx.ExecContext(ctx, `UPDATE teams SET name = $3, external_id = $4, updated_at = $5,
			scim_extra = $6, version = version + 1, name_folded = $8,
			name_key = CASE WHEN name_folded = $8 THEN name_key ELSE $9 END
			WHERE tenant_id = $1 AND id = $2 AND ($7 = '' OR version::text = $7)`,
			tenant, g.ID, g.DisplayName, g.ExternalID, g.Meta.LastModified, x, version, folded, nameKey(ctx, folded))
		if err != nil {
			return dbErr(err)
		}
		if err := s.affected(ctx, res, "teams", g.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE tenant_id = $1 AND team_id = $2`, tenant, g.ID); err != nil {
			return err
		}
		return addMembers(ctx, tx, g.ID, g.Members)
	})
	if err != nil {
		return nil, err
	}
	return s.GetGroup(ctx, g.ID, store.WithMembers)
}

// DeleteGroup implements store.Groups; ON DELETE CASCADE drops the
// memberships, and the group leaves the groups it was a member of.
func (s *Store) DeleteGroup(ctx context.Context, id, version string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		tenant := store.TenantFrom(ctx)
		res, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE tenant_id = $1 AND id = $2
			AND ($3 = '' OR version::text = $3)`, tenant, id, version)
		if err != nil {
			return err
		}
		if err := s.affected(ctx, res, "teams", id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM team_members WHERE tenant_id = $1 AND member_id = $2`, tenant, id)
		return err
	})
}

// ListGroups implements store.Groups.
func (s *Store) ListGroups(ctx context.Context, p store.Page, m store.Members) (store.GroupList, error) {
	out := store.GroupList{Resources: []*resource.Group{}}
	tenant := store.TenantFrom(ctx)
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams WHERE tenant_id = $1`, tenant).
		Scan(&out.TotalResults); err != nil || p.Count <= 0 {
		return out, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+groupCols+` FROM teams g WHERE g.tenant_id = $1
		ORDER BY g.created_at, g.id LIMIT $2 OFFSET $3`, tenant, p.Count, max(p.StartIndex, 1)-1)
	if err != nil {
		return store.GroupList{}, err
	}
	defer rows.Close()
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return store.GroupList{}, err
		}
		out.Resources = append(out.Resources, g)
	}
	if err := rows.Err(); err != nil || m == store.WithoutMembers {
		return out, err
	}
	return out, s.withMembers(ctx, out.Resources)
}

func (s *Store) withMembers(ctx context.Context, groups []*resource.Group) error {
	if len(groups) == 0 {
		return nil
	}
	byID := make(map[string]*resource.Group, len(groups))
	ids := make([]string, 0, len(groups))
	for _, g := range groups {
		byID[g.ID] = g
		ids = append(ids, g.ID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT team_id, member_id, member_type, display FROM team_members
		WHERE tenant_id = $1 AND team_id = ANY($2) ORDER BY member_id`, store.TenantFrom(ctx), ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var team string
		var m resource.Member
		if err := rows.Scan(&team, &m.Value, &m.Type, &m.Display); err != nil {
			return err
		}
		byID[team].Members = append(byID[team].Members, m)
	}
	return rows.Err()
}

func addMembers(ctx context.Context, tx *sql.Tx, groupID string, members []resource.Member) error {
	for _, m := range members {
		typ := m.Type
		if typ == "" {
			typ = "User"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO team_members (tenant_id, team_id, member_id, member_type, display)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, store.TenantFrom(ctx), groupID, m.Value, typ, m.Display); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// guide:end

// guide:begin patch
// PatchMembers implements store.GroupMemberPatcher: Entra and Okta add and
// remove members one PATCH at a time, and this touches only the rows
// concerned, however large the team. The version bump on teams is the
// optimistic lock, and it serialises concurrent patches of one team.
func (s *Store) PatchMembers(ctx context.Context, groupID string, add []resource.Member, remove []string, version string) (string, error) {
	var newVersion int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		tenant := store.TenantFrom(ctx)
		err := tx.QueryRowContext(ctx, `UPDATE teams SET version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 AND ($3 = '' OR version::text = $3) RETURNING version`,
			tenant, groupID, version).Scan(&newVersion)
		if errors.Is(err, sql.ErrNoRows) {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM teams WHERE tenant_id = $1 AND id = $2`,
				tenant, groupID).Scan(&one); err != nil {
				return dbErr(err)
			}
			return store.ErrPreconditionFailed
		}
		if err != nil {
			return err
		}
		if len(remove) > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE tenant_id = $1 AND team_id = $2
				AND member_id = ANY($3)`, tenant, groupID, remove); err != nil {
				return err
			}
		}
		return addMembers(ctx, tx, groupID, add)
	})
	return strconv.FormatInt(newVersion, 10), err
}

// guide:end

func TestOwnStore(t *testing.T) {
	postgresDSN(t) // skips without PostgreSQL, fails under CI=true
	storetest.Run(t, func(t *testing.T) store.Store {
		db := openPostgres(t, postgresSchema(t))
		if _, err := db.Exec(ownSchema); err != nil {
			t.Fatalf("schema: %v", err)
		}
		return &Store{db: db}
	})
}
