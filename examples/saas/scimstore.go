package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// SCIMStore adapts the app's DB to store.Store, so that the SCIM handler
// reads and writes accounts and teams. This is the file a SaaS engineer
// writes: the library does HTTP, validation, PATCH and the filters the
// adapter cannot run in SQL; the adapter maps resources onto rows,
// filters on mapped columns into WHERE clauses with sqlstore.Translate,
// and member PATCHes into row inserts and deletes (PatchMembers), so a
// large team is never loaded to add one member.
//
// User <-> Account (RFC 7643 §4.1, §4.3):
//
//	SCIM attribute                  Account field     notes
//	id                              ID                set by the library (a UUID)
//	userName                        Email             the login; unique per tenant, ignoring case
//	externalId                      SCIMExternalID    the IdP's id; indexed for "externalId eq"
//	displayName                     FullName          Account.DisplayName() falls back to the name parts
//	name.givenName                  GivenName
//	name.familyName                 FamilyName
//	active                          SCIMActive        as set: true, false or unassigned (NULL)
//	                                Disabled          true unless active is true: see below
//	title                           JobTitle
//	enterprise department           Department
//	enterprise manager.value        ManagerID         may name an account not provisioned yet
//	groups                          (derived)         the teams the account is a member of; read-only
//	password                        (dropped)         the app signs in through SSO only
//	meta.created, meta.lastModified CreatedAt, UpdatedAt
//	meta.version                    Version           optimistic locking: "3" is row version 3
//	everything else                 SCIMExtra         the resource's JSON without the mapped fields
//
// Only active=true lets an account sign in: Disabled is set unless active
// is true. An unassigned active is not "active": an IdP that deactivates a
// user and later removes the attribute (PATCH remove active, which leaves
// it unassigned, RFC 7644 §3.5.2.2) must not give back the access the
// deactivation took away, and reads active back unassigned, as it left
// it. (The library's PUT keeps the stored active when the body omits it.)
//
// "Everything else" is name.formatted and the other name parts, emails
// (the login is userName: Entra sends the UPN there, Okta the login email),
// phone numbers, addresses, locale, the rest of the enterprise extension,
// custom extensions and unknown attributes. Keeping them makes the
// resource round-trip: an IdP that writes an attribute and reads it back
// sees what it wrote, and does not "fix" it on every cycle.
//
// Group <-> Team (RFC 7643 §4.2):
//
//	displayName   Name
//	externalId    SCIMExternalID
//	members       Members (team_members): accounts, and sub-teams for members of type "Group";
//	              a member's display is kept in team_members.display
//
// Members are checked twice. The library resolves every member it is
// about to write through ResolveMembers (one query per 500 IDs) and
// answers 400 invalidValue for an ID that is no user or group of the
// tenant, or whose type contradicts what it names; and the DB checks the
// members again inside the write's transaction (batched the same way), in
// ReplaceGroup and PatchMembers alike, so a member deleted meanwhile is
// refused too.
//
// Change events: SCIMStore is a store.EventWriter. Each write hands the
// events the library put in its context (store.EventsFrom) to the data
// layer as outbox rows (outboxRows), which writes them into app_events
// in the write's own transaction, with the version the write gave the
// row ("" for a delete): an event is recorded exactly when its change
// commits, and survives a crash right after the commit. events.go
// delivers them to the app's handlers; after a write that recorded
// events the store calls wake, so that the drainer starts at once rather
// than at its next poll.
type SCIMStore struct {
	db   *DB
	wake func()
}

// Compile-time checks: SCIMStore is a store.Store and offers the user
// and group query fast paths and the membership fast path.
var (
	_ store.Store                   = (*SCIMStore)(nil)
	_ store.UserQuerier             = (*SCIMStore)(nil)
	_ store.GroupQuerier            = (*SCIMStore)(nil)
	_ store.GroupMemberPatcher      = (*SCIMStore)(nil)
	_ store.GroupAttributesReplacer = (*SCIMStore)(nil)
	_ store.MemberResolver          = (*SCIMStore)(nil)
	_ store.UserArchiver            = (*SCIMStore)(nil)
	_ store.EventWriter             = (*SCIMStore)(nil)
)

