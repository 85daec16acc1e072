package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Team is a named set of accounts of one tenant; the app grants access per
// team.
type Team struct {
	ID        string
	TenantID  string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64

	// Members are the member accounts and sub-teams, in the order they
	// were added. They live in the team_members table: the team's own row
	// does not hold them, and TeamByID loads them only when asked.
	Members []TeamMember

	SCIMExternalID string
	SCIMExtra      json.RawMessage

	// SharedName lets InsertTeam and UpdateTeam give the team a name
	// another team of the tenant has. Otherwise names are unique per
	// tenant, ignoring case, and a team written with SharedName does not
	// hold its name against them. It is not read back.
	SharedName bool
}

// TeamMember is a row of team_members: an account, or a sub-team whose
// members inherit the team's access.
type TeamMember struct {
	ID     string
	IsTeam bool
	// Display is the member's name as the identity provider sent it
	// (SCIM members[].display), "" for none. It is not part of the
	// member's identity: (ID, IsTeam) is.
	Display string
}

// teamNameTaken reports whether a team other than id has the folded name
// and tm needs it to itself: it does not share names and does not have
// the name already (id is "" for an insert). The unique index on name_key
// settles two writes that both pass this check.
func (db *DB) teamNameTaken(ctx context.Context, tx *sql.Tx, tm Team, id, folded string) error {
	if tm.SharedName {
		return nil
	}
	var taken bool
	err := tx.QueryRowContext(ctx, db.q(`SELECT EXISTS (SELECT 1 FROM teams WHERE tenant_id = ? AND name_folded = ? AND id <> ?)
		AND NOT EXISTS (SELECT 1 FROM teams WHERE tenant_id = ? AND id = ? AND name_folded = ?)`),
		tm.TenantID, folded, id, tm.TenantID, id, folded).Scan(&taken)
	if err == nil && taken {
		err = ErrTeamNameTaken
	}
	return err
}

// nameKey is the name_key column of tm: its folded name, or NULL when it
// shares names.
func nameKey(tm Team, folded string) any {
	if tm.SharedName {
		return nil
	}
	return folded
}

