package event_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/resource"
)

const enterprise = resource.EnterpriseUserSchema

var (
	when = time.Date(2026, 5, 14, 15, 23, 38, 0, time.UTC)
	// base is what the handler knows of the request.
	base = event.Event{Tenant: "acme", Request: "req-1", Method: "PATCH", Profile: "entra", Time: when}
	// ignoreID leaves out what is random (ID) or checked apart (Resource).
	ignoreID = cmpopts.IgnoreFields(event.Event{}, "ID", "Resource")
)

func ptr[T any](v T) *T { return &v }

// entraUser is a user as Entra creates it (POST /Users), as the store
// returned it.
func entraUser() *resource.User {
	return &resource.User{
		ID:          "u1",
		ExternalID:  "0a21f0f2-8d2a-4f8e-bf98-7e7b0f0e5c11",
		UserName:    "ada@contoso.com",
		DisplayName: "Ada Lovelace",
		Name:        &resource.Name{GivenName: "Ada", FamilyName: "Lovelace"},
		Active:      ptr(true),
		Emails:      []resource.MultiValue{{Value: "ada@contoso.com", Type: "work", Primary: ptr(true)}, {Value: "ada@home.example", Type: "home"}},
		Enterprise:  &resource.EnterpriseUser{Department: "Engineering", Manager: &resource.Manager{Value: "u9"}},
		Meta:        resource.Meta{Version: "1"},
	}
}

func with(u *resource.User, version string, change func(*resource.User)) *resource.User {
	c := u.Clone()
	change(c)
	c.Meta.Version = version
	return c
}