// NewSCIMStore returns the adapter over db.
func NewSCIMStore(db *DB) *SCIMStore { return &SCIMStore{db: db} }

// WritesEvents implements store.EventWriter: the adapter records every
// write's events in app_events, in the write's transaction.
func (s *SCIMStore) WritesEvents() bool { return true }

// outboxRows returns the events of the write whose context is ctx as
// outbox rows: each event as JSON, without Version, which the data layer
// writes in its own column.
func outboxRows(ctx context.Context) ([]OutboxRow, error) {
	evs := store.EventsFrom(ctx)
	if len(evs) == 0 {
		return nil, nil
	}
	out := make([]OutboxRow, len(evs))
	for i, e := range evs {
		e.Version = ""
		payload, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encoding event %s: %w", e.ID, err)
		}
		out[i] = OutboxRow{ID: e.ID, Tenant: e.Tenant, ResourceType: e.ResourceType, ResourceID: e.ResourceID,
			Type: string(e.Type), Payload: payload}
	}
	return out, nil
}

// wrote wakes the drainer after a write that recorded rows.
func (s *SCIMStore) wrote(rows []OutboxRow) {
	if len(rows) > 0 && s.wake != nil {
		s.wake()
	}
}

// The attributes without a column are kept in SCIMExtra as the
// resource's complete JSON form (resource.User's MarshalJSON, which keeps
// custom extensions and unknown attributes) with the mapped fields
// cleared, read back with its UnmarshalJSON: the library's own parser, a
// third of the CPU encoding/json took for the same row (a page of 100
// users decodes a hundred). Rows written by an earlier release hold
// encoding/json's rendering of the Go struct (every field by its Go
// name, "ID" first, as plainUser and plainGroup write it); they are read
// as such until their next write (legacyExtra).
type (
	plainUser  resource.User
	plainGroup resource.Group
)

// legacyExtra reports whether extra is the earlier release's encoding.
func legacyExtra(extra []byte) bool { return bytes.HasPrefix(extra, []byte(`{"ID":`)) }

// decodeExtra reads extra into v, the resource, or, in the earlier
// release's encoding, into legacy, the same resource as its plain type.
func decodeExtra(extra []byte, v json.Unmarshaler, legacy any) error {
	if legacyExtra(extra) {
		return json.Unmarshal(extra, legacy)
	}
	return v.UnmarshalJSON(extra)
}

// accountFromUser maps a SCIM user onto an account row of tenant.
func accountFromUser(tenant string, u *resource.User) (Account, error) {
	a := Account{
		ID:             u.ID,
		TenantID:       tenant,
		Email:          u.UserName,
		FullName:       u.DisplayName,
		JobTitle:       u.Title,
		Disabled:       u.Active == nil || !*u.Active,
		CreatedAt:      u.Meta.Created,
		UpdatedAt:      u.Meta.LastModified,
		SCIMExternalID: u.ExternalID,
	}
	if u.Active != nil {
		active := *u.Active
		a.SCIMActive = &active
	}
	rest := *u
	rest.ID, rest.ExternalID, rest.UserName, rest.DisplayName, rest.Title = "", "", "", "", ""
	rest.Active, rest.Password, rest.Groups, rest.Meta = nil, "", nil, resource.Meta{}
	if n := u.Name; n != nil {
		a.GivenName, a.FamilyName = n.GivenName, n.FamilyName
		other := *n
		other.GivenName, other.FamilyName = "", ""
		rest.Name = &other
	}
	if e := u.Enterprise; e != nil {
		a.Department = e.Department
		other := *e
		other.Department = ""
		if m := e.Manager; m != nil {
			a.ManagerID = m.Value
			om := *m
			om.Value = ""
			other.Manager = &om
		}
		rest.Enterprise = &other
	}
	extra, err := rest.MarshalJSON()
	if err != nil {
		return Account{}, fmt.Errorf("saas: encoding SCIM attributes of user %q: %w", u.ID, err)
	}
	a.SCIMExtra = extra
	return a, nil
}

