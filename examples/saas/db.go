package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// This file is the app's existing data layer: tenants, accounts and teams,
// as a SaaS backend has them before anyone mentions SCIM. It is in memory so
// that the example runs without a database server, but it is shaped like
// tables: one row type per table, a unique index on the login email per
// tenant, a team_members join table, a version column for optimistic
// locking and ORDER BY created_at for listings. Nothing here imports the
// SCIM library; scimstore.go adapts it.

// Errors of the data layer, the way a database driver reports a missing row,
// a unique-index violation or a lost optimistic-locking race. The SCIM
// adapter translates them into the store package's sentinels.
var (
	ErrNoRows       = errors.New("db: no rows")
	ErrEmailTaken   = errors.New("db: email already used in this tenant")
	ErrDuplicateKey = errors.New("db: duplicate primary key")
	ErrStaleVersion = errors.New("db: row was changed by someone else (version mismatch)")
	ErrNoSuchMember = errors.New("db: team member is not an account of this tenant")
)

// Tenant is a customer organisation of the SaaS app.
type Tenant struct {
	ID   string
	Name string
}

// Account is a person who can sign in to a tenant. It is the app's own
// model, not SCIM's: SCIM's User is mapped onto it in scimstore.go.
type Account struct {
	ID       string
	TenantID string
	// Email is the login, unique per tenant ignoring case.
	Email      string
	FullName   string
	GivenName  string
	FamilyName string
	JobTitle   string
	Department string
	// ManagerID is the ID of another account of the tenant, or "".
	ManagerID string
	// Disabled accounts cannot sign in; they are kept, with their data.
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version is incremented by every update (optimistic locking).
	Version int64

	// SCIMExternalID is the identity provider's id for the person (SCIM
	// externalId), kept so the IdP can find the account again.
	SCIMExternalID string
	// SCIMExtra holds the SCIM attributes the app has no column for (phone
	// numbers, addresses, locale, ...), so that what the identity provider
	// wrote is what it reads back. Only the SCIM adapter interprets it.
	SCIMExtra json.RawMessage
}

// DisplayName is the name the app's UI shows for a.
func (a *Account) DisplayName() string {
	if a.FullName != "" {
		return a.FullName
	}
	if n := strings.TrimSpace(a.GivenName + " " + a.FamilyName); n != "" {
		return n
	}
	return a.Email
}

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
}

// TeamMember is a row of team_members: an account, or a sub-team whose
// members inherit the team's access.
type TeamMember struct {
	ID     string
	IsTeam bool
}

// DB is the app's database. It is safe for concurrent use; every method
// runs as one transaction.
type DB struct {
	now func() time.Time

	mu      sync.RWMutex
	tenants []Tenant
	data    map[string]*tenantTables
	seq     uint64 // for team_members.added, to list members in insertion order
}

// tenantTables are the rows of one tenant.
type tenantTables struct {
	accounts     map[string]*Account // PRIMARY KEY (id)
	accountOrder []string            // ORDER BY created_at
	byEmail      map[string]string   // UNIQUE INDEX (lower(email)) -> id
	byExternalID map[string][]string // INDEX (scim_external_id) -> ids

	teams     map[string]*Team
	teamOrder []string

	members map[string]map[TeamMember]uint64 // team_members: team id -> member -> added
	teamsOf map[TeamMember]map[string]bool   // INDEX team_members (member): member -> team ids
}

// NewDB returns an empty database whose timestamps come from now (nil means
// time.Now).
func NewDB(now func() time.Time) *DB {
	if now == nil {
		now = time.Now
	}
	return &DB{now: now, data: make(map[string]*tenantTables)}
}

// CreateTenant adds a tenant, or renames it if it exists.
func (db *DB) CreateTenant(id, name string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	for i := range db.tenants {
		if db.tenants[i].ID == id {
			db.tenants[i].Name = name
			return
		}
	}
	db.tenants = append(db.tenants, Tenant{ID: id, Name: name})
	db.tables(id)
}

// Tenants returns every tenant in creation order.
func (db *DB) Tenants() []Tenant {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return slices.Clone(db.tenants)
}

