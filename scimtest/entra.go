package scimtest

import (
	"net/http"
	"testing"
)

// entraFlag is the Tenant URL query flag that switches Entra to its RFC
// 7644 compliant PATCH format (MS-COMPAT,
// https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility).
const entraFlag = "aadOptscim062020"

// Entra replays what the Microsoft Entra ID provisioning service does to a
// non-gallery SCIM app, twice: as subtest "default" and as subtest
// "aadOptscim062020", where "?aadOptscim062020" is appended to every
// request, as Entra does when an administrator adds it to the Tenant URL.
// The flows are test_connection, provision_user, update_user,
// disable_enable, manager, work_address and groups; see the package
// documentation.
func Entra(t *testing.T, target Target) {
	t.Helper()
	runEntra(realT{t}, target)
}

// entraFlows are Entra's flows, in the order an Entra job meets them.
var entraFlows = []struct {
	name string
	run  func(*entra)
}{
	{"test_connection", (*entra).testConnection},
	{"provision_user", (*entra).provisionUser},
	{"update_user", (*entra).updateUser},
	{"disable_enable", (*entra).disableEnable},
	{"manager", (*entra).manager},
	{"work_address", (*entra).workAddress},
	{"groups", (*entra).groups},
}

func runEntra(t tester, target Target) {
	for _, mode := range []struct {
		name string
		flag bool
	}{{"default", false}, {entraFlag, true}} {
		t.Run(mode.name, func(t tester) {
			for _, fl := range entraFlows {
				t.Run(fl.name, func(t tester) {
					c := newClient(t, target)
					c.strictCT = true
					if mode.flag {
						c.flag = entraFlag
					}
					fl.run(&entra{flow: flow{t: t, c: c}, flag: mode.flag})
				})
			}
		})
	}
}

// entra is one Entra flow, in default or aadOptscim062020 mode.
type entra struct {
	flow
	flag bool
}

// fx returns the body of entra_<step>.json, or of entra_<step>_flag.json
// in aadOptscim062020 mode when the flag changes that request.
func (e *entra) fx(step string, v vars) []byte {
	e.t.Helper()
	name := "entra_" + step
	if e.flag && hasFixture(name+"_flag") {
		name += "_flag"
	}
	return fixture(e.t, name, v)
}

// newUser provisions a user as Entra does and returns its vars and id.
func (e *entra) newUser() (vars, string) {
	e.t.Helper()
	v := userVars("entra")
	v["externalId"] = guid() // Entra's default mapping sends the objectId
	_, _, id := e.createUser("POST /Users", e.fx("create_user", v))
	return v, id
}

// lookup sends Entra's matching query, `<attr> eq "<value>"` (MS-TUT,
// MS-HOW), and returns the list.
func (e *entra) lookup(what, attr, value string) (*response, list) {
	e.t.Helper()
	r := e.send("GET", "/Users", filterQuery(attr+` eq "`+value+`"`), nil)
	return r, e.list(r, what)
}

// testConnection: Entra's Test Connection filters on the matching
// attribute with a random GUID and wants 200 with an empty ListResponse,
// exactly (MS-TUT; 404 quarantines the job, MS-QUAR). With group
// provisioning on it probes /Groups too.
func (e *entra) testConnection() {
	g := guid()
	r := e.send("GET", "/Users", filterQuery(`userName eq "`+g+`"`), nil)
	e.status(r, "Test Connection", http.StatusOK)
	e.equal(r, "Test Connection", e.object(r, "Test Connection"),
		`{"schemas":["`+listSchema+`"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}`)

	r, l := e.lookup("Test Connection by externalId", "externalId", guid())
	e.none(r, "Test Connection by externalId", l)

	r = e.send("GET", "/Groups", query("excludedAttributes", "members", "filter", `displayName eq "`+guid()+`"`), nil)
	e.none(r, "Test Connection on groups", e.list(r, "Test Connection on groups"))
}

// userChecks are the attributes Entra wrote with entra_create_user.json.
func userChecks(v vars) []string {
	return []string{
		"userName", jsonString(v["userName"].(string)),
		"externalId", jsonString(v["externalId"].(string)),
		"active", "true",
		"name.givenName", jsonString(v["givenName"].(string)),
		"name.familyName", jsonString(v["familyName"].(string)),
		"password", absent,
	}
}

