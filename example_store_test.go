package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// accountsStore is an app's own store: it keeps the SCIM directory in a
// library store and mirrors every user into the app's accounts, so that
// the app reacts to provisioning (send no invitation, enable or disable
// logins). A store that maps SCIM onto the app's own tables instead
// implements every method of store.Users and store.Groups itself; see
// examples/saas/scimstore.go, which passes storetest.Run.
type accountsStore struct {
	store.Store                      // everything not overridden
	accounts    map[string]bool      // the app's table: email -> can log in
	log         func(string, ...any) // the app's audit log
}

func (s *accountsStore) CreateUser(ctx context.Context, u *resource.User) (*resource.User, error) {
	created, err := s.Store.CreateUser(ctx, u)
	if err == nil {
		s.accounts[created.UserName] = created.IsActive()
		s.log("tenant %q: account %s created, active=%v", store.TenantFrom(ctx), created.UserName, created.IsActive())
	}
	return created, err
}

func (s *accountsStore) ReplaceUser(ctx context.Context, u *resource.User, version string) (*resource.User, error) {
	replaced, err := s.Store.ReplaceUser(ctx, u, version)
	if err == nil {
		s.accounts[replaced.UserName] = replaced.IsActive()
		s.log("tenant %q: account %s updated, active=%v", store.TenantFrom(ctx), replaced.UserName, replaced.IsActive())
	}
	return replaced, err
}

// Wrap a store to mirror provisioned users into the app's own accounts.
// The tenant the token maps to reaches the store in the context.
func Example_customStore() {
	st := &accountsStore{Store: memory.New(), accounts: map[string]bool{}, log: func(f string, a ...any) { fmt.Printf(f+"\n", a...) }}
	var tokens scim.Tokens
	tokens.Add("t0ken", "acme")
	srv, _ := scim.New(scim.Config{Store: st, Authenticate: tokens.Authenticate})

	send := func(method, path, body string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t0ken")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Code
	}
	// Okta creates the user, then deactivates it with a PUT (AIW apps).
	fmt.Println(send(http.MethodPost, "/Users", `{"userName":"ada@acme.test","active":true}`))
	var id string
	for _, u := range mustList(st) {
		id = u.ID
	}
	fmt.Println(send(http.MethodPut, "/Users/"+id, `{"userName":"ada@acme.test","active":false}`))
	fmt.Println(st.accounts)
	// Output:
	// tenant "acme": account ada@acme.test created, active=true
	// 201
	// tenant "acme": account ada@acme.test updated, active=false
	// 200
	// map[ada@acme.test:false]
}

func mustList(s store.Store) []*resource.User {
	l, err := s.ListUsers(store.WithTenant(context.Background(), "acme"), store.Page{StartIndex: 1, Count: 10})
	if err != nil {
		panic(err)
	}
	return l.Resources
}
