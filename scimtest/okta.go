package scimtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// oktaUserAgent is the User-Agent of Okta's SCIM client (OKTA-REF,
// https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/).
const oktaUserAgent = "Okta SCIM Client 1.0.0"

// Okta replays Okta's SCIM client: subtest "OIN" for apps from the Okta
// Integration Network template (GET then PUT for profile updates, PATCH for
// deactivation and Group Push), and subtest "AIW" for apps made with the
// App Integration Wizard (PUT for everything, including deactivation and
// group membership). See the package documentation for the flows.
func Okta(t *testing.T, target Target) {
	t.Helper()
	runOkta(realT{t}, target)
}

// oktaFlows are Okta's flows by integration type.
var oktaFlows = []struct {
	kind, name string
	run        func(*okta)
}{
	{"OIN", "test_connection", (*okta).testConnection},
	{"OIN", "user_lifecycle", (*okta).userLifecycle},
	{"OIN", "group_push", (*okta).groupPush},
	{"AIW", "user_lifecycle", (*okta).aiwUser},
	{"AIW", "group_push", (*okta).aiwGroup},
}

func runOkta(t tester, target Target) {
	for _, kind := range []string{"OIN", "AIW"} {
		t.Run(kind, func(t tester) {
			for _, fl := range oktaFlows {
				if fl.kind != kind {
					continue
				}
				t.Run(fl.name, func(t tester) {
					c := newClient(t, target)
					c.userAgent = oktaUserAgent
					// OKTA-SPEC posts application/json; Okta accepts
					// text/json answers, so application/json is fine too.
					c.contentType = "application/json"
					fl.run(&okta{flow{t: t, c: c}})
				})
			}
		})
	}
}

// okta is one Okta flow.
type okta struct{ flow }

// lookup is Okta's match query: the filter plus startIndex=1&count=100
// (OKTA-REF).
func (o *okta) lookup(what, userName string) (*response, list) {
	o.t.Helper()
	r := o.send("GET", "/Users", filterQuery(`userName eq "`+userName+`"`, "startIndex", "1", "count", "100"), nil)
	return r, o.list(r, what)
}

// newUser creates a user with Okta's POST body and returns its vars and id.
func (o *okta) newUser() (vars, string) {
	o.t.Helper()
	v := userVars("okta")
	v["externalId"] = "00u" + suffix() + suffix() // an Okta user id
	_, _, id := o.createUser("POST /Users", fixture(o.t, "okta_create_user", v))
	return v, id
}

// testConnection is "Test API Credentials": GET /Users?startIndex=1&count=2
// must be a full ListResponse with integers, even with no users (Okta
// support: "No results for users returned"; Delinea's endpoint reference).
func (o *okta) testConnection() {
	r := o.send("GET", "/Users", query("startIndex", "1", "count", "2"), nil)
	l := o.list(r, "Test API Credentials")
	if l.start != 1 || l.items > 2 || l.total < l.items {
		o.t.Errorf("Test API Credentials: %s\n  expected startIndex 1, itemsPerPage <= 2 <= totalResults\n  actual: startIndex %d, itemsPerPage %d, totalResults %d", r, l.start, l.items, l.total)
	}
}

// userLifecycle: match (nothing), POST with password and groups [] (201,
// password never returned), match with the userName in capitals (OKTA-SPEC
// "Username Case Sensitivity Check"), re-POST (409 uniqueness), GET then
// PUT the profile with id, meta and groups (OKTA-REF), PATCH deactivate
// and reactivate (path-less replace of active, OKTA-FAQ).
func (o *okta) userLifecycle() {
	v := userVars("okta")
	v["externalId"] = "00u" + suffix() + suffix()
	userName := v["userName"].(string)
	r, l := o.lookup("match before create", userName)
	o.none(r, "match before create", l)

	body := fixture(o.t, "okta_create_user", v)
	r = o.send("POST", "/Users", "", body)
	o.status(r, "POST /Users", http.StatusCreated)
	obj := o.object(r, "POST /Users")
	id := o.id(r, "POST /Users", obj)
	o.cleanup("/Users/" + id)
	checks := append(userChecks(v),
		"displayName", jsonString(v["givenName"].(string)+" "+v["familyName"].(string)),
		"locale", `"en-US"`,
		"emails", `[{"primary":true,"value":`+jsonString(userName)+`,"type":"work"}]`)
	o.fields(r, "POST /Users", obj, checks...)

	r, l = o.lookup("match in capitals", strings.ToUpper(userName))
	o.fields(r, "match in capitals", o.findOne(r, "match in capitals", l, id), "userName", jsonString(userName))

	r = o.send("POST", "/Users", "", body)
	o.status(r, "duplicate POST /Users", http.StatusConflict)
	o.errorBody(r, "duplicate POST /Users", "uniqueness")

	r, obj = o.get("GET /Users/{id} before PUT", "/Users/"+id, "")
	o.fields(r, "GET /Users/{id} before PUT", obj, checks...)
	pv := vars{}
	for k, x := range v {
		pv[k] = x
	}
	pv["userId"] = id
	pv["givenName"] = "Another" + suffix()
	o.put("PUT /Users/{id}", "/Users/"+id, fixture(o.t, "okta_replace_user", pv), func(r *response, what string, obj map[string]any) {
		o.fields(r, what, obj, "id", jsonString(id), "userName", jsonString(userName), "active", "true",
			"name.givenName", jsonString(pv["givenName"].(string)), "externalId", jsonString(v["externalId"].(string)),
			"password", absent)
	})

	active := func(want string) func(*response, string, map[string]any) {
		return func(r *response, what string, obj map[string]any) { o.fields(r, what, obj, "active", want) }
	}
	o.patch("PATCH deactivate", "/Users/"+id, fixture(o.t, "okta_deactivate_user", nil), active("false"))
	o.patch("PATCH reactivate", "/Users/"+id, fixture(o.t, "okta_reactivate_user", nil), active("true"))
}