// provisionUser: match by userName, then by externalId (nothing), create
// with the tutorial's body (enterprise schema, read-only meta, roles []),
// match again (found, by both), read, hard-delete (204, then 404), and
// match again (nothing). MS-TUT, MS-HOW.
func (e *entra) provisionUser() {
	v := userVars("entra")
	v["externalId"] = guid()
	r, l := e.lookup("match by userName before create", "userName", v["userName"].(string))
	e.none(r, "match by userName before create", l)
	r, l = e.lookup("match by externalId before create", "externalId", v["externalId"].(string))
	e.none(r, "match by externalId before create", l)

	body := e.fx("create_user", v)
	r = e.send("POST", "/Users", "", body)
	e.status(r, "POST /Users", http.StatusCreated)
	obj := e.object(r, "POST /Users")
	id := e.id(r, "POST /Users", obj)
	e.cleanup("/Users/" + id)
	checks := append(userChecks(v),
		"name.formatted", jsonString(v["givenName"].(string)+" "+v["familyName"].(string)),
		"emails", `[{"primary":true,"type":"work","value":`+jsonString(v["email"].(string))+`}]`,
		"meta.resourceType", `"User"`)
	e.fields(r, "POST /Users", obj, checks...)
	if roles := field(obj, "roles"); roles != nil {
		e.equal(r, "POST /Users: roles", roles, `[]`)
	}

	r, l = e.lookup("match by userName after create", "userName", v["userName"].(string))
	e.fields(r, "match by userName after create", e.findOne(r, "match by userName after create", l, id), checks...)
	r, l = e.lookup("match by externalId after create", "externalId", v["externalId"].(string))
	e.findOne(r, "match by externalId after create", l, id)

	r, obj = e.get("GET /Users/{id}", "/Users/"+id, "")
	e.fields(r, "GET /Users/{id}", obj, checks...)

	e.del("DELETE /Users/{id}", "/Users/"+id)
	r, l = e.lookup("match by userName after delete", "userName", v["userName"].(string))
	e.none(r, "match by userName after delete", l)
}

// workEmail checks that obj has exactly one work email, with value want
// (Entra keeps one value per type, MS-TUT).
func (e *entra) workEmail(r *response, what string, obj map[string]any, want string) {
	e.t.Helper()
	e.typed(r, what, obj, "emails", "work", "value", jsonString(want))
}

// typed checks that the multi-valued attr of obj has exactly one element
// of type typ and that its sub-attribute sub equals want.
func (f *flow) typed(r *response, what string, obj map[string]any, attr, typ, sub, want string) {
	f.t.Helper()
	var found []any
	elems, _ := field(obj, attr).([]any)
	for _, el := range elems {
		if field(el, "type") == typ {
			found = append(found, el)
		}
	}
	if len(found) != 1 {
		f.t.Errorf("%s: %s\n  expected one %s of type %q\n  actual %s: %s", what, r, attr, typ, attr, show(field(obj, attr)))
		return
	}
	f.equal(r, what+": "+attr+`[type eq "`+typ+`"].`+sub, field(found[0], sub), want)
}

// updateUser: the tutorial's multi-valued update (Replace on
// emails[type eq "work"].value and name.familyName) in default mode; in
// aadOptscim062020 mode the path-less replace with dotted and
// extension-URN keys (MS-COMPAT), plus the work email.
func (e *entra) updateUser() {
	v, id := e.newUser()
	s := suffix()
	nv := vars{
		"email":          "updated-" + s + "@example.com",
		"familyName":     "UpdatedFamily" + s,
		"givenName":      "UpdatedGiven" + s,
		"displayName":    "Updated Display " + s,
		"employeeNumber": "E" + s,
	}
	e.patch("PATCH update", "/Users/"+id, e.fx("update_user", nv), func(r *response, what string, obj map[string]any) {
		e.fields(r, what, obj, "userName", jsonString(v["userName"].(string)), "name.familyName", jsonString(nv["familyName"].(string)))
		e.workEmail(r, what, obj, nv["email"].(string))
		if e.flag {
			e.fields(r, what, obj,
				"displayName", jsonString(nv["displayName"].(string)),
				"name.givenName", jsonString(nv["givenName"].(string)),
				"ent.employeeNumber", jsonString(nv["employeeNumber"].(string)))
			if _, ok := obj["name.givenName"]; ok {
				e.t.Errorf("%s: %s\n  expected name.givenName to update name, not to be stored as a key\n  actual body: %s", what, r, show(obj))
			}
		} else {
			e.fields(r, what, obj, "name.givenName", jsonString(v["givenName"].(string)))
		}
	})
}

// disableEnable: soft delete is PATCH active false ("False" in default
// mode), re-enable is active true (MS-HOW, MS-COMPAT). A disabled user
// stays readable and matchable (MS-TUT).
func (e *entra) disableEnable() {
	v, id := e.newUser()
	active := func(want string) func(*response, string, map[string]any) {
		return func(r *response, what string, obj map[string]any) { e.fields(r, what, obj, "active", want) }
	}
	e.patch("PATCH disable", "/Users/"+id, e.fx("disable_user", nil), active("false"))
	r, l := e.lookup("match a disabled user", "userName", v["userName"].(string))
	e.fields(r, "match a disabled user", e.findOne(r, "match a disabled user", l, id), "active", "false")
	e.patch("PATCH re-enable", "/Users/"+id, e.fx("enable_user", nil), active("true"))
}