// dropMember deletes the rows of team_members that name m, bumping the
// version of each team m leaves.
func (db *DB) dropMember(ctx context.Context, tx *sql.Tx, tenantID string, m TeamMember) error {
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE teams SET version = version + 1, updated_at = ?
		WHERE tenant_id = ? AND id IN (SELECT team_id FROM team_members
			WHERE tenant_id = ? AND member_id = ? AND member_is_team = ?)`),
		db.timeArg(db.stamp(db.now())), tenantID, tenantID, m.ID, m.IsTeam); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, db.q(`DELETE FROM team_members WHERE tenant_id = ? AND member_id = ? AND member_is_team = ?`),
		tenantID, m.ID, m.IsTeam)
	return err
}

// teamCols are the columns scanTeam reads, in order.
const teamCols = `tenant_id, id, name, created_at, updated_at, version, scim_external_id, scim_extra`

func scanTeam(row interface{ Scan(...any) error }) (Team, error) {
	var t Team
	var extra string
	err := row.Scan(&t.TenantID, &t.ID, &t.Name, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, &t.Version,
		&t.SCIMExternalID, &extra)
	if errors.Is(err, sql.ErrNoRows) {
		return Team{}, ErrNoRows
	}
	if extra != "" {
		t.SCIMExtra = json.RawMessage(extra)
	}
	return t, err
}

// queryTeams runs a SELECT of teamCols.
func (db *DB) queryTeams(ctx context.Context, q querier, query string, args ...any) ([]Team, error) {
	return queryRows(ctx, q, scanTeam, query, args...)
}

// TeamsOfAccount returns the teams the account belongs to, in team
// creation order, without their members. It reads the team_members index
// on the member.
func (db *DB) TeamsOfAccount(ctx context.Context, tenantID, accountID string) ([]Team, error) {
	teams, err := db.TeamsOfAccounts(ctx, tenantID, []string{accountID})
	return teams[accountID], err
}

// TeamsOfAccounts is TeamsOfAccount for several accounts at once: the
// teams of each of ids, in team creation order, in one query (on SQLite
// one per chunk of kindsChunk ids) rather than one per account (a page
// of users).
func (db *DB) TeamsOfAccounts(ctx context.Context, tenantID string, ids []string) (map[string][]Team, error) {
	out := make(map[string][]Team, len(ids))
	size := kindsChunk
	if db.dialect == postgresDialect {
		size = max(len(ids), 1) // one array parameter
	}
	for chunk := range slices.Chunk(ids, size) {
		args := []any{tenantID, false}
		if db.dialect == postgresDialect {
			args = append(args, chunk)
		} else {
			for _, id := range chunk {
				args = append(args, id)
			}
		}
		type row struct {
			account string
			team    Team
		}
		rows, err := queryRows(ctx, db.sql, func(sc interface{ Scan(...any) error }) (r row, err error) {
			r.team, err = scanTeam(prefixScanner{sc, &r.account})
			return r, err
		}, db.teamsOfAccountsSQL(len(chunk)), args...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.account] = append(out[r.account], r.team)
		}
	}
	return out, nil
}

// pgTeamRefs is, on PostgreSQL, a scalar subquery of the teams the
// account whose tenant and id are the SQL expressions tenant and id is a
// member of, as a JSON array of [id, name] pairs in team creation order
// (NULL for none): a user's groups, read in the statement that reads or
// writes its account rather than in a second round trip.
func pgTeamRefs(tenant, id string) string {
	return `(SELECT json_agg(json_build_array(t.id, t.name) ORDER BY t.seq) FROM team_members m
		JOIN teams t ON t.tenant_id = m.tenant_id AND t.id = m.team_id
		WHERE m.tenant_id = ` + tenant + ` AND m.member_id = ` + id + ` AND NOT m.member_is_team)`
}

// decodeTeamRefs reads pgTeamRefs' column into teams of tenant holding
// their ID and Name.
func decodeTeamRefs(tenant string, b []byte) ([]Team, error) {
	if b == nil {
		return nil, nil // in no team: most users, nothing to decode
	}
	var pairs [][2]string
	if err := json.Unmarshal(b, &pairs); err != nil {
		return nil, fmt.Errorf("saas: reading an account's teams: %w", err)
	}
	if len(pairs) == 0 {
		return nil, nil
	}
	teams := make([]Team, len(pairs))
	for i, p := range pairs {
		teams[i] = Team{TenantID: tenant, ID: p[0], Name: p[1]}
	}
	return teams, nil
}

// teamsOfAccountsSQL is TeamsOfAccounts' statement for n accounts: the
// memberships are read by member from team_members_by_member, which
// holds the team id, so the tenant's other memberships are never read
// (TestTeamsOfAPageReadByMember). With the former index (tenant_id,
// member_id, member_is_team) SQLite, without statistics, read every
// membership of the tenant from the primary key for each page of users.
// On PostgreSQL the ids are one text[] parameter, whatever their number
// (one statement text, one plan), each looked up in the index by a
// LATERAL subquery that OFFSET 0 keeps from being merged into a join: as
// a join, with an IN list or = ANY alike, the planner chose to read every
// membership of the tenant when the table is small enough for that to
// look cheap (11,100 memberships: 3.0 ms against 0.7 ms a page of 100).
func (db *DB) teamsOfAccountsSQL(n int) string {
	if db.dialect == postgresDialect {
		return `SELECT m.member_id, ` + prefixed("t.", teamCols) + ` FROM teams t
			JOIN (SELECT u.id AS member_id, m.team_id FROM unnest($3::text[]) AS u(id)
				CROSS JOIN LATERAL (SELECT m.team_id FROM team_members m
					WHERE m.tenant_id = $1 AND m.member_id = u.id AND m.member_is_team = $2 OFFSET 0) m) m
			ON t.tenant_id = $1 AND t.id = m.team_id ORDER BY t.seq`
	}
	return `SELECT m.member_id, ` + prefixed("t.", teamCols) + ` FROM teams t
			JOIN team_members m ON m.tenant_id = t.tenant_id AND m.team_id = t.id
			WHERE m.tenant_id = ? AND m.member_is_team = ? AND m.member_id IN (` + marks(n) + `) ORDER BY t.seq`
}

// membersOf is members for several teams at once: the members of each of
// ids in the order they were added, in one query per chunk of ids.
func (db *DB) membersOf(ctx context.Context, q querier, tenantID string, ids []string) (map[string][]TeamMember, error) {
	out := make(map[string][]TeamMember, len(ids))
	for chunk := range slices.Chunk(ids, kindsChunk) {
		args := make([]any, 0, 1+len(chunk))
		args = append(args, tenantID)
		for _, id := range chunk {
			args = append(args, id)
		}
		type row struct {
			team string
			m    TeamMember
		}
		rows, err := queryRows(ctx, q, func(sc interface{ Scan(...any) error }) (r row, err error) {
			return r, sc.Scan(&r.team, &r.m.ID, &r.m.IsTeam, &r.m.Display)
		}, db.q(`SELECT team_id, member_id, member_is_team, display FROM team_members
			WHERE tenant_id = ? AND team_id IN (`+marks(len(chunk))+`) ORDER BY seq`), args...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.team] = append(out[r.team], r.m)
		}
	}
	return out, nil
}

// prefixScanner scans a row's first column into first and the rest as
// the wrapped scanner's caller asks.
type prefixScanner struct {
	row   interface{ Scan(...any) error }
	first any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.row.Scan(append([]any{p.first}, dest...)...)
}

// suffixScanner scans a row's last column into last and the others as
// the wrapped scanner's caller asks.
type suffixScanner struct {
	row  interface{ Scan(...any) error }
	last any
}

func (p suffixScanner) Scan(dest ...any) error {
	return p.row.Scan(append(dest[:len(dest):len(dest)], p.last)...)
}

// marks is n comma-separated placeholders, for an IN list.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// members loads the members of team id in the order they were added.
func (db *DB) members(ctx context.Context, q querier, tenantID, id string) ([]TeamMember, error) {
	ms, err := db.membersOf(ctx, q, tenantID, []string{id})
	if ms[id] == nil && err == nil {
		return []TeamMember{}, nil
	}
	return ms[id], err
}

// TeamByID returns the team, its members only if withMembers, or
// ErrNoRows.
func (db *DB) TeamByID(ctx context.Context, tenantID, id string, withMembers bool) (Team, error) {
	t, err := scanTeam(db.sql.QueryRowContext(ctx, db.q(`SELECT `+teamCols+` FROM teams WHERE tenant_id = ? AND id = ?`), tenantID, id))
	if err != nil || !withMembers {
		return t, err
	}
	t.Members, err = db.members(ctx, db.sql, tenantID, id)
	return t, err
}

// Teams returns up to limit teams from offset in creation order, with
// their members if withMembers, and the number of teams.
func (db *DB) Teams(ctx context.Context, tenantID string, offset, limit int, withMembers bool) ([]Team, int, error) {
	rows, total, _, err := db.FindTeams(ctx, tenantID, "", nil, Window{Offset: offset, Limit: limit}, withMembers)
	return rows, total, err
}

// FindTeams is FindAccounts for teams, with their members if
// withMembers.
func (db *DB) FindTeams(ctx context.Context, tenantID, where string, args []any, w Window, withMembers bool) ([]Team, int, int64, error) {
	teams, total, next, err := find(ctx, db, "teams", teamCols, scanTeam, tenantID, where, args, w)
	if err != nil || !withMembers {
		return teams, total, next, err
	}
	ids := make([]string, len(teams))
	for i := range teams {
		ids[i] = teams[i].ID
	}
	members, err := db.membersOf(ctx, db.sql, tenantID, ids)
	if err != nil {
		return nil, 0, 0, err
	}
	for i := range teams {
		if teams[i].Members = members[teams[i].ID]; teams[i].Members == nil {
			teams[i].Members = []TeamMember{}
		}
	}
	return teams, total, next, nil
}

// checkMembers returns ErrNoSuchMember if a member of ms is not an
// account or a team of the tenant, as its IsTeam says (a team may contain
// itself). It runs inside the write's transaction, with the queries of
// MemberKinds: one per chunk of members, not one per member.
func (db *DB) checkMembers(ctx context.Context, tx *sql.Tx, tenantID, teamID string, ms []TeamMember) error {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	kinds, err := db.memberKinds(ctx, tx, tenantID, ids)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.IsTeam && m.ID == teamID {
			continue
		}
		if k := kinds[m.ID]; (m.IsTeam && !k.Team) || (!m.IsTeam && !k.Account) {
			return ErrNoSuchMember
		}
	}
	return nil
}

// MemberKind says whether an ID is that of an account, of a team, or of
// both, in one tenant.
type MemberKind struct {
	Account, Team bool
}

// kindsChunk is the most IDs one query of MemberKinds binds (twice).
const kindsChunk = 500

// MemberKinds returns what each of ids names in the tenant: an account, a
// team or both; IDs naming nothing (an account removed by SCIM included)
// are absent. It reads the accounts and teams primary keys, one query per
// 500 distinct IDs.
func (db *DB) MemberKinds(ctx context.Context, tenantID string, ids []string) (map[string]MemberKind, error) {
	return db.memberKinds(ctx, db.sql, tenantID, ids)
}

func (db *DB) memberKinds(ctx context.Context, q querier, tenantID string, ids []string) (map[string]MemberKind, error) {
	out := make(map[string]MemberKind)
	uniq := slices.Compact(slices.Sorted(slices.Values(ids)))
	for chunk := range slices.Chunk(uniq, kindsChunk) {
		marks := marks(len(chunk))
		args := make([]any, 0, 2+2*len(chunk))
		args = append(args, tenantID)
		for _, id := range chunk {
			args = append(args, id)
		}
		args = append(args, tenantID)
		for _, id := range chunk {
			args = append(args, id)
		}
		type found struct {
			id   string
			team bool
		}
		rows, err := queryRows(ctx, q, func(sc interface{ Scan(...any) error }) (f found, err error) {
			return f, sc.Scan(&f.id, &f.team)
		}, db.q(`SELECT id, FALSE FROM accounts WHERE tenant_id = ? AND `+scimVisible+` AND id IN (`+marks+`)
			UNION ALL SELECT id, TRUE FROM teams WHERE tenant_id = ? AND id IN (`+marks+`)`), args...)
		if err != nil {
			return nil, err
		}
		for _, f := range rows {
			k := out[f.id]
			if f.team {
				k.Team = true
			} else {
				k.Account = true
			}
			out[f.id] = k
		}
	}
	return out, nil
}

// insertMembers adds ms to team teamID after its current members; a
// member already there keeps its place and its display (ON CONFLICT DO
// NOTHING on the unique key).
func (db *DB) insertMembers(ctx context.Context, tx *sql.Tx, tenantID, teamID string, ms []TeamMember) error {
	for _, m := range ms {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO team_members (tenant_id, team_id, member_is_team, member_id, display)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`), tenantID, teamID, m.IsTeam, m.ID, m.Display); err != nil {
			return err
		}
	}
	return nil
}

