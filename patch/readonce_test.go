package patch

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/resource"
)

// TestOperationIsReadOnce checks that ParseRequest reads each operation
// once: the op name, the path and the value are what PlanGroup, Members,
// ApplyGroup and ApplyUser use, so no path is parsed again afterwards.
func TestOperationIsReadOnce(t *testing.T) {
	body := []byte(`{"Operations":[
	{"op":"Replace","value":{"id":"g","displayName":"Eng"}},
	{"op":"Remove","path":"members[value eq \"u1\"]"},
	{"op":"Add","path":"members","value":[{"value":"u2","type":"User"}]}]}`)
	start := pathParses.Load()
	ops, err := ParseRequest(body, Options{})
	if err != nil {
		t.Fatal(err)
	}
	assert.Equal(t, pathParses.Load()-start, int64(2))
	for i, want := range []string{OpReplace, OpRemove, OpAdd} {
		assert.Equal(t, ops[i].Op, want)
	}
	plan := PlanGroup("g", ops, Options{})
	if !plan.MembersOnly || plan.TouchesMembers == false {
		t.Fatalf("plan: %+v", plan)
	}
	if diff := cmp.Diff([]resource.Member{{Value: "u2", Type: "User"}}, plan.Add); diff != "" {
		t.Errorf("Add (-want +got):\n%s", diff)
	}
	assert.Equal(t, plan.Remove, []string{"u1"})
	assert.Equal(t, *plan.Rename, "Eng")
	if diff := cmp.Diff([]resource.Member{{Value: "u2", Type: "User"}}, plan.Sent); diff != "" {
		t.Errorf("Sent (-want +got):\n%s", diff)
	}
	g := &resource.Group{ID: "g", DisplayName: "Old", Members: []resource.Member{{Value: "u1", Type: "User"}}}
	changed, err := plan.Apply(resource.DefaultRegistry(), g)
	if err != nil || !changed {
		t.Fatalf("Apply = %v, %v", changed, err)
	}
	if diff := cmp.Diff([]resource.Member{{Value: "u2", Type: "User"}}, g.Members); diff != "" || g.DisplayName != "Eng" {
		t.Errorf("group %q, members (-want +got):\n%s", g.DisplayName, diff)
	}
	// The general path reads the same operations.
	g = &resource.Group{ID: "g", DisplayName: "Old"}
	if _, err := applyGroupTree(resource.DefaultRegistry(), g, ops, Options{}); err != nil {
		t.Fatal(err)
	}
	u := mustUser(t, bjensen)
	uops, err := ParseRequest([]byte(`{"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"x@example.com"}]}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ApplyUser(resource.DefaultRegistry(), u, uops, Options{}); err != nil {
		t.Fatal(err)
	}
	assert.Equal(t, pathParses.Load()-start, int64(3))
}

// TestPathHonoursLimits checks that a path is parsed with Options.Limits,
// the server's filter limits, not the package defaults.
func TestPathHonoursLimits(t *testing.T) {
	body := []byte(`{"Operations":[{"op":"replace","path":"emails[type eq \"a\" or type eq \"b\" or type eq \"work\"].value","value":"x@example.com"}]}`)
	opts := Options{Limits: filter.Limits{MaxClauses: 2}}
	ops, err := ParseRequest(body, opts)
	if err != nil {
		t.Fatal(err)
	}
	u := mustUser(t, bjensen)
	_, err = ApplyUser(resource.DefaultRegistry(), u, ops, opts)
	assert.Equal(t, scimType(err), "invalidPath")
	// The default limits accept it.
	ops, _ = ParseRequest(body, Options{})
	if _, err := ApplyUser(resource.DefaultRegistry(), u, ops, Options{}); err != nil {
		t.Fatal(err)
	}
	// An operation built by hand is read with the same limits.
	hand := []Op{{Op: "replace", Path: "emails[type eq \"a\" or type eq \"b\" or type eq \"work\"].value", Value: []byte(`"y@example.com"`)}}
	_, err = ApplyUser(resource.DefaultRegistry(), u, hand, opts)
	assert.Equal(t, scimType(err), "invalidPath")
}

// TestPlanGroupTouchesMembers pins what the handler's choice of the
// attributes-only path relies on.
func TestPlanGroupTouchesMembers(t *testing.T) {
	tests := []struct {
		body    string
		touches bool
		sent    []resource.Member
	}{
		{`{"Operations":[{"op":"replace","path":"displayName","value":"x"}]}`, false, nil},
		{`{"Operations":[{"op":"replace","value":{"displayName":"x","externalId":"e"}}]}`, false, nil},
		{`{"Operations":[{"op":"replace","value":null}]}`, false, nil},
		{`{"Operations":[{"op":"replace","value":{"Members":[{"value":"u","type":"user"}]}}]}`, true, []resource.Member{{Value: "u", Type: "user"}}},
		{`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:Group:members","value":{"value":"u"}}]}`, true, []resource.Member{{Value: "u"}}},
		{`{"Operations":[{"op":"add","path":"members","value":[{"value":"u"},3]}]}`, true, nil},
		{`{"Operations":[{"op":"replace","value":{"urn:x:members":1}}]}`, true, nil},
		{`{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:Group"}]}`, true, nil},
		{`{"Operations":[{"op":"replace","path":"[bad"}]}`, true, nil},
		{`{"Operations":[{"op":"remove"}]}`, true, nil},
		{`{"Operations":[{"op":"remove","path":"members[value eq \"u\"]"}]}`, true, nil},
	}
	for _, tt := range tests {
		ops, err := ParseRequest([]byte(tt.body), Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := PlanGroup("g", ops, Options{})
		if p.TouchesMembers != tt.touches {
			t.Errorf("%s: TouchesMembers %v", tt.body, p.TouchesMembers)
		}
		if diff := cmp.Diff(tt.sent, p.Sent); diff != "" {
			t.Errorf("%s: Sent (-want +got):\n%s", tt.body, diff)
		}
	}
}