// tables returns the tenant's tables, creating them on first use. The
// caller holds db.mu for writing.
func (db *DB) tables(tenantID string) *tenantTables {
	t := db.data[tenantID]
	if t == nil {
		t = &tenantTables{
			accounts:     make(map[string]*Account),
			byEmail:      make(map[string]string),
			byExternalID: make(map[string][]string),
			teams:        make(map[string]*Team),
			members:      make(map[string]map[TeamMember]uint64),
			teamsOf:      make(map[TeamMember]map[string]bool),
		}
		db.data[tenantID] = t
	}
	return t
}

// readTables returns the tenant's tables for reading; an unknown tenant
// has empty ones. The caller holds db.mu.
func (db *DB) readTables(tenantID string) *tenantTables {
	if t := db.data[tenantID]; t != nil {
		return t
	}
	return &tenantTables{}
}

// emailKey is the key of the unique email index: two emails have the same
// key exactly when strings.EqualFold says they are equal, which is how
// SCIM compares userName (RFC 7643 §4.1.1, caseExact false).
func emailKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // invalid UTF-8 reads as U+FFFD, as in EqualFold
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns the smallest rune of r's Unicode simple case-folding
// orbit, the orbit's representative.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	low := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		low = min(low, f)
	}
	return low
}

func cloneAccount(a *Account) Account {
	c := *a
	c.SCIMExtra = slices.Clone(a.SCIMExtra)
	return c
}

// AccountByID returns the account, or ErrNoRows.
func (db *DB) AccountByID(tenantID, id string) (Account, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	a := db.readTables(tenantID).accounts[id]
	if a == nil {
		return Account{}, ErrNoRows
	}
	return cloneAccount(a), nil
}

// AccountByEmail returns the account whose login is email, ignoring case,
// or ErrNoRows.
func (db *DB) AccountByEmail(tenantID, email string) (Account, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	t := db.readTables(tenantID)
	a := t.accounts[t.byEmail[emailKey(email)]]
	if a == nil {
		return Account{}, ErrNoRows
	}
	return cloneAccount(a), nil
}

// AccountsByExternalID returns the accounts whose SCIMExternalID is extID
// (compared exactly), in creation order.
func (db *DB) AccountsByExternalID(tenantID, extID string) []Account {
	db.mu.RLock()
	defer db.mu.RUnlock()
	t := db.readTables(tenantID)
	var out []Account
	for _, id := range t.byExternalID[extID] {
		out = append(out, cloneAccount(t.accounts[id]))
	}
	return out
}

// Accounts returns up to limit accounts of the tenant from offset in
// creation order, and the number of accounts.
func (db *DB) Accounts(tenantID string, offset, limit int) ([]Account, int) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	t := db.readTables(tenantID)
	ids := window(t.accountOrder, offset, limit)
	out := make([]Account, len(ids))
	for i, id := range ids {
		out[i] = cloneAccount(t.accounts[id])
	}
	return out, len(t.accountOrder)
}

// window returns s[offset:offset+limit], clamped.
func window(s []string, offset, limit int) []string {
	from := min(max(offset, 0), len(s))
	to := min(from+max(limit, 0), len(s))
	return s[from:to]
}

