package scimtest

import (
	"slices"
	"strconv"
	"testing"
)

// JumpCloud replays JumpCloud's custom SCIM "Identity Management"
// connector: test_connection (creates and deletes a test user and a test
// group), manual_import (walks every page of GET /Users) and
// group_takeover (finds the app's existing group by displayName and syncs
// its members). Sources: JumpCloud support,
// https://jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-using-custom-scim-identity-management-integration.
//
// manual_import checks the order of the whole user list across two walks:
// it fails if other clients write to the tenant while it runs.
func JumpCloud(t *testing.T, target Target) {
	t.Helper()
	runFlows(realT{t}, target, jumpCloudFlows)
}

// OneLogin replays OneLogin's SCIM Provisioner: group_membership lists
// /Groups ("Refresh Entitlements") and adds a member with a lowercase
// "op":"add" (Azure/AzureAD-BYOA-Provisioning-Samples#24).
func OneLogin(t *testing.T, target Target) {
	t.Helper()
	runFlows(realT{t}, target, oneLoginFlows)
}

// PingOne replays PingOne's SCIM connector: filter_casing matches a user
// with PingOne's documented filter expression `username Eq "%s"`
// (https://docs.pingidentity.com/pingone/integrations/p1_scim_filter_expressions.html).
func PingOne(t *testing.T, target Target) {
	t.Helper()
	runFlows(realT{t}, target, pingOneFlows)
}

// namedFlow is a flow of an IdP without modes.
type namedFlow struct {
	name string
	run  func(*flow)
}

var (
	jumpCloudFlows = []namedFlow{
		{"test_connection", jumpCloudTestConnection},
		{"manual_import", jumpCloudImport},
		{"group_takeover", jumpCloudTakeover},
	}
	oneLoginFlows = []namedFlow{{"group_membership", oneLoginMembership}}
	pingOneFlows  = []namedFlow{{"filter_casing", pingOneFilter}}
)

func runFlows(t tester, target Target, flows []namedFlow) {
	for _, fl := range flows {
		t.Run(fl.name, func(t tester) {
			c := newClient(t, target)
			c.contentType = "application/json"
			fl.run(&flow{t: t, c: c})
		})
	}
}

// jumpCloudTestConnection: look up the Test User Email (nothing), create
// the test user and a test group holding it, delete both (204, then 404):
// nothing may be left behind.
func jumpCloudTestConnection(f *flow) {
	email := "test-scim-" + suffix() + "@example.com"
	r := f.send("GET", "/Users", filterQuery(`userName eq "`+email+`"`), nil)
	f.none(r, "look up the test user", f.list(r, "look up the test user"))

	cr, obj, uid := f.createUser("POST test user", fixture(f.t, "jumpcloud_create_test_user", vars{"email": email}))
	f.fields(cr, "POST test user", obj, "userName", jsonString(email), "active", "true", "displayName", `"Test User"`)
	name := "JumpCloud Test Group " + suffix()
	cr, obj, gid := f.createGroup("POST test group", fixture(f.t, "jumpcloud_create_test_group", vars{"displayName": name, "member": uid}))
	f.fields(cr, "POST test group", obj, "displayName", jsonString(name))
	f.members("test group", gid, uid)

	f.del("DELETE test user", "/Users/"+uid)
	f.members("test group after deleting its member", gid)
	f.del("DELETE test group", "/Groups/"+gid)
}

// jumpCloudImport is "Start Manual Import": create five users, then walk
// GET /Users with startIndex and count until totalResults, twice. Every
// page is a ListResponse with integers; no id repeats, none is missing,
// the five are there, and both walks give the same order (RFC 7644
// §3.4.2.4; Okta imports the same way, OKTA-REF).
func jumpCloudImport(f *flow) {
	var mine []string
	for range 5 {
		_, _, id := f.createUser("POST /Users", fixture(f.t, "jumpcloud_create_user", userVars("jumpcloud")))
		mine = append(mine, id)
	}
	first := walk(f, "/Users")
	for _, id := range mine {
		if !slices.Contains(first, id) {
			f.t.Errorf("manual import: user %s created by this flow is missing from the %d listed", id, len(first))
		}
	}
	if second := walk(f, "/Users"); !slices.Equal(first, second) {
		f.t.Errorf("manual import: expected the same order on a second walk\n  first:  %q\n  second: %q", first, second)
	}
}