// setMembers makes ms the members of team teamID, keeping the insertion
// order of members that stay and giving them their display in ms. It
// returns ErrNoSuchMember if a member is not an account or a team of the
// tenant (a team may contain itself).
func (db *DB) setMembers(ctx context.Context, tx *sql.Tx, tenantID, teamID string, ms []TeamMember) error {
	if err := db.checkMembers(ctx, tx, tenantID, teamID, ms); err != nil {
		return err
	}
	old, err := db.members(ctx, tx, tenantID, teamID)
	if err != nil {
		return err
	}
	// The display of each member, the first one's when ms repeats a
	// member (as insertMembers keeps the first).
	type key struct {
		id     string
		isTeam bool
	}
	next := make(map[key]string, len(ms))
	for _, m := range ms {
		if _, ok := next[key{m.ID, m.IsTeam}]; !ok {
			next[key{m.ID, m.IsTeam}] = m.Display
		}
	}
	for _, m := range old {
		display, stays := next[key{m.ID, m.IsTeam}]
		query := `DELETE FROM team_members`
		args := []any{tenantID, teamID, m.IsTeam, m.ID}
		switch {
		case stays && display == m.Display:
			continue
		case stays:
			query = `UPDATE team_members SET display = ?`
			args = append([]any{display}, args...)
		}
		if _, err := tx.ExecContext(ctx, db.q(query+`
			WHERE tenant_id = ? AND team_id = ? AND member_is_team = ? AND member_id = ?`), args...); err != nil {
			return err
		}
	}
	return db.insertMembers(ctx, tx, tenantID, teamID, ms)
}

