package bench

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
)

// The floor is the baseline every figure is compared with: a hand-written
// net/http + encoding/json server doing the minimum per request, over a
// floorBackend (a map in memory, or database/sql: sqlfloor.go). It handles
// exactly the requests the benchmarks send: Entra's userName eq lookup, GET
// by id, POST /Users, Entra's user PATCH (replace of active, name parts,
// the work email and the enterprise department, applied naively to the
// decoded document), list pages by startIndex and count, POST /Groups and
// membership PATCH (add members, remove members[value eq "…"]).

// bareName, bareEmail, bareMeta, bareEnterprise and bareUser are the plain
// structs of the floor, encoded with encoding/json.
type bareName struct {
	Formatted  string `json:"formatted"`
	FamilyName string `json:"familyName"`
	GivenName  string `json:"givenName"`
}

type bareEmail struct {
	Value   string `json:"value"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

type bareMeta struct {
	ResourceType string    `json:"resourceType"`
	Created      time.Time `json:"created"`
	LastModified time.Time `json:"lastModified"`
	Location     string    `json:"location,omitempty"`
	Version      string    `json:"version"`
}

type bareEnterprise struct {
	Department string `json:"department,omitempty"`
}

type bareUser struct {
	Schemas    []string        `json:"schemas"`
	ID         string          `json:"id"`
	UserName   string          `json:"userName"`
	Name       bareName        `json:"name"`
	Emails     []bareEmail     `json:"emails"`
	Active     bool            `json:"active"`
	Enterprise *bareEnterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta       bareMeta        `json:"meta"`
}

type bareList struct {
	Schemas      []string    `json:"schemas"`
	TotalResults int         `json:"totalResults"`
	ItemsPerPage int         `json:"itemsPerPage"`
	StartIndex   int         `json:"startIndex"`
	Resources    []*bareUser `json:"Resources"`
}

type bareGroup struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	Meta        bareMeta `json:"meta"`
}

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

var (
	userSchemas           = []string{resource.UserSchema}
	userEnterpriseSchemas = []string{resource.UserSchema, enterpriseURN}
	listSchemas           = []string{scim.ListResponseSchema}
	groupSchemas          = []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}
)

var (
	errFloorNotFound = errors.New("not found")
	errFloorConflict = errors.New("conflict")
)

// floorBackend is where the floor keeps its resources. Users returned are
// the caller's to change.
type floorBackend interface {
	lookup(ctx context.Context, lowerName string) (*bareUser, error) // nil, nil if none
	get(ctx context.Context, id string) (*bareUser, error)
	insert(ctx context.Context, u *bareUser) error
	// update reads the user, calls apply on it and writes it back with
	// the next version.
	update(ctx context.Context, id string, apply func(*bareUser) error) (*bareUser, error)
	// page returns count users from the 1-based position start, in
	// creation order, and the number of users.
	page(ctx context.Context, start, count int) ([]*bareUser, int, error)
	createGroup(ctx context.Context, g *bareGroup) error
	patchMembers(ctx context.Context, groupID string, add, remove []string) (version string, err error)
}

// floor is the floor's HTTP handler over a backend.
type floor struct {
	b floorBackend
}

// toBare is the floor's user of a data set user.
func toBare(u *User, version string) *bareUser {
	return &bareUser{
		Schemas:  userSchemas,
		ID:       u.ID,
		UserName: u.UserName,
		Name:     bareName{Formatted: u.GivenName + " " + u.FamilyName, FamilyName: u.FamilyName, GivenName: u.GivenName},
		Emails:   []bareEmail{{Value: u.Email, Type: "work", Primary: true}},
		Active:   true,
		Meta:     bareMeta{ResourceType: "User", Created: u.Created, LastModified: u.Modified, Version: `W/"` + version + `"`},
	}
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// withLocation sets meta.location of u, a copy the caller owns.
func withLocation(u *bareUser) *bareUser {
	u.Meta.Location = BaseURL + "/Users/" + u.ID
	return u
}

// floorError writes a SCIM error body.
func floorError(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": strconv.Itoa(status), "detail": detail})
	w.Write(b)
}

func (s *floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !authorized(r) {
		floorError(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	ctx := r.Context()
	var status int
	var body any
	var err error
	switch id, ok := strings.CutPrefix(r.URL.Path, "/Users/"); {
	case ok && r.Method == http.MethodGet:
		status, body, err = s.getUser(ctx, id)
	case ok && r.Method == http.MethodPatch:
		status, body, err = s.patchUser(ctx, r, id)
	case r.URL.Path == "/Users" && r.Method == http.MethodGet:
		status, body, err = s.listUsers(ctx, r)
	case r.URL.Path == "/Users" && r.Method == http.MethodPost:
		status, body, err = s.createUser(ctx, r)
	case r.URL.Path == "/Groups" && r.Method == http.MethodPost:
		status, body, err = s.createGroup(ctx, r)
	case strings.HasPrefix(r.URL.Path, "/Groups/") && r.Method == http.MethodPatch:
		s.patchGroup(ctx, w, r, strings.TrimPrefix(r.URL.Path, "/Groups/"))
		return
	default:
		floorError(w, http.StatusNotFound, "not found")
		return
	}
	switch {
	case errors.Is(err, errFloorNotFound):
		floorError(w, http.StatusNotFound, "not found")
		return
	case errors.Is(err, errFloorConflict):
		floorError(w, http.StatusConflict, "userName taken")
		return
	case err != nil && status == 0:
		floorError(w, http.StatusInternalServerError, err.Error())
		return
	case err != nil:
		floorError(w, status, err.Error())
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		floorError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	w.Write(b)
}

func (s *floor) getUser(ctx context.Context, id string) (int, any, error) {
	u, err := s.b.get(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, withLocation(u), nil
}

func (s *floor) listUsers(ctx context.Context, r *http.Request) (int, any, error) {
	q := r.URL.Query()
	l := bareList{Schemas: listSchemas, StartIndex: 1, Resources: []*bareUser{}}
	if f := q.Get("filter"); f != "" {
		// The only filter handled: userName eq "<value>", what Entra sends.
		attr, rest, _ := strings.Cut(f, " ")
		op, val, _ := strings.Cut(rest, " ")
		if !strings.EqualFold(attr, "userName") || !strings.EqualFold(op, "eq") || len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
			return http.StatusBadRequest, nil, errors.New("unsupported filter")
		}
		u, err := s.b.lookup(ctx, strings.ToLower(val[1:len(val)-1]))
		if err != nil {
			return 0, nil, err
		}
		if u != nil {
			l.Resources = append(l.Resources, withLocation(u))
		}
		l.TotalResults, l.ItemsPerPage = len(l.Resources), len(l.Resources)
		return http.StatusOK, &l, nil
	}
	start, count := 1, 100
	if v, err := strconv.Atoi(q.Get("startIndex")); err == nil && v > 1 {
		start = v
	}
	if v, err := strconv.Atoi(q.Get("count")); err == nil && v >= 0 {
		count = min(v, 1000)
	}
	users, total, err := s.b.page(ctx, start, count)
	if err != nil {
		return 0, nil, err
	}
	for _, u := range users {
		l.Resources = append(l.Resources, withLocation(u))
	}
	l.TotalResults, l.ItemsPerPage, l.StartIndex = total, len(l.Resources), start
	return http.StatusOK, &l, nil
}

// userIn is the body of POST /Users the floor reads.
type userIn struct {
	UserName string      `json:"userName"`
	Name     bareName    `json:"name"`
	Emails   []bareEmail `json:"emails"`
	Active   *bool       `json:"active"`
}

func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func (s *floor) createUser(ctx context.Context, r *http.Request) (int, any, error) {
	var in userIn
	if err := readJSON(r, &in); err != nil || in.UserName == "" {
		return http.StatusBadRequest, nil, errors.New("bad user")
	}
	now := time.Now().UTC()
	u := &bareUser{Schemas: userSchemas, ID: newUUID(), UserName: in.UserName, Name: in.Name, Emails: in.Emails,
		Active: in.Active == nil || *in.Active, Meta: bareMeta{ResourceType: "User", Created: now, LastModified: now, Version: `W/"1"`}}
	if u.Emails == nil {
		u.Emails = []bareEmail{}
	}
	if err := s.b.insert(ctx, u); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, withLocation(u), nil
}

// patchOp is one operation of a PatchOp body.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

type patchBody struct {
	Operations []patchOp `json:"Operations"`
}

// stringValue reads a JSON string value.
func stringValue(v json.RawMessage) (string, error) {
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// applyUserOp applies one of Entra's user operations to u, naively: a
// switch on the paths Entra sends.
func applyUserOp(u *bareUser, op patchOp) error {
	if !strings.EqualFold(op.Op, "replace") && !strings.EqualFold(op.Op, "add") {
		return fmt.Errorf("unsupported op %q", op.Op)
	}
	switch strings.ToLower(op.Path) {
	case "active":
		var b bool
		if err := json.Unmarshal(op.Value, &b); err != nil {
			s, err := stringValue(op.Value)
			if err != nil {
				return err
			}
			if b, err = strconv.ParseBool(s); err != nil {
				return err
			}
		}
		u.Active = b
	case "name.givenname":
		s, err := stringValue(op.Value)
		if err != nil {
			return err
		}
		u.Name.GivenName = s
	case "name.familyname":
		s, err := stringValue(op.Value)
		if err != nil {
			return err
		}
		u.Name.FamilyName = s
	case `emails[type eq "work"].value`:
		s, err := stringValue(op.Value)
		if err != nil {
			return err
		}
		emails := make([]bareEmail, 0, len(u.Emails)+1)
		found := false
		for _, e := range u.Emails {
			if e.Type == "work" {
				e.Value, found = s, true
			}
			emails = append(emails, e)
		}
		if !found {
			emails = append(emails, bareEmail{Value: s, Type: "work"})
		}
		u.Emails = emails
	case strings.ToLower(enterpriseURN) + ":department":
		s, err := stringValue(op.Value)
		if err != nil {
			return err
		}
		u.Enterprise = &bareEnterprise{Department: s}
		u.Schemas = userEnterpriseSchemas
	default:
		return fmt.Errorf("unsupported path %q", op.Path)
	}
	return nil
}

// nextVersion is the weak ETag after v (W/"n").
func nextVersion(v string) string {
	n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(v, `W/"`), `"`))
	return `W/"` + strconv.Itoa(n+1) + `"`
}

func (s *floor) patchUser(ctx context.Context, r *http.Request, id string) (int, any, error) {
	var p patchBody
	if err := readJSON(r, &p); err != nil {
		return http.StatusBadRequest, nil, err
	}
	u, err := s.b.update(ctx, id, func(u *bareUser) error {
		for _, op := range p.Operations {
			if err := applyUserOp(u, op); err != nil {
				return err
			}
		}
		u.Meta.LastModified = time.Now().UTC()
		u.Meta.Version = nextVersion(u.Meta.Version)
		return nil
	})
	if err != nil {
		if !errors.Is(err, errFloorNotFound) {
			return http.StatusBadRequest, nil, err
		}
		return 0, nil, err
	}
	return http.StatusOK, withLocation(u), nil
}

func (s *floor) createGroup(ctx context.Context, r *http.Request) (int, any, error) {
	var in struct {
		DisplayName string `json:"displayName"`
	}
	if err := readJSON(r, &in); err != nil || in.DisplayName == "" {
		return http.StatusBadRequest, nil, errors.New("bad group")
	}
	now := time.Now().UTC()
	g := &bareGroup{Schemas: groupSchemas, ID: newUUID(), DisplayName: in.DisplayName,
		Meta: bareMeta{ResourceType: "Group", Created: now, LastModified: now, Version: `W/"1"`}}
	if err := s.b.createGroup(ctx, g); err != nil {
		return 0, nil, err
	}
	g.Meta.Location = BaseURL + "/Groups/" + g.ID
	return http.StatusCreated, g, nil
}

// patchGroup answers Entra's membership PATCH: add members (a list of
// {"value": id}) and remove members[value eq "id"], 204 with the ETag.
func (s *floor) patchGroup(ctx context.Context, w http.ResponseWriter, r *http.Request, id string) {
	var p patchBody
	if err := readJSON(r, &p); err != nil {
		floorError(w, http.StatusBadRequest, err.Error())
		return
	}
	var add, remove []string
	for _, op := range p.Operations {
		switch {
		case strings.EqualFold(op.Op, "add") && strings.EqualFold(op.Path, "members"):
			var ms []struct {
				Value string `json:"value"`
			}
			if err := json.Unmarshal(op.Value, &ms); err != nil {
				floorError(w, http.StatusBadRequest, err.Error())
				return
			}
			for _, m := range ms {
				add = append(add, m.Value)
			}
		case strings.EqualFold(op.Op, "remove"):
			v, ok := strings.CutPrefix(op.Path, `members[value eq "`)
			if !ok || !strings.HasSuffix(v, `"]`) {
				floorError(w, http.StatusBadRequest, "unsupported path")
				return
			}
			remove = append(remove, strings.TrimSuffix(v, `"]`))
		default:
			floorError(w, http.StatusBadRequest, "unsupported operation")
			return
		}
	}
	v, err := s.b.patchMembers(ctx, id, add, remove)
	switch {
	case errors.Is(err, errFloorNotFound):
		floorError(w, http.StatusNotFound, "not found")
	case err != nil:
		floorError(w, http.StatusInternalServerError, err.Error())
	default:
		w.Header().Set("ETag", v)
		w.WriteHeader(http.StatusNoContent)
	}
}