// userFromAccount maps an account row and its teams back to a SCIM user.
func userFromAccount(a *Account, teams []Team) (*resource.User, error) {
	u := &resource.User{}
	if len(a.SCIMExtra) > 0 {
		if err := decodeExtra(a.SCIMExtra, u, (*plainUser)(u)); err != nil {
			return nil, fmt.Errorf("saas: decoding SCIM attributes of account %q: %w", a.ID, err)
		}
	}
	u.ID, u.ExternalID, u.UserName, u.DisplayName, u.Title, u.Active = a.ID, a.SCIMExternalID, a.Email, a.FullName, a.JobTitle, nil
	if a.SCIMActive != nil {
		active := *a.SCIMActive
		u.Active = &active
	}
	u.Meta = resource.Meta{Created: a.CreatedAt, LastModified: a.UpdatedAt, Version: strconv.FormatInt(a.Version, 10)}
	if a.GivenName != "" || a.FamilyName != "" {
		if u.Name == nil {
			u.Name = &resource.Name{}
		}
		u.Name.GivenName, u.Name.FamilyName = a.GivenName, a.FamilyName
	}
	if a.Department != "" || a.ManagerID != "" {
		if u.Enterprise == nil {
			u.Enterprise = &resource.EnterpriseUser{}
		}
		u.Enterprise.Department = a.Department
	}
	if a.ManagerID != "" {
		if u.Enterprise.Manager == nil {
			u.Enterprise.Manager = &resource.Manager{}
		}
		u.Enterprise.Manager.Value = a.ManagerID
	}
	// User.groups is derived from team membership (RFC 7643 §4.1.2); the
	// library fills each $ref.
	for _, t := range teams {
		u.Groups = append(u.Groups, resource.GroupRef{Value: t.ID, Display: t.Name, Type: "direct"})
	}
	return u, nil
}

// teamFromGroup maps a SCIM group onto a team row of tenant.
func teamFromGroup(tenant string, g *resource.Group) (Team, error) {
	t := Team{
		ID:             g.ID,
		TenantID:       tenant,
		Name:           g.DisplayName,
		CreatedAt:      g.Meta.Created,
		UpdatedAt:      g.Meta.LastModified,
		SCIMExternalID: g.ExternalID,
	}
	t.Members = teamMembers(g.Members)
	if len(g.Extensions) == 0 && len(g.Extra) == 0 {
		t.SCIMExtra = []byte{} // nothing to keep: nothing to decode
		return t, nil
	}
	rest := resource.Group{Extensions: g.Extensions, Extra: g.Extra}
	extra, err := rest.MarshalJSON()
	if err != nil {
		return Team{}, fmt.Errorf("saas: encoding SCIM attributes of group %q: %w", g.ID, err)
	}
	t.SCIMExtra = extra
	return t, nil
}

// teamMembers maps SCIM group members onto team_members rows.
func teamMembers(ms []resource.Member) []TeamMember {
	var out []TeamMember
	for _, m := range ms {
		// The library sets an omitted type to "User".
		out = append(out, TeamMember{ID: m.Value, IsTeam: strings.EqualFold(m.Type, "Group"), Display: m.Display})
	}
	return out
}