// InsertTeam inserts a new team with its members and Version 1. It returns
// ErrDuplicateKey if the ID exists, ErrTeamNameTaken if another team of the
// tenant has the name, ignoring case (unless tm.SharedName), and
// ErrNoSuchMember if a member is not an account of the tenant.
//
// The outbox rows out are written in the same transaction, with version
// 1; UpdateTeam, UpdateTeamAttributes, DeleteTeam and PatchTeamMembers
// take them too, with the version they write ("" for a delete).
func (db *DB) InsertTeam(ctx context.Context, tm Team, out ...OutboxRow) (Team, error) {
	tm.CreatedAt, tm.UpdatedAt, tm.Version = db.created(tm.CreatedAt, tm.UpdatedAt)
	folded := emailKey(tm.Name)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.teamNameTaken(ctx, tx, tm, "", folded); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO teams (tenant_id, id, name, created_at, updated_at, version,
			scim_external_id, scim_extra, name_folded, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			tm.TenantID, tm.ID, tm.Name, db.timeArg(tm.CreatedAt), db.timeArg(tm.UpdatedAt), tm.Version,
			tm.SCIMExternalID, string(tm.SCIMExtra), folded, nameKey(tm, folded)); err != nil {
			return insertErr(err)
		}
		if err := db.setMembers(ctx, tx, tm.TenantID, tm.ID, tm.Members); err != nil {
			return err
		}
		var err error
		if tm.Members, err = db.members(ctx, tx, tm.TenantID, tm.ID); err != nil {
			return err
		}
		return db.writeOutbox(ctx, tx, out, strconv.FormatInt(tm.Version, 10))
	})
	if err != nil {
		return Team{}, err
	}
	return tm, nil
}