func userEvents(t *testing.T, before, after *resource.User) []event.Event {
	t.Helper()
	evs, err := event.UserEvents(base, before, after)
	assert.NoError(t, err)
	return evs
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestUserEventsCreate(t *testing.T) {
	u := entraUser()
	u.Password = "s3cret!"
	got := userEvents(t, nil, u)
	want := []event.Event{{
		Tenant: "acme", ResourceType: event.User, ResourceID: "u1", ExternalID: u.ExternalID,
		Type: event.UserCreated, Time: when, Request: "req-1", Method: "PATCH", Profile: "entra",
		Attributes: []string{"active", "displayName", "emails", "externalId", "name.familyName", "name.givenName", "password", "userName",
			enterprise + ":department", enterprise + ":manager.value"},
		Version: "1",
	}}
	assert.Equal(t, got, want, ignoreID)
	if !hex32.MatchString(got[0].ID) {
		t.Errorf("ID = %q, want 32 lowercase hex digits", got[0].ID)
	}
	// The resource is the user's JSON form, which round-trips and holds
	// no password.
	var back resource.User
	assert.NoError(t, json.Unmarshal(got[0].Resource, &back))
	u.Password = ""
	assert.Equal(t, &back, u)
}

func TestUserEventsActiveState(t *testing.T) {
	active := entraUser()
	inactive := with(active, "2", func(u *resource.User) { u.Active = ptr(false) })
	unassigned := with(active, "2", func(u *resource.User) { u.Active = nil })
	for _, tc := range []struct {
		name          string
		before, after *resource.User
		want          []event.Type
		attrs         []string // of the UserUpdated event, if any
	}{
		// Entra's deactivation: PATCH replace active false.
		{"true to false", active, inactive, []event.Type{event.UserDeactivated}, nil},
		// PATCH remove active leaves it unassigned, which is not active.
		{"true to unassigned", active, unassigned, []event.Type{event.UserDeactivated}, nil},
		{"false to true", inactive, with(inactive, "3", func(u *resource.User) { u.Active = ptr(true) }), []event.Type{event.UserReactivated}, nil},
		{"unassigned to true", unassigned, with(unassigned, "3", func(u *resource.User) { u.Active = ptr(true) }), []event.Type{event.UserReactivated}, nil},
		// No state change: neither is active. The attribute did change.
		{"unassigned to false", unassigned, with(unassigned, "3", func(u *resource.User) { u.Active = ptr(false) }), []event.Type{event.UserUpdated}, []string{"active"}},
		{"false to unassigned", inactive, with(inactive, "3", func(u *resource.User) { u.Active = nil }), []event.Type{event.UserUpdated}, []string{"active"}},
		// Okta AIW deactivates with a PUT that changes other attributes
		// too: the update comes first, then the state change.
		{"PUT with title and active false", active, with(active, "2", func(u *resource.User) { u.Active = ptr(false); u.Title = "Former" }),
			[]event.Type{event.UserUpdated, event.UserDeactivated}, []string{"title"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := userEvents(t, tc.before, tc.after)
			var types []event.Type
			for _, e := range got {
				types = append(types, e.Type)
				if e.Version != tc.after.Meta.Version || e.ResourceID != "u1" {
					t.Errorf("%s: version %q id %q, want %q u1", e.Type, e.Version, e.ResourceID, tc.after.Meta.Version)
				}
				if e.Type == event.UserUpdated {
					assert.Equal(t, e.Attributes, tc.attrs)
				} else if e.Attributes != nil {
					t.Errorf("%s has Attributes %q", e.Type, e.Attributes)
				}
			}
			assert.Equal(t, types, tc.want)
			if len(got) == 2 && got[0].ID == got[1].ID {
				t.Errorf("two events share the ID %s", got[0].ID)
			}
		})
	}
}

func TestUserEventsAttributes(t *testing.T) {
	before := entraUser()
	before.Extensions = map[string]json.RawMessage{"urn:acme:params:scim:schemas:2.0:Badge": json.RawMessage(`{"badge":"B-1","floor":3}`)}
	before.Extra = map[string]json.RawMessage{"costCentre": json.RawMessage(`"CC-1"`)}
	for _, tc := range []struct {
		name   string
		change func(*resource.User)
		want   []string
	}{
		{"given name", func(u *resource.User) { u.Name.GivenName = "Augusta" }, []string{"name.givenName"}},
		{"name removed", func(u *resource.User) { u.Name = nil }, []string{"name.familyName", "name.givenName"}},
		{"emails reordered is no change", func(u *resource.User) { u.Emails[0], u.Emails[1] = u.Emails[1], u.Emails[0] }, nil},
		{"one email's type", func(u *resource.User) { u.Emails[1].Type = "other" }, []string{"emails"}},
		{"primary false is a value", func(u *resource.User) { u.Emails[1].Primary = ptr(false) }, []string{"emails"}},
		{"enterprise department and manager", func(u *resource.User) {
			u.Enterprise.Department = "Research"
			u.Enterprise.Manager = nil
		}, []string{enterprise + ":department", enterprise + ":manager.value"}},
		{"enterprise extension added", func(u *resource.User) {
			u.Enterprise.CostCenter = "4130"
		}, []string{enterprise + ":costCenter"}},
		{"custom extension", func(u *resource.User) {
			u.Extensions["urn:acme:params:scim:schemas:2.0:Badge"] = json.RawMessage(`{ "floor": 3, "badge": "B-2" }`)
		}, []string{"urn:acme:params:scim:schemas:2.0:Badge:badge"}},
		{"custom extension re-spaced is no change", func(u *resource.User) {
			u.Extensions["urn:acme:params:scim:schemas:2.0:Badge"] = json.RawMessage(`{ "floor" : 3 , "badge" : "B-1" }`)
		}, nil},
		{"attribute no schema defines", func(u *resource.User) { u.Extra["costCentre"] = json.RawMessage(`"CC-2"`) }, []string{"costCentre"}},
		{"password", func(u *resource.User) { u.Password = "new" }, []string{"password"}},
		{"read-only groups and meta are no change", func(u *resource.User) {
			u.Groups = []resource.GroupRef{{Value: "g1", Display: "Engineers"}}
			u.Meta.LastModified = when
		}, nil},
		{"several", func(u *resource.User) {
			u.UserName = "ada.l@contoso.com"
			u.Name.FamilyName = "King"
			u.Enterprise.Department = ""
			u.PhoneNumbers = []resource.MultiValue{{Value: "+44 20 7946 0000", Type: "work"}}
		}, []string{"name.familyName", "phoneNumbers", "userName", enterprise + ":department"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := with(before, "2", tc.change)
			got := userEvents(t, before, after)
			if tc.want == nil {
				assert.Equal(t, len(got), 0)
				return
			}
			assert.Equal(t, got, []event.Event{{
				Tenant: "acme", ResourceType: event.User, ResourceID: "u1", ExternalID: before.ExternalID,
				Type: event.UserUpdated, Time: when, Request: "req-1", Method: "PATCH", Profile: "entra",
				Attributes: tc.want, Version: "2",
			}}, ignoreID)
			want, _ := json.Marshal(after)
			assert.JSONEqual(t, got[0].Resource, want)
		})
	}
}

func TestUserEventsDelete(t *testing.T) {
	b := base
	b.Method, b.Version, b.Resource = "DELETE", "stale", json.RawMessage(`{}`)
	got, err := event.UserEvents(b, entraUser(), nil)
	assert.NoError(t, err)
	assert.Equal(t, got, []event.Event{{
		Tenant: "acme", ResourceType: event.User, ResourceID: "u1", ExternalID: entraUser().ExternalID,
		Type: event.UserDeleted, Time: when, Request: "req-1", Method: "DELETE", Profile: "entra",
	}}, cmpopts.IgnoreFields(event.Event{}, "ID"))
}

func TestUserEventsTimeDefaultsToNow(t *testing.T) {
	b := base
	b.Time = time.Time{}
	start := time.Now()
	got, err := event.UserEvents(b, nil, entraUser())
	assert.NoError(t, err)
	if got[0].Time.Before(start) || got[0].Time.After(time.Now()) {
		t.Errorf("Time = %v, want between %v and now", got[0].Time, start)
	}
}

func TestUserEventsInvalidExtension(t *testing.T) {
	u := entraUser()
	u.Extensions = map[string]json.RawMessage{"urn:x:2.0:User": json.RawMessage(`{not json`)}
	if _, err := event.UserEvents(base, nil, u); err == nil {
		t.Fatal("no error for an extension that is not JSON")
	}
}

func group(version string, members ...string) *resource.Group {
	g := &resource.Group{ID: "g1", ExternalID: "crmUsers", DisplayName: "CRM Users", Meta: resource.Meta{Version: version}}
	for _, m := range members {
		g.Members = append(g.Members, resource.Member{Value: m, Type: "User", Display: "user " + m})
	}
	return g
}

func groupEvents(t *testing.T, before, after *resource.Group) []event.Event {
	t.Helper()
	evs, err := event.GroupEvents(base, before, after)
	assert.NoError(t, err)
	return evs
}

func groupEvent(typ event.Type, version string, attrs, members []string) event.Event {
	return event.Event{
		Tenant: "acme", ResourceType: event.Group, ResourceID: "g1", ExternalID: "crmUsers",
		Type: typ, Time: when, Request: "req-1", Method: "PATCH", Profile: "entra",
		Attributes: attrs, Members: members, Version: version,
	}
}

func TestGroupEvents(t *testing.T) {
	renamed := group("2", "u1", "u2")
	renamed.DisplayName = "CRM Admins"
	displayOnly := group("2", "u1", "u2")
	displayOnly.Members[0].Display = "Ada"
	for _, tc := range []struct {
		name          string
		before, after *resource.Group
		want          []event.Event
	}{
		{"create with members", nil, group("1", "u1", "u2"), []event.Event{
			groupEvent(event.GroupCreated, "1", []string{"displayName", "externalId"}, nil),
			groupEvent(event.MembersAdded, "1", nil, []string{"u1", "u2"}),
		}},
		{"create without members", nil, group("1"), []event.Event{
			groupEvent(event.GroupCreated, "1", []string{"displayName", "externalId"}, nil),
		}},
		// Okta's rename: PATCH replace displayName.
		{"rename", group("1", "u1", "u2"), renamed, []event.Event{
			groupEvent(event.GroupUpdated, "2", []string{"displayName"}, nil),
		}},
		{"members added and removed", group("1", "u1", "u2", "u3"), group("2", "u2", "u4", "u3", "u5"), []event.Event{
			groupEvent(event.MembersAdded, "2", nil, []string{"u4", "u5"}),
			groupEvent(event.MembersRemoved, "2", nil, []string{"u1"}),
		}},
		{"a member's display alone is no change", group("1", "u1", "u2"), displayOnly, nil},
		{"delete", group("1", "u1"), nil, []event.Event{
			groupEvent(event.GroupDeleted, "", nil, nil),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := groupEvents(t, tc.before, tc.after)
			assert.Equal(t, got, tc.want, ignoreID, cmpopts.EquateEmpty())
			for _, e := range got {
				if tc.after == nil {
					if e.Resource != nil {
						t.Errorf("%s: Resource %s, want nil", e.Type, e.Resource)
					}
					continue
				}
				// The group without its members.
				c := *tc.after
				c.Members = nil
				want, _ := json.Marshal(&c)
				assert.JSONEqual(t, e.Resource, want)
			}
		})
	}
}

func TestMemberEvents(t *testing.T) {
	b := base
	b.ResourceID, b.Version = "g1", "7"
	got := event.MemberEvents(b, []string{"u1", "u2", "u1"}, []string{"u3"})
	assert.Equal(t, got, []event.Event{
		{Tenant: "acme", ResourceType: event.Group, ResourceID: "g1", Type: event.MembersAdded, Time: when,
			Request: "req-1", Method: "PATCH", Profile: "entra", Members: []string{"u1", "u2"}, Version: "7"},
		{Tenant: "acme", ResourceType: event.Group, ResourceID: "g1", Type: event.MembersRemoved, Time: when,
			Request: "req-1", Method: "PATCH", Profile: "entra", Members: []string{"u3"}, Version: "7"},
	}, ignoreID)
	if len(event.MemberEvents(b, nil, nil)) != 0 {
		t.Error("events for no members")
	}
}

func TestChanged(t *testing.T) {
	e := event.Event{Attributes: []string{"name.givenName", "emails", enterprise + ":manager.value"}}
	for path, want := range map[string]bool{
		"name": true, "Name.GivenName": true, "name.familyName": false, "nam": false,
		"emails": true, "email": false, enterprise: true, enterprise + ":manager": true,
		enterprise + ":department": false, "userName": false,
	} {
		if got := e.Changed(path); got != want {
			t.Errorf("Changed(%q) = %v, want %v", path, got, want)
		}
	}
}