// memFloor is the floor's in-memory backend: maps and a slice in creation
// order under one lock.
type memFloor struct {
	mu      sync.RWMutex
	byName  map[string]*bareUser // keyed by lower-cased userName
	byID    map[string]*bareUser
	order   []*bareUser
	groups  map[string]*bareGroup
	members map[string]map[string]struct{}
}

func newMemFloor() *memFloor {
	return &memFloor{byName: map[string]*bareUser{}, byID: map[string]*bareUser{}, groups: map[string]*bareGroup{}, members: map[string]map[string]struct{}{}}
}

// NewBare returns the floor over memory, loaded with d (the versions
// recorded in d by NewScimkit).
func NewBare(d *Dataset) http.Handler {
	m := newMemFloor()
	for i := range d.Users {
		m.insert(context.Background(), toBare(&d.Users[i], d.Users[i].Version))
	}
	return &floor{b: m}
}

// NewMemFloor returns the floor over memory, empty, and a function that
// loads users into it.
func NewMemFloor() (http.Handler, func([]User) error) {
	m := newMemFloor()
	return &floor{b: m}, func(us []User) error {
		for i := range us {
			if err := m.insert(context.Background(), toBare(&us[i], "1")); err != nil {
				return err
			}
		}
		return nil
	}
}

// copyUser is a copy of u that shares no slice the copy may change.
func copyUser(u *bareUser) *bareUser {
	c := *u
	c.Emails = append([]bareEmail(nil), u.Emails...)
	if u.Enterprise != nil {
		e := *u.Enterprise
		c.Enterprise = &e
	}
	return &c
}