// groupFromTeam maps a team row back to a SCIM group. Members are those
// of t.Members: none when the team was read without them.
func groupFromTeam(t *Team) (*resource.Group, error) {
	g := &resource.Group{}
	if len(t.SCIMExtra) > 0 {
		if err := decodeExtra(t.SCIMExtra, g, (*plainGroup)(g)); err != nil {
			return nil, fmt.Errorf("saas: decoding SCIM attributes of team %q: %w", t.ID, err)
		}
	}
	g.ID, g.ExternalID, g.DisplayName = t.ID, t.SCIMExternalID, t.Name
	g.Meta = resource.Meta{Created: t.CreatedAt, LastModified: t.UpdatedAt, Version: strconv.FormatInt(t.Version, 10)}
	for _, m := range t.Members {
		typ := "User"
		if m.IsTeam {
			typ = "Group"
		}
		g.Members = append(g.Members, resource.Member{Value: m.ID, Type: typ, Display: m.Display})
	}
	return g, nil
}

// dbErr translates the DB's errors into the store package's sentinels,
// which the library answers with 404, 409, 412 and, for a database that
// cannot be reached or is busy (sqlstore.Unavailable classifies driver
// errors), 503 with Retry-After. Every error of the DB goes through it.
func dbErr(err error) error {
	switch {
	case err == nil:
		return nil
	case sqlstore.Unavailable(err):
		return fmt.Errorf("%w (%w)", store.ErrUnavailable, err)
	case errors.Is(err, ErrNoRows):
		return fmt.Errorf("%w (%w)", store.ErrNotFound, err)
	case errors.Is(err, ErrEmailTaken), errors.Is(err, ErrDuplicateKey), errors.Is(err, ErrTeamNameTaken):
		return fmt.Errorf("%w (%w)", store.ErrConflict, err)
	case errors.Is(err, ErrStaleVersion):
		return fmt.Errorf("%w (%w)", store.ErrPreconditionFailed, err)
	case errors.Is(err, ErrNoSuchMember):
		// A *scim.Error is answered as is: the IdP's admin sees the detail.
		return &scim.Error{Status: http.StatusBadRequest, ScimType: scim.ScimTypeInvalidValue,
			Detail: "a group member is not a user or group of this tenant", Err: err}
	}
	return err
}

// expectedVersion parses a meta.version the adapter issued; "" means
// "any version". A version the adapter never issued matches no row.
func expectedVersion(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, store.ErrPreconditionFailed
	}
	return n, nil
}

// GetUser implements store.Users.
func (s *SCIMStore) GetUser(ctx context.Context, id string) (*resource.User, error) {
	a, teams, err := s.db.AccountTeams(ctx, store.TenantFrom(ctx), id)
	if err != nil {
		return nil, dbErr(err)
	}
	if !a.SCIMRemovedAt.IsZero() {
		return nil, fmt.Errorf("%w: account %q was removed by SCIM", store.ErrNotFound, id)
	}
	return userFromAccount(&a, teams)
}

// CreateUser implements store.Users.
func (s *SCIMStore) CreateUser(ctx context.Context, u *resource.User) (*resource.User, error) {
	return s.writeAccount(ctx, u, "", func(a Account, _ int64, out []OutboxRow) (Account, []Team, error) {
		// A new account is in no team yet (a team's members must exist
		// when they are added), so there are no teams to read.
		a, err := s.db.InsertAccount(ctx, a, out...)
		return a, nil, err
	})
}

// ReplaceUser implements store.Users.
func (s *SCIMStore) ReplaceUser(ctx context.Context, u *resource.User, version string) (*resource.User, error) {
	return s.writeAccount(ctx, u, version, func(a Account, want int64, out []OutboxRow) (Account, []Team, error) {
		// The teams as they are after the write (a concurrent member
		// PATCH may have changed them), on PostgreSQL read by the UPDATE.
		return s.db.UpdateAccountTeams(ctx, a, want, out...)
	})
}