// UpdateTeam replaces the team's row and members, keeping CreatedAt.
// Errors are as for UpdateAccount and InsertTeam; a team that keeps its
// name (ignoring case) never gets ErrTeamNameTaken.
func (db *DB) UpdateTeam(ctx context.Context, tm Team, expectedVersion int64, out ...OutboxRow) (Team, error) {
	return db.updateTeam(ctx, tm, expectedVersion, true, out)
}

// UpdateTeamAttributes replaces the team's row, keeping CreatedAt and
// leaving team_members as it is: a rename costs the same whatever the
// size of the team. The team is returned without members. Errors are as
// for UpdateAccount.
func (db *DB) UpdateTeamAttributes(ctx context.Context, tm Team, expectedVersion int64, out ...OutboxRow) (Team, error) {
	return db.updateTeam(ctx, tm, expectedVersion, false, out)
}

func (db *DB) updateTeam(ctx context.Context, tm Team, expectedVersion int64, withMembers bool, out []OutboxRow) (Team, error) {
	if tm.UpdatedAt.IsZero() {
		tm.UpdatedAt = db.now()
	}
	tm.UpdatedAt = db.stamp(tm.UpdatedAt)
	folded := emailKey(tm.Name)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.teamNameTaken(ctx, tx, tm, tm.ID, folded); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, db.q(`UPDATE teams SET name = ?, updated_at = ?, version = version + 1,
			scim_external_id = ?, scim_extra = ?, name_folded = ?,
			name_key = CASE WHEN name_folded = ? THEN name_key ELSE ? END
			WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?)
			RETURNING created_at, version`),
			tm.Name, db.timeArg(tm.UpdatedAt), tm.SCIMExternalID, string(tm.SCIMExtra), folded,
			folded, nameKey(tm, folded),
			tm.TenantID, tm.ID, expectedVersion, expectedVersion).Scan(timeCol{&tm.CreatedAt}, &tm.Version)
		if errors.Is(err, sql.ErrNoRows) {
			return db.versionErr(ctx, tx, "teams", tm.TenantID, tm.ID)
		}
		if err != nil {
			return insertErr(err)
		}
		if !withMembers {
			tm.Members = nil
			return db.writeOutbox(ctx, tx, out, strconv.FormatInt(tm.Version, 10))
		}
		if err := db.setMembers(ctx, tx, tm.TenantID, tm.ID, tm.Members); err != nil {
			return err
		}
		if tm.Members, err = db.members(ctx, tx, tm.TenantID, tm.ID); err != nil {
			return err
		}
		return db.writeOutbox(ctx, tx, out, strconv.FormatInt(tm.Version, 10))
	})
	if err != nil {
		return Team{}, err
	}
	return tm, nil
}

