package bench

import (
	"context"
	"crypto/subtle"
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

// NewScimkitOn returns the library's server over st, authenticating with
// scim.Tokens, with the same base URL as the other servers. It loads
// nothing: see LoadStore.
func NewScimkitOn(st store.Store) (http.Handler, error) {
	var tokens scim.Tokens
	tokens.Add(Token, Tenant)
	return scim.New(scim.Config{
		Store:        st,
		Authenticate: tokens.Authenticate,
		BaseURL:      func(*http.Request) string { return BaseURL },
	})
}

// StoreUser is u as the library's resource.
func StoreUser(u *User) *resource.User {
	active, primary := true, true
	return &resource.User{
		ID:       u.ID,
		UserName: u.UserName,
		Name:     &resource.Name{GivenName: u.GivenName, FamilyName: u.FamilyName, Formatted: u.GivenName + " " + u.FamilyName},
		Active:   &active,
		Emails:   []resource.MultiValue{{Value: u.Email, Type: "work", Primary: &primary}},
		Meta:     resource.Meta{Created: u.Created, LastModified: u.Modified},
	}
}

// LoadStore creates users in st through the store interface, in the bench
// tenant. If inTx is not nil, it runs each batch of 500 creates in one
// call of it (sqlstore's InTx), so that a SQL store is loaded in a few
// hundred transactions instead of one per user.
func LoadStore(st store.Store, inTx func(context.Context, func(context.Context) error) error, users []User) error {
	ctx := store.WithTenant(context.Background(), Tenant)
	const batch = 500
	for i := 0; i < len(users); i += batch {
		chunk := users[i:min(i+batch, len(users))]
		load := func(ctx context.Context) error {
			for j := range chunk {
				if _, err := st.CreateUser(ctx, StoreUser(&chunk[j])); err != nil {
					return fmt.Errorf("bench: loading user %d: %w", i+j, err)
				}
			}
			return nil
		}
		var err error
		if inTx != nil {
			err = inTx(ctx, load)
		} else {
			err = load(ctx)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