// writeAccount is writeTeam for users; write returns the account as
// written and its teams.
func (s *SCIMStore) writeAccount(ctx context.Context, u *resource.User, version string, write func(a Account, want int64, out []OutboxRow) (Account, []Team, error)) (*resource.User, error) {
	want, err := expectedVersion(version)
	if err != nil {
		return nil, err
	}
	a, err := accountFromUser(store.TenantFrom(ctx), u)
	if err != nil {
		return nil, err
	}
	out, err := outboxRows(ctx)
	if err != nil {
		return nil, err
	}
	a, teams, err := write(a, want, out)
	if err != nil {
		return nil, dbErr(err)
	}
	s.wrote(out)
	return userFromAccount(&a, teams)
}

// DeleteUser implements store.Users; the DB removes the account from its
// teams.
func (s *SCIMStore) DeleteUser(ctx context.Context, id, version string) error {
	want, err := expectedVersion(version)
	if err != nil {
		return err
	}
	out, err := outboxRows(ctx)
	if err != nil {
		return err
	}
	if err := s.db.DeleteAccount(ctx, store.TenantFrom(ctx), id, want, out...); err != nil {
		return dbErr(err)
	}
	s.wrote(out)
	return nil
}

// ArchiveUser implements the optional store.UserArchiver, which the
// library calls for a DELETE under the connection's DELETE policy
// "deactivate": the account stays in the accounts table, disabled, with
// active false, and is detached from SCIM (ArchiveAccount): SCIM's reads
// no longer see it, its email no longer holds the login, it leaves its
// teams, and the app's home page shows it "deactivated (removed by
// SCIM)". Its id stays its own: the accounts primary key refuses a create
// with it.
func (s *SCIMStore) ArchiveUser(ctx context.Context, id, version string, at time.Time) error {
	want, err := expectedVersion(version)
	if err != nil {
		return err
	}
	out, err := outboxRows(ctx)
	if err != nil {
		return err
	}
	if err := s.db.ArchiveAccount(ctx, store.TenantFrom(ctx), id, want, at, out...); err != nil {
		return dbErr(err)
	}
	s.wrote(out)
	return nil
}

// archived is the SCIM view of an account SCIM removed.
func archived(a *Account) (store.ArchivedUser, error) {
	u, err := userFromAccount(a, nil)
	if err != nil {
		return store.ArchivedUser{}, err
	}
	return store.ArchivedUser{User: u, Archived: a.SCIMRemovedAt}, nil
}

// GetArchivedUser implements store.UserArchiver.
func (s *SCIMStore) GetArchivedUser(ctx context.Context, id string) (store.ArchivedUser, error) {
	a, err := s.db.AccountByID(ctx, store.TenantFrom(ctx), id)
	if err != nil {
		return store.ArchivedUser{}, dbErr(err)
	}
	if a.SCIMRemovedAt.IsZero() {
		return store.ArchivedUser{}, fmt.Errorf("%w: account %q was not removed by SCIM", store.ErrNotFound, id)
	}
	return archived(&a)
}

// ListArchivedUsers implements store.UserArchiver, in account creation
// order.
func (s *SCIMStore) ListArchivedUsers(ctx context.Context, p store.Page) (store.ArchivedUserList, error) {
	rows, total, err := s.db.RemovedAccounts(ctx, store.TenantFrom(ctx), max(p.StartIndex, 1)-1, p.Count)
	if err != nil {
		return store.ArchivedUserList{}, dbErr(err)
	}
	out := store.ArchivedUserList{TotalResults: total, Resources: make([]store.ArchivedUser, 0, len(rows))}
	for i := range rows {
		a, err := archived(&rows[i])
		if err != nil {
			return store.ArchivedUserList{}, err
		}
		out.Resources = append(out.Resources, a)
	}
	return out, nil
}

// ListUsers implements store.Users, in account creation order.
func (s *SCIMStore) ListUsers(ctx context.Context, p store.Page) (store.UserList, error) {
	rows, teams, total, _, err := s.db.FindAccountsTeams(ctx, store.TenantFrom(ctx), scimVisible, nil, Window{Offset: max(p.StartIndex, 1) - 1, Limit: p.Count})
	if err != nil {
		return store.UserList{}, dbErr(err)
	}
	return s.userList(rows, teams, total)
}

