package event_test

import (
	"context"
	"fmt"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
)

// An app ends the sessions of a user its IdP deactivates, from the event
// rather than from its store code.
func Example() {
	ctx := context.Background()
	log := event.NewLog(event.LogOptions{})
	log.Subscribe(event.HandlerFunc(func(ctx context.Context, e event.Event) error {
		switch e.Type {
		case event.UserDeactivated, event.UserDeleted:
			fmt.Printf("end the sessions of %s in %s (%s)\n", e.ResourceID, e.Tenant, e.Type)
		}
		return nil
	}))

	on, off := true, false
	before := &resource.User{ID: "u1", UserName: "ada@contoso.com", Active: &on, Meta: resource.Meta{Version: "1"}}
	after := &resource.User{ID: "u1", UserName: "ada@contoso.com", Active: &off, Meta: resource.Meta{Version: "2"}}
	evs, err := event.UserEvents(event.Event{Tenant: "contoso", Request: "r-42", Method: "PATCH", Profile: "entra"}, before, after)
	if err != nil {
		panic(err)
	}
	if err := log.Append(ctx, evs...); err != nil {
		panic(err)
	}

	// A reconciliation job polls the same events by cursor.
	page, _, err := log.After(ctx, "contoso", "", 100)
	if err != nil {
		panic(err)
	}
	for _, e := range page {
		fmt.Println(e.Type, e.ResourceID, e.Version, e.URI(false))
	}
	// Output:
	// end the sessions of u1 in contoso (user.deactivated)
	// user.deactivated u1 2 urn:ietf:params:scim:event:prov:deactivate
}