// DeleteTeam deletes the team, its members (ON DELETE CASCADE) and its
// memberships in other teams, bumping their versions. expectedVersion
// works as in UpdateAccount.
func (db *DB) DeleteTeam(ctx context.Context, tenantID, id string, expectedVersion int64, out ...OutboxRow) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		// The team's own member rows go first: they would otherwise bump
		// the version of a team that is being deleted, itself.
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM team_members WHERE tenant_id = ? AND team_id = ?
			AND EXISTS (SELECT 1 FROM teams WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?))`),
			tenantID, id, tenantID, id, expectedVersion, expectedVersion); err != nil {
			return err
		}
		if err := db.deleteRow(ctx, tx, "teams", tenantID, id, expectedVersion); err != nil {
			return err
		}
		if err := db.dropMember(ctx, tx, tenantID, TeamMember{ID: id, IsTeam: true}); err != nil {
			return err
		}
		return db.writeOutbox(ctx, tx, out, "")
	})
}

// removeChunk is the most member IDs one DELETE of PatchTeamMembers
// binds, well under the bind-parameter limits of SQLite (32766) and
// PostgreSQL (65535).
const removeChunk = 1000

// PatchTeamMembers removes the members whose ID is in remove (accounts or
// sub-teams) and then adds the members of add, without reading the team's
// member list, and returns the team's new Version. Adding a present member
// and removing an absent one change nothing but the version. Errors are as
// for UpdateTeam: ErrNoRows, ErrStaleVersion (expectedVersion works as in
// UpdateAccount) and ErrNoSuchMember.
//
// Whatever the size of the team, it touches the team's row, one index
// entry per added member and the rows removed: the version bump comes
// first, and its row lock serialises concurrent patches of one team.
func (db *DB) PatchTeamMembers(ctx context.Context, tenantID, teamID string, add []TeamMember, remove []string, expectedVersion int64, out ...OutboxRow) (int64, error) {
	var version int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.q(`UPDATE teams SET version = version + 1, updated_at = ?
			WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?)
			RETURNING version`),
			db.timeArg(db.stamp(db.now())), tenantID, teamID, expectedVersion, expectedVersion).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return db.versionErr(ctx, tx, "teams", tenantID, teamID)
		}
		if err != nil {
			return err
		}
		for ids := range slices.Chunk(remove, removeChunk) {
			args := []any{tenantID, teamID}
			for _, id := range ids {
				args = append(args, id)
			}
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
			// Both kinds of member go. Naming member_is_team lets SQLite
			// look each ID up in the unique key rather than scan the
			// team's entries; PostgreSQL uses the member index.
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM team_members WHERE tenant_id = ? AND team_id = ?
				AND member_is_team IN (FALSE, TRUE) AND member_id IN (`+marks+`)`), args...); err != nil {
				return err
			}
		}
		if err := db.checkMembers(ctx, tx, tenantID, teamID, add); err != nil {
			return err
		}
		if err := db.insertMembers(ctx, tx, tenantID, teamID, add); err != nil {
			return err
		}
		return db.writeOutbox(ctx, tx, out, strconv.FormatInt(version, 10))
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}