// InsertAccount inserts a new account with Version 1 and returns it. It
// returns ErrDuplicateKey if the ID exists and ErrEmailTaken if another
// account of the tenant has the email.
func (db *DB) InsertAccount(a Account) (Account, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t := db.tables(a.TenantID)
	if t.accounts[a.ID] != nil {
		return Account{}, ErrDuplicateKey
	}
	key := emailKey(a.Email)
	if _, taken := t.byEmail[key]; taken {
		return Account{}, ErrEmailTaken
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.now()
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	a.Version = 1
	row := cloneAccount(&a)
	t.accounts[a.ID] = &row
	t.accountOrder = append(t.accountOrder, a.ID)
	t.byEmail[key] = a.ID
	t.indexExternalID(a.ID, "", a.SCIMExternalID)
	return cloneAccount(&row), nil
}

// indexExternalID moves id from the old external id's index entry to the
// new one's.
func (t *tenantTables) indexExternalID(id, old, ext string) {
	if old == ext {
		return
	}
	if old != "" {
		ids := slices.DeleteFunc(t.byExternalID[old], func(x string) bool { return x == id })
		if len(ids) == 0 {
			delete(t.byExternalID, old)
		} else {
			t.byExternalID[old] = ids
		}
	}
	if ext != "" {
		t.byExternalID[ext] = append(t.byExternalID[ext], id)
	}
}

// UpdateAccount replaces the row a.ID with a, keeping CreatedAt, and
// increments Version. If expectedVersion is not 0 and the row's Version
// differs, it returns ErrStaleVersion (UPDATE ... WHERE version = $n). It
// returns ErrNoRows if there is no such account and ErrEmailTaken if
// another account has the new email.
func (db *DB) UpdateAccount(a Account, expectedVersion int64) (Account, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t := db.tables(a.TenantID)
	old := t.accounts[a.ID]
	if old == nil {
		return Account{}, ErrNoRows
	}
	if expectedVersion != 0 && old.Version != expectedVersion {
		return Account{}, ErrStaleVersion
	}
	oldKey, key := emailKey(old.Email), emailKey(a.Email)
	if id, taken := t.byEmail[key]; taken && id != a.ID {
		return Account{}, ErrEmailTaken
	}
	delete(t.byEmail, oldKey)
	t.byEmail[key] = a.ID
	t.indexExternalID(a.ID, old.SCIMExternalID, a.SCIMExternalID)
	a.CreatedAt = old.CreatedAt
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = db.now()
	}
	a.Version = old.Version + 1
	row := cloneAccount(&a)
	t.accounts[a.ID] = &row
	return cloneAccount(&row), nil
}

// DeleteAccount deletes the account and its team memberships (ON DELETE
// CASCADE), bumping the version of each team it left. expectedVersion
// works as in UpdateAccount.
func (db *DB) DeleteAccount(tenantID, id string, expectedVersion int64) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	t := db.tables(tenantID)
	a := t.accounts[id]
	if a == nil {
		return ErrNoRows
	}
	if expectedVersion != 0 && a.Version != expectedVersion {
		return ErrStaleVersion
	}
	t.dropMember(TeamMember{ID: id}, db.now())
	delete(t.byEmail, emailKey(a.Email))
	t.indexExternalID(id, a.SCIMExternalID, "")
	delete(t.accounts, id)
	t.accountOrder = slices.DeleteFunc(t.accountOrder, func(x string) bool { return x == id })
	return nil
}

// TeamsOfAccount returns the teams the account belongs to, in team
// creation order, without their members.
func (db *DB) TeamsOfAccount(tenantID, accountID string) []Team {
	db.mu.RLock()
	defer db.mu.RUnlock()
	t := db.readTables(tenantID)
	var out []Team
	for _, id := range t.teamOrder {
		if t.teamsOf[TeamMember{ID: accountID}][id] {
			out = append(out, cloneTeam(t.teams[id]))
		}
	}
	return out
}

func cloneTeam(tm *Team) Team {
	c := *tm
	c.Members = nil
	c.SCIMExtra = slices.Clone(tm.SCIMExtra)
	return c
}

// teamOut returns a copy of the team, with MemberIDs loaded if
// withMembers.
func (t *tenantTables) teamOut(tm *Team, withMembers bool) Team {
	c := cloneTeam(tm)
	if withMembers {
		added := t.members[tm.ID]
		c.Members = make([]TeamMember, 0, len(added))
		for m := range added {
			c.Members = append(c.Members, m)
		}
		slices.SortFunc(c.Members, func(x, y TeamMember) int { return cmp.Compare(added[x], added[y]) })
	}
	return c
}

// TeamByID returns the team, its members only if withMembers, or
// ErrNoRows.
func (db *DB) TeamByID(tenantID, id string, withMembers bool) (Team, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	t := db.readTables(tenantID)
	tm := t.teams[id]
	if tm == nil {
		return Team{}, ErrNoRows
	}
	return t.teamOut(tm, withMembers), nil
}

// Teams returns up to limit teams from offset in creation order, with
// their members if withMembers, and the number of teams.
func (db *DB) Teams(tenantID string, offset, limit int, withMembers bool) ([]Team, int) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	t := db.readTables(tenantID)
	ids := window(t.teamOrder, offset, limit)
	out := make([]Team, len(ids))
	for i, id := range ids {
		out[i] = t.teamOut(t.teams[id], withMembers)
	}
	return out, len(t.teamOrder)
}