// userList is the list of the accounts rows with their teams.
func (s *SCIMStore) userList(rows []Account, teams map[string][]Team, total int) (store.UserList, error) {
	out := store.UserList{TotalResults: total, Resources: make([]*resource.User, 0, len(rows))}
	for i := range rows {
		u, err := userFromAccount(&rows[i], teams[rows[i].ID])
		if err != nil {
			return store.UserList{}, err
		}
		out.Resources = append(out.Resources, u)
	}
	return out, nil
}

// userColumns maps the User attributes that have a column of their own
// onto the accounts table, for sqlstore.Translate: the columns hold
// exactly the values userFromAccount puts in the resource, "" when
// unassigned. Attributes kept in scim_extra (emails, name.formatted, ...)
// have no column: a filter on them falls back to the library's evaluator.
var userColumns = map[string]string{
	"id":                "id",
	"userName":          "email",
	"externalId":        "scim_external_id",
	"displayName":       "full_name",
	"name.givenName":    "given_name",
	"name.familyName":   "family_name",
	"title":             "job_title",
	"active":            "scim_active", // NULL when unassigned
	"meta.created":      "created_at",
	"meta.lastModified": "updated_at",
	resource.EnterpriseUserSchema + ":department": "department",
}

// groupColumns maps the Group attributes that have a column onto the
// teams table. members filters fall back to the evaluator.
var groupColumns = map[string]string{
	"id":                "id",
	"displayName":       "name",
	"externalId":        "scim_external_id",
	"meta.created":      "created_at",
	"meta.lastModified": "updated_at",
}

// userFolded and groupFolded map the attributes whose column holds
// filter.Fold of the value, for sqlstore.Translate: "userName eq" compares
// email_folded, served by the unique index (tenant_id, email_folded), and
// "displayName eq" name_folded, so lookups and uniqueness fold alike.
var (
	userFolded  = map[string]string{"userName": "email_folded"}
	groupFolded = map[string]string{"displayName": "name_folded"}
)

// where translates a query's filter for the DB's Find methods with
// sqlstore.Translate. It returns an error wrapping store.ErrUnsupported
// for what has no SQL form (an attribute without a column, sortBy), and
// the library then evaluates the query over ListUsers or ListGroups, with
// exact totals.
func (s *SCIMStore) where(q store.Query, rt *resource.ResourceType, cols, folded map[string]string) (string, []any, error) {
	if !q.SortBy.IsZero() {
		// The list order is creation order; sorting on a SCIM attribute
		// is left to the library.
		return "", nil, store.ErrUnsupported
	}
	if q.Filter == nil {
		return "", nil, nil
	}
	d := sqlstore.SQLite
	if s.db.Dialect() == "postgres" {
		d = sqlstore.Postgres
	}
	if q.ResourceType != nil {
		rt = q.ResourceType
	}
	return sqlstore.Translate(q.Filter, sqlstore.Mapping{Dialect: d, ResourceType: rt, Columns: cols, Folded: folded, FirstArg: WhereFirstArg})
}

// QueryUsers implements the optional store.UserQuerier: the filter runs
// in SQL, the page is read by LIMIT and OFFSET or, for a query that
// continues after a position (a cursor, or the next page of a startIndex
// walk), by seq on the (tenant_id, seq) index, and COUNT(*) runs only
// when the page does not tell the total (see find). The lookups every IdP
// sends before it creates a user, `userName eq "..."` (Entra, Okta,
// JumpCloud) and `externalId eq "..."` (Entra), use the accounts indexes.
func (s *SCIMStore) QueryUsers(ctx context.Context, q store.Query) (store.UserList, error) {
	where, args, err := s.where(q, resource.DefaultRegistry().User, userColumns, userFolded)
	if err != nil {
		return store.UserList{}, err
	}
	if where == "" {
		where = scimVisible
	} else {
		where = scimVisible + " AND (" + where + ")"
	}
	w, err := window(q.Page)
	if err != nil {
		return store.UserList{}, err
	}
	rows, teams, total, next, err := s.db.FindAccountsTeams(ctx, store.TenantFrom(ctx), where, args, w)
	if err != nil {
		return store.UserList{}, dbErr(err)
	}
	l, err := s.userList(rows, teams, total)
	l.Next = position(next)
	return l, err
}