// manager: set the enterprise manager (an array of one object on the
// un-namespaced path in default mode, MS-TUT; a bare string on the
// extension path in flag mode), check it with Entra's manager query
// (`id eq ... and manager eq ...`, attributes=id, MS-TUT), then clear it
// with "".
func (e *entra) manager() {
	_, mgr := e.newUser()
	_, id := e.newUser()
	mv := vars{"managerId": mgr, "baseURL": e.c.base.Scheme + "://" + e.c.base.Host + e.c.base.Path}
	managerCheck := func(what string, found bool) {
		r := e.send("GET", "/Users", filterQuery(`id eq "`+id+`" and manager eq "`+mgr+`"`, "attributes", "id"), nil)
		l := e.list(r, what)
		if found {
			e.findOne(r, what, l, id)
		} else {
			e.none(r, what, l)
		}
	}
	managerCheck("manager query before add", false)
	e.patch("PATCH add manager", "/Users/"+id, e.fx("add_manager", mv), func(r *response, what string, obj map[string]any) {
		e.fields(r, what, obj, "ent.manager.value", jsonString(mgr))
	})
	managerCheck("manager query after add", true)
	e.patch("PATCH clear manager", "/Users/"+id, e.fx("clear_manager", nil), func(r *response, what string, obj map[string]any) {
		e.fields(r, what, obj, "ent.manager.value", absent)
	})
	managerCheck("manager query after clear", false)
}

// workAddress: one add per sub-attribute of addresses[type eq "work"] to a
// user with no address creates one work address holding both values
// (Entra's default mapping, MS-ATTR; create on no match, MS-COMPAT).
func (e *entra) workAddress() {
	_, id := e.newUser()
	av := vars{"locality": "Sydney", "country": "AU"}
	e.patch("PATCH add work address", "/Users/"+id, e.fx("add_work_address", av), func(r *response, what string, obj map[string]any) {
		e.typed(r, what, obj, "addresses", "work", "country", `"AU"`)
		e.typed(r, what, obj, "addresses", "work", "locality", `"Sydney"`)
	})
}

// groups: match by displayName with excludedAttributes=members (nothing),
// create with the tutorial's body (a Microsoft schema URI, no members),
// match again, read without members, add two members (value array, $ref
// null), remove one (value array in default mode, members[value eq] path in
// flag mode), each twice as a retry would (the second a no-op), and check
// the exact membership after each step, then delete.
// MS-TUT, MS-COMPAT.
func (e *entra) groups() {
	_, u1 := e.newUser()
	_, u2 := e.newUser()
	name := "scimtest entra " + suffix()
	ext := guid()
	lookup := func(what string) (*response, list) {
		r := e.send("GET", "/Groups", query("excludedAttributes", "members", "filter", `displayName eq "`+name+`"`), nil)
		return r, e.list(r, what)
	}
	r, l := lookup("match group before create")
	e.none(r, "match group before create", l)

	r = e.send("POST", "/Groups", "", e.fx("create_group", vars{"displayName": name, "externalId": ext}))
	e.status(r, "POST /Groups", http.StatusCreated)
	obj := e.object(r, "POST /Groups")
	gid := e.id(r, "POST /Groups", obj)
	e.cleanup("/Groups/" + gid)
	e.fields(r, "POST /Groups", obj, "displayName", jsonString(name), "externalId", jsonString(ext), "meta.resourceType", `"Group"`)
	if m := field(obj, "members"); m != nil {
		e.equal(r, "POST /Groups: members", m, `[]`)
	}

	r, l = lookup("match group after create")
	e.fields(r, "match group after create", e.findOne(r, "match group after create", l, gid),
		"displayName", jsonString(name), "members", absent)
	r, obj = e.get("GET /Groups/{id}?excludedAttributes=members", "/Groups/"+gid, query("excludedAttributes", "members"))
	e.fields(r, "GET /Groups/{id}?excludedAttributes=members", obj, "displayName", jsonString(name), "members", absent)

	add := e.fx("add_members", vars{"member1": u1, "member2": u2})
	e.groupPatch("PATCH add members", gid, add)
	e.members("after adding two members", gid, u1, u2)
	// Entra retries a request that timed out in a later cycle (MS-HOW):
	// adding present members again succeeds and changes nothing.
	e.groupPatch("PATCH add members again", gid, add)
	e.members("after adding them again", gid, u1, u2)
	remove := e.fx("remove_members", vars{"member": u1})
	e.groupPatch("PATCH remove a member", gid, remove)
	e.members("after removing one member", gid, u2)
	e.groupPatch("PATCH remove it again", gid, remove)
	e.members("after removing it again", gid, u2)

	e.del("DELETE /Groups/{id}", "/Groups/"+gid)
}

// groupPatch PATCHes a group, accepting 204 (what Entra expects) or 200.
func (f *flow) groupPatch(what, id string, body []byte) {
	f.t.Helper()
	r := f.send("PATCH", "/Groups/"+id, "", body)
	f.status(r, what, http.StatusOK, http.StatusNoContent)
}