// dropMember deletes the rows of team_members that name m (ON DELETE
// CASCADE), bumping the version of each team m leaves.
func (t *tenantTables) dropMember(m TeamMember, now time.Time) {
	for teamID := range t.teamsOf[m] {
		delete(t.members[teamID], m)
		t.teams[teamID].Version++
		t.teams[teamID].UpdatedAt = now
	}
	delete(t.teamsOf, m)
}

// setMembers makes ms the members of team teamID, keeping the insertion
// order of members that stay. It returns ErrNoSuchMember (and changes
// nothing) if a member is not an account or a team of the tenant:
// team_members has foreign keys.
func (db *DB) setMembers(t *tenantTables, teamID string, ms []TeamMember) error {
	for _, m := range ms {
		if (m.IsTeam && t.teams[m.ID] == nil && m.ID != teamID) || (!m.IsTeam && t.accounts[m.ID] == nil) {
			return ErrNoSuchMember
		}
	}
	old := t.members[teamID]
	next := make(map[TeamMember]uint64, len(ms))
	for _, m := range ms {
		if _, dup := next[m]; dup {
			continue
		}
		if added, ok := old[m]; ok {
			next[m] = added
		} else {
			db.seq++
			next[m] = db.seq
		}
	}
	for m := range old {
		if _, stays := next[m]; !stays {
			delete(t.teamsOf[m], teamID)
		}
	}
	for m := range next {
		if t.teamsOf[m] == nil {
			t.teamsOf[m] = make(map[string]bool)
		}
		t.teamsOf[m][teamID] = true
	}
	t.members[teamID] = next
	return nil
}

// InsertTeam inserts a new team with its members and Version 1. It returns
// ErrDuplicateKey if the ID exists and ErrNoSuchMember if a member is not an
// account of the tenant.
func (db *DB) InsertTeam(tm Team) (Team, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t := db.tables(tm.TenantID)
	if t.teams[tm.ID] != nil {
		return Team{}, ErrDuplicateKey
	}
	if err := db.setMembers(t, tm.ID, tm.Members); err != nil {
		return Team{}, err
	}
	if tm.CreatedAt.IsZero() {
		tm.CreatedAt = db.now()
	}
	if tm.UpdatedAt.IsZero() {
		tm.UpdatedAt = tm.CreatedAt
	}
	tm.Version = 1
	row := cloneTeam(&tm)
	t.teams[tm.ID] = &row
	t.teamOrder = append(t.teamOrder, tm.ID)
	return t.teamOut(&row, true), nil
}

// UpdateTeam replaces the team's row and members, keeping CreatedAt.
// Errors are as for UpdateAccount and InsertTeam.
func (db *DB) UpdateTeam(tm Team, expectedVersion int64) (Team, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t := db.tables(tm.TenantID)
	old := t.teams[tm.ID]
	if old == nil {
		return Team{}, ErrNoRows
	}
	if expectedVersion != 0 && old.Version != expectedVersion {
		return Team{}, ErrStaleVersion
	}
	if err := db.setMembers(t, tm.ID, tm.Members); err != nil {
		return Team{}, err
	}
	tm.CreatedAt = old.CreatedAt
	if tm.UpdatedAt.IsZero() {
		tm.UpdatedAt = db.now()
	}
	tm.Version = old.Version + 1
	row := cloneTeam(&tm)
	t.teams[tm.ID] = &row
	return t.teamOut(&row, true), nil
}

// DeleteTeam deletes the team and its memberships. expectedVersion works
// as in UpdateAccount.
func (db *DB) DeleteTeam(tenantID, id string, expectedVersion int64) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	t := db.tables(tenantID)
	tm := t.teams[id]
	if tm == nil {
		return ErrNoRows
	}
	if expectedVersion != 0 && tm.Version != expectedVersion {
		return ErrStaleVersion
	}
	for m := range t.members[id] {
		delete(t.teamsOf[m], id)
	}
	delete(t.members, id)
	t.dropMember(TeamMember{ID: id, IsTeam: true}, db.now())
	delete(t.teams, id)
	t.teamOrder = slices.DeleteFunc(t.teamOrder, func(x string) bool { return x == id })
	return nil
}