// QueryGroups implements the optional store.GroupQuerier, as QueryUsers
// does; `displayName eq "..."` (Entra's group lookup) uses the teams
// index, and with excludedAttributes=members team_members is not read.
func (s *SCIMStore) QueryGroups(ctx context.Context, q store.Query) (store.GroupList, error) {
	where, args, err := s.where(q, resource.DefaultRegistry().Group, groupColumns, groupFolded)
	if err != nil {
		return store.GroupList{}, err
	}
	w, err := window(q.Page)
	if err != nil {
		return store.GroupList{}, err
	}
	rows, total, next, err := s.db.FindTeams(ctx, store.TenantFrom(ctx), where, args, w, q.Members == store.WithMembers)
	if err != nil {
		return store.GroupList{}, dbErr(err)
	}
	l, err := groupList(rows, total)
	l.Next = position(next)
	return l, err
}

// window is the DB's window for a store page: a position the queriers
// returned (the decimal seq of the last row of a page, see the store
// package's "Positions") continues after that row.
func window(p store.Page) (Window, error) {
	w := Window{Offset: max(p.StartIndex, 1) - 1, Limit: p.Count, NoTotal: p.NoTotal}
	if p.After != "" {
		seq, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil || seq <= 0 {
			return Window{}, fmt.Errorf("%w: %q is no position of this store", store.ErrInvalidPosition, p.After)
		}
		w.After, w.Offset = seq, 0
	}
	return w, nil
}

// position is the store position of seq: "" for none.
func position(seq int64) string {
	if seq == 0 {
		return ""
	}
	return strconv.FormatInt(seq, 10)
}

// GetGroup implements store.Groups; with store.WithoutMembers the team_members
// table is not read.
func (s *SCIMStore) GetGroup(ctx context.Context, id string, m store.Members) (*resource.Group, error) {
	t, err := s.db.TeamByID(ctx, store.TenantFrom(ctx), id, m == store.WithMembers)
	if err != nil {
		return nil, dbErr(err)
	}
	return groupFromTeam(&t)
}

// CreateGroup implements store.Groups. The team's name is unique per
// tenant (ErrTeamNameTaken, answered 409) unless the context allows
// duplicate group names.
func (s *SCIMStore) CreateGroup(ctx context.Context, g *resource.Group) (*resource.Group, error) {
	return s.writeTeam(ctx, g, "", func(t Team, _ int64, out []OutboxRow) (Team, error) { return s.db.InsertTeam(ctx, t, out...) })
}

// ReplaceGroup implements store.Groups.
func (s *SCIMStore) ReplaceGroup(ctx context.Context, g *resource.Group, version string) (*resource.Group, error) {
	return s.writeTeam(ctx, g, version, func(t Team, want int64, out []OutboxRow) (Team, error) {
		return s.db.UpdateTeam(ctx, t, want, out...)
	})
}

// ReplaceGroupAttributes implements the optional
// store.GroupAttributesReplacer: a rename, an externalId or extension
// change updates the team's row only, never team_members, so it costs the
// same for a team of 10 and of 100,000 members.
func (s *SCIMStore) ReplaceGroupAttributes(ctx context.Context, g *resource.Group, version string) (*resource.Group, error) {
	return s.writeTeam(ctx, g, version, func(t Team, want int64, out []OutboxRow) (Team, error) {
		return s.db.UpdateTeamAttributes(ctx, t, want, out...)
	})
}