// groupPush: POST the group with members [] (201), then the PATCHes Group
// Push sends: rename {id, displayName} with a members add; rename, remove by
// members[value eq] and add in one request; replace members []; then
// DELETE ("delete in target"). OKTA-REF; SCIM-SDK#757 for the empty
// replace.
func (o *okta) groupPush() {
	v1, u1 := o.newUser()
	v2, u2 := o.newUser()
	v3, u3 := o.newUser()
	name := "scimtest okta " + suffix()
	cr, obj, gid := o.createGroup("POST /Groups", fixture(o.t, "okta_create_group", vars{"displayName": name}))
	o.fields(cr, "POST /Groups", obj, "displayName", jsonString(name))
	o.members("after POST", gid)

	o.groupPatch("PATCH rename and add", gid, fixture(o.t, "okta_push_members", vars{
		"groupId": gid, "displayName": name,
		"member1": u1, "member1Name": v1["userName"], "member2": u2, "member2Name": v2["userName"],
	}))
	o.members("after add", gid, u1, u2)

	renamed := name + " renamed"
	o.groupPatch("PATCH rename, remove and add", gid, fixture(o.t, "okta_update_members", vars{
		"groupId": gid, "displayName": renamed, "removeId": u1, "addId": u3, "addName": v3["userName"],
	}))
	o.members("after remove and add", gid, u2, u3)
	r, obj := o.get("GET group after rename", "/Groups/"+gid, query("excludedAttributes", "members"))
	o.fields(r, "GET group after rename", obj, "displayName", jsonString(renamed))

	o.groupPatch("PATCH replace members []", gid, fixture(o.t, "okta_replace_members_empty", nil))
	o.members("after replace with []", gid)

	o.del("DELETE /Groups/{id}", "/Groups/"+gid)
}

// aiwUser: an AIW app updates the profile with PUT and deactivates with a
// PUT carrying active false, then reactivates with PUT (OKTA-FAQ).
func (o *okta) aiwUser() {
	v, id := o.newUser()
	pv := vars{}
	for k, x := range v {
		pv[k] = x
	}
	pv["userId"] = id
	pv["familyName"] = "Renamed" + suffix()
	check := func(active string) func(*response, string, map[string]any) {
		return func(r *response, what string, obj map[string]any) {
			o.fields(r, what, obj, "id", jsonString(id), "active", active, "name.familyName", jsonString(pv["familyName"].(string)))
		}
	}
	o.put("PUT profile update", "/Users/"+id, fixture(o.t, "okta_aiw_update_user", pv), check("true"))
	o.put("PUT active false", "/Users/"+id, fixture(o.t, "okta_aiw_deactivate_user", pv), check("false"))
	o.put("PUT active true", "/Users/"+id, fixture(o.t, "okta_aiw_update_user", pv), check("true"))
}

// aiwGroup: an AIW app sets group membership with PUT and the whole member
// list (OKTA-FAQ): two members, then one, then none.
func (o *okta) aiwGroup() {
	_, u1 := o.newUser()
	_, u2 := o.newUser()
	name := "scimtest okta aiw " + suffix()
	_, _, gid := o.createGroup("POST /Groups", fixture(o.t, "okta_create_group", vars{"displayName": name}))
	for _, set := range [][]string{{u1, u2}, {u2}, {}} {
		ms := []map[string]string{}
		for _, m := range set {
			ms = append(ms, map[string]string{"value": m})
		}
		raw, _ := json.Marshal(ms)
		body := fixture(o.t, "okta_aiw_replace_group", vars{"groupId": gid, "displayName": name, "members": json.RawMessage(raw)})
		r := o.send("PUT", "/Groups/"+gid, "", body)
		o.status(r, "PUT /Groups/{id}", http.StatusOK)
		o.fields(r, "PUT /Groups/{id}", o.object(r, "PUT /Groups/{id}"), "id", jsonString(gid), "displayName", jsonString(name))
		o.members("after PUT", gid, set...)
	}
}
