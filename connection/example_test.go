package connection_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/scimkit/scim/connection"
)

// An admin enables SCIM for a tenant, generates a Secret Token for the
// IdP, rotates it and revokes the old one.
func Example() {
	ctx := context.Background()
	m := connection.NewManager(connection.NewMemoryStore(), connection.Options{})
	if _, err := m.Save(ctx, connection.Connection{Tenant: "acme", Enabled: true, Profile: connection.Entra}); err != nil {
		panic(err)
	}
	old, oldTok, err := m.Issue(ctx, "acme", "Entra")
	if err != nil {
		panic(err)
	}
	// Show old once; only its hash is kept.
	c, _, err := m.Verify(ctx, old)
	fmt.Println(c.Tenant, c.Profile, err)

	fresh, _, _ := m.Issue(ctx, "acme", "Entra, rotated")
	_ = m.Revoke(ctx, "acme", oldTok.ID)
	_, _, err = m.Verify(ctx, old)
	fmt.Println("old:", errors.Is(err, connection.ErrUnknownToken))
	_, _, err = m.Verify(ctx, fresh)
	fmt.Println("new:", err)
	// Output:
	// acme entra <nil>
	// old: true
	// new: <nil>
}