func (m *memFloor) lookup(_ context.Context, name string) (*bareUser, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if u := m.byName[name]; u != nil {
		c := *u // the handler changes only meta.location
		return &c, nil
	}
	return nil, nil
}

func (m *memFloor) get(_ context.Context, id string) (*bareUser, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if u := m.byID[id]; u != nil {
		c := *u
		return &c, nil
	}
	return nil, errFloorNotFound
}

func (m *memFloor) insert(_ context.Context, u *bareUser) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := strings.ToLower(u.UserName)
	if m.byName[key] != nil || m.byID[u.ID] != nil {
		return errFloorConflict
	}
	c := copyUser(u)
	m.byName[key], m.byID[u.ID] = c, c
	m.order = append(m.order, c)
	return nil
}

func (m *memFloor) update(_ context.Context, id string, apply func(*bareUser) error) (*bareUser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.byID[id]
	if old == nil {
		return nil, errFloorNotFound
	}
	u := copyUser(old)
	if err := apply(u); err != nil {
		return nil, err
	}
	*old = *u // the slice and the maps point at old
	c := *u
	return &c, nil
}

func (m *memFloor) page(_ context.Context, start, count int) ([]*bareUser, int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	lo := min(start-1, len(m.order))
	hi := min(lo+count, len(m.order))
	out := make([]*bareUser, 0, hi-lo)
	for _, u := range m.order[lo:hi] {
		c := *u
		out = append(out, &c)
	}
	return out, len(m.order), nil
}

func (m *memFloor) createGroup(_ context.Context, g *bareGroup) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *g
	m.groups[g.ID] = &c
	m.members[g.ID] = map[string]struct{}{}
	return nil
}

func (m *memFloor) patchMembers(_ context.Context, id string, add, remove []string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[id]
	if g == nil {
		return "", errFloorNotFound
	}
	ms := m.members[id]
	for _, a := range add {
		if m.byID[a] == nil {
			return "", fmt.Errorf("no user %q", a)
		}
		ms[a] = struct{}{}
	}
	for _, r := range remove {
		delete(ms, r)
	}
	g.Meta.Version = nextVersion(g.Meta.Version)
	g.Meta.LastModified = time.Now().UTC()
	return g.Meta.Version, nil
}
