package scimtest

import (
	"context"
	"net/http"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
)

// ConnectionTarget serves cfg.Store through a scim.Server authenticated by
// scim.ConnectionAuth over a connection.Manager on
// connection.NewMemoryStore that holds c, saved enabled, and returns a
// Target in process with a token issued for it. cfg.Authenticate is
// replaced; the rest of cfg is used as given.
func ConnectionTarget(t *testing.T, c connection.Connection, cfg scim.Config) Target {
	t.Helper()
	m := connection.NewManager(connection.NewMemoryStore(), connection.Options{})
	c.Enabled = true
	if _, err := m.Save(context.Background(), c); err != nil {
		t.Fatalf("scimtest: saving the connection: %v", err)
	}
	secret, _, err := m.Issue(context.Background(), c.Tenant, "scimtest")
	if err != nil {
		t.Fatalf("scimtest: issuing a token: %v", err)
	}
	cfg.Authenticate = scim.ConnectionAuth(m, scim.ConnectionAuthOptions{Logger: cfg.Logger})
	srv, err := scim.New(cfg)
	if err != nil {
		t.Fatalf("scimtest: scim.New: %v", err)
	}
	return Target{Handler: srv, Token: secret}
}

// Deprovisioned is what [EntraDeprovision] did: the user it deleted, the
// group that user was a member of, and the user it created again with the
// same userName and externalId.
type Deprovisioned struct {
	// ID, UserName and ExternalID are the deleted user's.
	ID, UserName, ExternalID string
	// GroupID is the group the deleted user was a member of, with
	// OtherMember, which stays.
	GroupID, OtherMember string
	// Recreated is the id of the user created again.
	Recreated string
}

// EntraDeprovision replays the end of a user's life in Microsoft Entra
// ID and its return: the user is provisioned and added to a group, soft
// deleted (PATCH active "False"), hard deleted 30 days later (DELETE
// /Users/{id}, 204), and assigned again later, when Entra creates it anew
// with the same userName and externalId (201). It checks what the
// identity provider must see whatever the connection's DELETE policy: the
// deleted user is 404 to GET, PATCH and a second DELETE, matches no
// userName, externalId or id filter, is in no list and no group, and its
// userName is free again. It returns the ids, so that a test can check
// what the app kept.
func EntraDeprovision(t *testing.T, target Target) Deprovisioned {
	t.Helper()
	c := newClient(realT{t}, target)
	c.strictCT = true
	e := &entra{flow: flow{t: realT{t}, c: c}}
	return e.deprovision()
}

func (e *entra) deprovision() Deprovisioned {
	e.t.Helper()
	v, id := e.newUser()
	_, other := e.newUser()
	d := Deprovisioned{ID: id, UserName: v["userName"].(string), ExternalID: v["externalId"].(string), OtherMember: other}
	_, _, d.GroupID = e.createGroup("POST /Groups", e.fx("create_group", vars{"displayName": "scimtest entra " + suffix(), "externalId": guid()}))
	e.groupPatch("PATCH add members", d.GroupID, e.fx("add_members", vars{"member1": id, "member2": other}))
	e.members("before the delete", d.GroupID, id, other)

	e.patch("PATCH disable", "/Users/"+id, e.fx("disable_user", nil), func(r *response, what string, obj map[string]any) {
		e.fields(r, what, obj, "active", "false")
	})
	e.del("DELETE /Users/{id}", "/Users/"+id)

	r, l := e.lookup("match by userName after delete", "userName", d.UserName)
	e.none(r, "match by userName after delete", l)
	r, l = e.lookup("match by externalId after delete", "externalId", d.ExternalID)
	e.none(r, "match by externalId after delete", l)
	r, l = e.lookup("id filter after delete", "id", id)
	e.none(r, "id filter after delete", l)
	r = e.send("GET", "/Users", query("startIndex", "1", "count", "1000"), nil)
	for _, got := range e.list(r, "list after delete").ids() {
		if got == id {
			e.t.Errorf("list after delete: %s\n  expected the deleted user %s to be absent", r, id)
		}
	}
	e.members("after the delete", d.GroupID, other)
	r = e.send("PATCH", "/Users/"+id, "", e.fx("enable_user", nil))
	e.status(r, "PATCH the deleted user", http.StatusNotFound)
	r = e.send("DELETE", "/Users/"+id, "", nil)
	e.status(r, "DELETE the deleted user again", http.StatusNotFound)

	// Assigned again: Entra matches by userName (nothing) and creates.
	r, l = e.lookup("match by userName before re-create", "userName", d.UserName)
	e.none(r, "match by userName before re-create", l)
	_, _, d.Recreated = e.createUser("POST /Users again", e.fx("create_user", v))
	if d.Recreated == id {
		e.t.Errorf("POST /Users again: the new user has the deleted user's id %q", id)
	}
	r, l = e.lookup("match by userName after re-create", "userName", d.UserName)
	e.findOne(r, "match by userName after re-create", l, d.Recreated)
	r, l = e.lookup("match by externalId after re-create", "externalId", d.ExternalID)
	e.findOne(r, "match by externalId after re-create", l, d.Recreated)
	return d
}
