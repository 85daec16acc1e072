package bench

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// Constants shared by the three servers, so that they answer the same
// request with the same content.
const (
	// Token is the bearer token every server accepts (Entra's Secret Token).
	Token = "bench-secret-token"
	// Tenant is the tenant Token maps to in the scimkit server.
	Tenant = "contoso"
	// BaseURL is the base every server uses for meta.location.
	BaseURL = "https://app.example.com/scim/v2"
)

// User is one user of the data set, in plain fields from which each
// server builds its own representation.
type User struct {
	ID         string
	UserName   string
	GivenName  string
	FamilyName string
	Email      string
	Created    time.Time
	Modified   time.Time
	// Version is the version the memory store assigned when the scimkit
	// server was loaded; the other servers report the same one.
	Version string
}

// Dataset is the users every server is loaded with.
type Dataset struct {
	Users []User
}

var givenNames = []string{"Adele", "Alex", "Diego", "Grady", "Isaiah", "Johanna", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Patti", "Pradeep"}
var familyNames = []string{"Vance", "Wilber", "Siciliani", "Archie", "Langer", "Lorenz", "Gu", "Holloway", "Robbins", "Bowen", "Graham", "Wilke", "Fernandez", "Gupta"}

// NewDataset returns n users with deterministic, distinct ids (random
// version 4 UUIDs from a fixed seed) and userNames of the form
// "Given.Family<n>@contoso.com", as Entra sends user principal names.
func NewDataset(n int) *Dataset {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	d := &Dataset{Users: make([]User, n)}
	for i := range d.Users {
		g, f := givenNames[i%len(givenNames)], familyNames[(i/len(givenNames))%len(familyNames)]
		name := fmt.Sprintf("%s.%s%06d@contoso.com", g, f, i)
		created := base.Add(time.Duration(i) * time.Second)
		d.Users[i] = User{
			ID:         RandomUUID(rng),
			UserName:   name,
			GivenName:  g,
			FamilyName: f,
			Email:      strings.ToLower(name),
			Created:    created,
			Modified:   created.Add(time.Hour),
		}
	}
	return d
}

// RandomUUID returns a version 4 UUID drawn from rng.
func RandomUUID(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// authorized reports whether r carries the bench bearer token; the bare and
// elimity servers check it the way a hand-written server would.
func authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(h[len(prefix):]), []byte(Token)) == 1
}

// NewScimkit returns the library's server over a memory store loaded with
// d, authenticating with scim.Tokens. It records in d the version the store
// assigned to each user, so load it before building the other servers.
func NewScimkit(d *Dataset) (http.Handler, error) {
	st := memory.New()
	ctx := store.WithTenant(context.Background(), Tenant)
	active, primary := true, true
	for i := range d.Users {
		u := &d.Users[i]
		out, err := st.CreateUser(ctx, &resource.User{
			ID:       u.ID,
			UserName: u.UserName,
			Name:     &resource.Name{GivenName: u.GivenName, FamilyName: u.FamilyName, Formatted: u.GivenName + " " + u.FamilyName},
			Active:   &active,
			Emails:   []resource.MultiValue{{Value: u.Email, Type: "work", Primary: &primary}},
			Meta:     resource.Meta{Created: u.Created, LastModified: u.Modified},
		})
		if err != nil {
			return nil, fmt.Errorf("bench: loading user %d: %w", i, err)
		}
		u.Version = out.Meta.Version
	}
	var tokens scim.Tokens
	tokens.Add(Token, Tenant)
	return scim.New(scim.Config{
		Store:        st,
		Authenticate: tokens.Authenticate,
		BaseURL:      func(*http.Request) string { return BaseURL },
	})
}

// bareName, bareEmail, bareMeta and bareUser are the plain structs of the
// hand-written server, encoded with encoding/json.
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
	Location     string    `json:"location"`
	Version      string    `json:"version"`
}

type bareUser struct {
	Schemas  []string    `json:"schemas"`
	ID       string      `json:"id"`
	UserName string      `json:"userName"`
	Name     bareName    `json:"name"`
	Emails   []bareEmail `json:"emails"`
	Active   bool        `json:"active"`
	Meta     bareMeta    `json:"meta"`
}

type bareList struct {
	Schemas      []string    `json:"schemas"`
	TotalResults int         `json:"totalResults"`
	ItemsPerPage int         `json:"itemsPerPage"`
	StartIndex   int         `json:"startIndex"`
	Resources    []*bareUser `json:"Resources"`
}

var (
	userSchemas = []string{resource.UserSchema}
	listSchemas = []string{scim.ListResponseSchema}
)

// bareServer is the baseline: net/http, strings functions, two maps and
// encoding/json, with no SCIM machinery beyond the one filter Entra sends.
type bareServer struct {
	byName map[string]*bareUser // keyed by lower-cased userName
	byID   map[string]*bareUser
}

// NewBare returns the hand-written baseline server loaded with d.
func NewBare(d *Dataset) http.Handler {
	s := &bareServer{byName: make(map[string]*bareUser, len(d.Users)), byID: make(map[string]*bareUser, len(d.Users))}
	for _, u := range d.Users {
		bu := &bareUser{
			Schemas:  userSchemas,
			ID:       u.ID,
			UserName: u.UserName,
			Name:     bareName{Formatted: u.GivenName + " " + u.FamilyName, FamilyName: u.FamilyName, GivenName: u.GivenName},
			Emails:   []bareEmail{{Value: u.Email, Type: "work", Primary: true}},
			Active:   true,
			Meta:     bareMeta{ResourceType: "User", Created: u.Created, LastModified: u.Modified, Version: `W/"` + u.Version + `"`},
		}
		s.byName[strings.ToLower(u.UserName)] = bu
		s.byID[u.ID] = bu
	}
	return s
}

// withLocation returns a copy of u with meta.location set.
func withLocation(u *bareUser) *bareUser {
	c := *u
	c.Meta.Location = BaseURL + "/Users/" + u.ID
	return &c
}

func (s *bareServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !authorized(r) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var body any
	switch id, ok := strings.CutPrefix(r.URL.Path, "/Users/"); {
	case ok:
		u := s.byID[id]
		if u == nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		body = withLocation(u)
	case r.URL.Path == "/Users":
		// The only filter handled: userName eq "<value>", what Entra sends.
		attr, rest, _ := strings.Cut(r.URL.Query().Get("filter"), " ")
		op, val, _ := strings.Cut(rest, " ")
		if !strings.EqualFold(attr, "userName") || !strings.EqualFold(op, "eq") || len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
			http.Error(w, "unsupported filter", http.StatusBadRequest)
			return
		}
		l := bareList{Schemas: listSchemas, StartIndex: 1, Resources: []*bareUser{}}
		if u := s.byName[strings.ToLower(val[1:len(val)-1])]; u != nil {
			l.Resources = append(l.Resources, withLocation(u))
		}
		l.TotalResults, l.ItemsPerPage = len(l.Resources), len(l.Resources)
		body = &l
	default:
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.Write(b)
}