// writeTeam maps g onto a team of ctx's tenant, sharing names when the
// context allows duplicate group names, writes it with write, given the
// version expected ("" for any), and returns the team written as a group.
func (s *SCIMStore) writeTeam(ctx context.Context, g *resource.Group, version string, write func(t Team, want int64, out []OutboxRow) (Team, error)) (*resource.Group, error) {
	want, err := expectedVersion(version)
	if err != nil {
		return nil, err
	}
	t, err := teamFromGroup(store.TenantFrom(ctx), g)
	if err != nil {
		return nil, err
	}
	t.SharedName = store.DuplicateGroupNamesAllowed(ctx)
	out, err := outboxRows(ctx)
	if err != nil {
		return nil, err
	}
	if t, err = write(t, want, out); err != nil {
		return nil, dbErr(err)
	}
	s.wrote(out)
	return groupFromTeam(&t)
}

// ResolveMembers implements the optional store.MemberResolver, which the
// library asks before it writes members: one query per 500 IDs over the
// accounts and teams keys.
func (s *SCIMStore) ResolveMembers(ctx context.Context, ids []string) (map[string]store.MemberType, error) {
	kinds, err := s.db.MemberKinds(ctx, store.TenantFrom(ctx), ids)
	if err != nil {
		return nil, dbErr(err)
	}
	out := make(map[string]store.MemberType, len(kinds))
	for id, k := range kinds {
		var t store.MemberType
		if k.Account {
			t |= store.MemberUser
		}
		if k.Team {
			t |= store.MemberGroup
		}
		out[id] = t
	}
	return out, nil
}

// PatchMembers implements the optional store.GroupMemberPatcher: Entra
// and Okta add and remove members one PATCH at a time, and this writes
// only the rows concerned, in one transaction, without reading the team's
// members: the team's version is bumped (conditioned on version, the
// optimistic lock), the removed members are deleted with one statement
// and the added ones inserted with ON CONFLICT DO NOTHING, after the
// check ReplaceGroup makes that each is a user or group of the tenant.
// Adding a team member costs the same at 10 members as at 100,000.
func (s *SCIMStore) PatchMembers(ctx context.Context, groupID string, add []resource.Member, remove []string, version string) (string, error) {
	want, err := expectedVersion(version)
	if err != nil {
		return "", err
	}
	out, err := outboxRows(ctx)
	if err != nil {
		return "", err
	}
	v, err := s.db.PatchTeamMembers(ctx, store.TenantFrom(ctx), groupID, teamMembers(add), remove, want, out...)
	if err != nil {
		return "", dbErr(err)
	}
	s.wrote(out)
	return strconv.FormatInt(v, 10), nil
}

// DeleteGroup implements store.Groups.
func (s *SCIMStore) DeleteGroup(ctx context.Context, id, version string) error {
	want, err := expectedVersion(version)
	if err != nil {
		return err
	}
	out, err := outboxRows(ctx)
	if err != nil {
		return err
	}
	if err := s.db.DeleteTeam(ctx, store.TenantFrom(ctx), id, want, out...); err != nil {
		return dbErr(err)
	}
	s.wrote(out)
	return nil
}

// ListGroups implements store.Groups, in team creation order.
func (s *SCIMStore) ListGroups(ctx context.Context, p store.Page, m store.Members) (store.GroupList, error) {
	rows, total, err := s.db.Teams(ctx, store.TenantFrom(ctx), max(p.StartIndex, 1)-1, p.Count, m == store.WithMembers)
	if err != nil {
		return store.GroupList{}, dbErr(err)
	}
	return groupList(rows, total)
}

func groupList(rows []Team, total int) (store.GroupList, error) {
	out := store.GroupList{TotalResults: total, Resources: make([]*resource.Group, 0, len(rows))}
	for i := range rows {
		g, err := groupFromTeam(&rows[i])
		if err != nil {
			return store.GroupList{}, err
		}
		out.Resources = append(out.Resources, g)
	}
	return out, nil
}