// walk lists every resource at path page by page and returns the ids. The
// page size is 2 for a small tenant, so several pages are walked, and 100
// (Okta's) from the third page on.
func walk(f *flow, path string) []string {
	f.t.Helper()
	var ids []string
	seen := map[string]bool{}
	total := -1
	for start, count := 1, 2; ; {
		if start > 2 {
			count = 100
		}
		r := f.send("GET", path, query("startIndex", strconv.Itoa(start), "count", strconv.Itoa(count)), nil)
		l := f.list(r, "list page")
		if total >= 0 && l.total != total {
			f.t.Errorf("list page: %s\n  expected totalResults %d, as on the first page\n  actual: %d", r, total, l.total)
		}
		total = l.total
		if l.start != start || l.items > count {
			f.t.Errorf("list page: %s\n  expected startIndex %d and at most %d resources\n  actual: startIndex %d, itemsPerPage %d", r, start, count, l.start, l.items)
		}
		for _, id := range l.ids() {
			if seen[id] {
				f.t.Errorf("list page: %s\n  expected each id once\n  actual: %s repeated", r, id)
			}
			seen[id] = true
			ids = append(ids, id)
		}
		start += len(l.resources)
		if start > total {
			return ids
		}
		if len(l.resources) == 0 {
			f.t.Errorf("list page: %s\n  expected resources up to totalResults %d\n  actual: none from startIndex %d (%d listed)", r, total, start, len(ids))
			return ids
		}
	}
}

// jumpCloudTakeover: the app already has a group; JumpCloud finds it by
// `displayName eq` and takes it over instead of creating a second one,
// then syncs members: add two, remove one with the value-array form (an
// integrator's report, app.uni-moni.com). JumpCloud connector docs,
// https://jumpcloud.com/wp-json/wp/v2/support/85119.
func jumpCloudTakeover(f *flow) {
	name := "scimtest jumpcloud " + suffix()
	_, _, gid := f.createGroup("app creates its group", fixture(f.t, "app_group", vars{"displayName": name}))
	_, _, u1 := f.createUser("POST /Users", fixture(f.t, "jumpcloud_create_user", userVars("jumpcloud")))
	_, _, u2 := f.createUser("POST /Users", fixture(f.t, "jumpcloud_create_user", userVars("jumpcloud")))

	r := f.send("GET", "/Groups", filterQuery(`displayName eq "`+name+`"`), nil)
	f.fields(r, "find the group by name", f.findOne(r, "find the group by name", f.list(r, "find the group by name"), gid), "displayName", jsonString(name))

	f.groupPatch("PATCH add members", gid, fixture(f.t, "jumpcloud_add_members", vars{"member1": u1, "member2": u2}))
	f.members("after add", gid, u1, u2)
	f.groupPatch("PATCH remove a member", gid, fixture(f.t, "jumpcloud_remove_members", vars{"member": u1}))
	f.members("after remove", gid, u2)
}

// oneLoginMembership: "Refresh Entitlements" lists GET /Groups, which must
// include the app's group; then OneLogin adds a member with a lowercase
// "op":"add".
func oneLoginMembership(f *flow) {
	name := "scimtest onelogin " + suffix()
	_, _, gid := f.createGroup("app creates its group", fixture(f.t, "app_group", vars{"displayName": name}))
	v := userVars("onelogin")
	cr, obj, uid := f.createUser("POST /Users", fixture(f.t, "onelogin_create_user", v))
	f.fields(cr, "POST /Users", obj, "userName", jsonString(v["userName"].(string)), "active", "true")

	if ids := walk(f, "/Groups"); !slices.Contains(ids, gid) {
		f.t.Errorf("Refresh Entitlements: expected group %s among the %d listed by GET /Groups", gid, len(ids))
	}
	f.groupPatch("PATCH add member", gid, fixture(f.t, "onelogin_add_members", vars{"member": uid}))
	f.members("after add", gid, uid)
}

// pingOneFilter: PingOne matches with `username Eq "%s"` (lower-case
// attribute, capitalised operator); attribute names and operators are
// case-insensitive (RFC 7643 §2.1, RFC 7644 §3.4.2.2).
func pingOneFilter(f *flow) {
	v := userVars("pingone")
	userName := v["userName"].(string)
	r := f.send("GET", "/Users", filterQuery(`username Eq "`+userName+`"`), nil)
	f.none(r, "match before create", f.list(r, "match before create"))
	_, _, id := f.createUser("POST /Users", fixture(f.t, "pingone_create_user", v))
	r = f.send("GET", "/Users", filterQuery(`username Eq "`+userName+`"`), nil)
	f.fields(r, "match after create", f.findOne(r, "match after create", f.list(r, "match after create"), id), "userName", jsonString(userName))
}

// Run runs every flow of every identity provider against target, as
// subtests Entra, Okta, JumpCloud, OneLogin and PingOne, so one flow can
// be run with, e.g., go test -run 'TestSCIM/Entra/aadOptscim062020/groups'.
// Flows run one after another; each creates users and groups with unique
// names and deletes them when it ends, so target may be a shared server,
// as long as no other client writes to the same tenant during
// JumpCloud/manual_import.
func Run(t *testing.T, target Target) {
	t.Helper()
	run(realT{t}, target)
}

func run(t tester, target Target) {
	t.Run("Entra", func(t tester) { runEntra(t, target) })
	t.Run("Okta", func(t tester) { runOkta(t, target) })
	t.Run("JumpCloud", func(t tester) { runFlows(t, target, jumpCloudFlows) })
	t.Run("OneLogin", func(t tester) { runFlows(t, target, oneLoginFlows) })
	t.Run("PingOne", func(t tester) { runFlows(t, target, pingOneFlows) })
}
