package scimtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Okta's schemas for the resource types its entitlement management
// (Okta Identity Governance) imports, from "Build a SCIM 2.0 server with
// entitlements", https://developer.okta.com/docs/guides/scim-with-entitlements/main/.
const (
	oktaRoleSchema        = "urn:okta:scim:schemas:core:1.0:Role"
	oktaEntitlementSchema = "urn:okta:scim:schemas:core:1.0:Entitlement"
)

// Entitlements is what OktaEntitlements discovered: per resource type id
// whose schema is Okta's role or entitlement schema, the ids its endpoint
// listed.
type Entitlements map[string][]string

// OktaEntitlements replays Okta's entitlement discovery and assignment
// against a target that serves roles (and optionally entitlements) as
// resource types: GET /ResourceTypes, GET /Schemas (every extension
// schema of the discovered types must be there), then every resource of
// each type whose schema is Okta's Role or Entitlement URN, from its own
// endpoint with startIndex and count=100 until totalResults (each with an
// id, a displayName and the type's schema); then, for a user created as
// Okta creates one, a PATCH adding the first role (200 or 204, the role
// then held), a PUT assigning the first two roles (Okta's workshop shows
// a PUT), a PATCH adding a role the target does not list (400
// invalidValue, the user's roles unchanged), and, when there is an
// entitlement type, the same two PATCHes for an entitlement. The target
// must list at least one role, and refuse unknown roles and entitlements.
// It is not part of Run, since most apps serve no roles.
func OktaEntitlements(t *testing.T, target Target) Entitlements {
	t.Helper()
	return runOktaEntitlements(realT{t}, target)
}

func runOktaEntitlements(t tester, target Target) Entitlements {
	var out Entitlements
	t.Run("discovery_and_assignment", func(t tester) {
		c := newClient(t, target)
		c.userAgent = oktaUserAgent
		c.contentType = "application/json"
		out = (&okta{flow{t: t, c: c}}).entitlements()
	})
	return out
}

// discoveredType is a resource type Okta imports.
type discoveredType struct {
	id, endpoint, schema string
	resources            []map[string]any
}

func (o *okta) entitlements() Entitlements {
	o.t.Helper()
	r := o.send("GET", "/ResourceTypes", "", nil)
	l := o.list(r, "GET /ResourceTypes")
	var types []*discoveredType
	var extensions []string
	for _, rt := range l.resources {
		schema, _ := rt["schema"].(string)
		if schema != oktaRoleSchema && schema != oktaEntitlementSchema {
			continue
		}
		id, _ := rt["id"].(string)
		ep, _ := rt["endpoint"].(string)
		if id == "" || !strings.HasPrefix(ep, "/") {
			o.t.Errorf("GET /ResourceTypes: %s\n  expected an id and an endpoint starting with /\n  actual: %s", r, show(rt))
			continue
		}
		types = append(types, &discoveredType{id: id, endpoint: ep, schema: schema})
		exts, _ := rt["schemaExtensions"].([]any)
		for _, e := range exts {
			if s, _ := field(e, "schema").(string); s != "" {
				extensions = append(extensions, s)
			}
		}
	}
	r = o.send("GET", "/Schemas", "", nil)
	var listed []string
	for _, s := range o.list(r, "GET /Schemas").resources {
		id, _ := s["id"].(string)
		listed = append(listed, id)
	}
	for _, e := range extensions {
		if !slices.Contains(listed, e) {
			o.t.Errorf("GET /Schemas: %s\n  expected the extension schema %s of a discovered resource type\n  actual: %q", r, e, listed)
		}
	}

	out := Entitlements{}
	var role, ent *discoveredType
	for _, dt := range types {
		dt.resources = o.importAll(dt)
		for _, res := range dt.resources {
			id, _ := res["id"].(string)
			out[dt.id] = append(out[dt.id], id)
		}
		switch {
		case dt.schema == oktaRoleSchema && role == nil && len(dt.resources) > 0:
			role = dt
		case dt.schema == oktaEntitlementSchema && ent == nil && len(dt.resources) > 0:
			ent = dt
		}
	}
	if role == nil {
		o.t.Fatalf("GET /ResourceTypes: expected a resource type with schema %s listing at least one role\n  actual: %d such types, %v", oktaRoleSchema, len(types), out)
	}

	v, uid := o.newUser()
	first := role.resources[0]
	firstID, firstName := first["id"].(string), first["displayName"].(string)
	roles := func(want ...string) func(*response, string, map[string]any) {
		return func(r *response, what string, obj map[string]any) { o.values(r, what, obj, "roles", want) }
	}
	o.patch("PATCH add role", "/Users/"+uid, fixture(o.t, "okta_assign_role", vars{"roleId": firstID, "roleName": firstName}), roles(firstID))

	held := []string{firstID}
	assigned := []map[string]any{{"value": firstID, "display": firstName}}
	if len(role.resources) > 1 {
		second := role.resources[1]
		held = append(held, second["id"].(string))
		assigned = append(assigned, map[string]any{"value": second["id"], "display": second["displayName"]})
	}
	pv := vars{"roles": assigned, "userId": uid}
	for k, x := range v {
		pv[k] = x
	}
	o.put("PUT user with roles", "/Users/"+uid, fixture(o.t, "okta_replace_user_roles", pv), roles(held...))

	unknown := "scimtest-no-such-role-" + suffix()
	r = o.send("PATCH", "/Users/"+uid, "", fixture(o.t, "okta_assign_role", vars{"roleId": unknown, "roleName": "No such role"}))
	o.status(r, "PATCH add an unknown role", http.StatusBadRequest)
	o.errorBody(r, "PATCH add an unknown role", "invalidValue")
	g, obj := o.get("GET user after the refused role", "/Users/"+uid, "")
	roles(held...)(g, "GET user after the refused role", obj)

	if ent == nil {
		return out
	}
	e := ent.resources[0]
	eid, ename := e["id"].(string), e["displayName"].(string)
	etype, _ := e["type"].(string)
	if etype == "" {
		etype = ent.id
	}
	ents := func(want ...string) func(*response, string, map[string]any) {
		return func(r *response, what string, obj map[string]any) { o.values(r, what, obj, "entitlements", want) }
	}
	o.patch("PATCH add entitlement", "/Users/"+uid, fixture(o.t, "okta_assign_entitlement", vars{"entitlementId": eid, "entitlementName": ename, "entitlementType": etype}), ents(eid))
	r = o.send("PATCH", "/Users/"+uid, "", fixture(o.t, "okta_assign_entitlement", vars{"entitlementId": "scimtest-no-such-entitlement-" + suffix(), "entitlementName": "No such entitlement", "entitlementType": etype}))
	o.status(r, "PATCH add an unknown entitlement", http.StatusBadRequest)
	o.errorBody(r, "PATCH add an unknown entitlement", "invalidValue")
	return out
}

// importAll reads every resource of dt as Okta does: startIndex from 1,
// count=100, until totalResults.
func (o *okta) importAll(dt *discoveredType) []map[string]any {
	o.t.Helper()
	var all []map[string]any
	for start := 1; ; {
		what := "GET " + dt.endpoint
		r := o.send("GET", dt.endpoint, query("startIndex", strconv.Itoa(start), "count", "100"), nil)
		l := o.list(r, what)
		if l.start != start || l.items > 100 {
			o.t.Errorf("%s: %s\n  expected startIndex %d and at most 100 resources\n  actual: startIndex %d, itemsPerPage %d", what, r, start, l.start, l.items)
		}
		for _, res := range l.resources {
			id, _ := res["id"].(string)
			name, _ := res["displayName"].(string)
			schemas, _ := json.Marshal(res["schemas"])
			if id == "" || name == "" || !strings.Contains(string(schemas), `"`+dt.schema+`"`) {
				o.t.Errorf("%s: %s\n  expected an id, a displayName and schemas listing %s\n  actual: %s", what, r, dt.schema, show(res))
			}
			all = append(all, res)
		}
		start += len(l.resources)
		if start > l.total || len(l.resources) == 0 {
			if start <= l.total {
				o.t.Errorf("%s: %s\n  expected resources up to totalResults %d\n  actual: none from startIndex %d", what, r, l.total, start)
			}
			return all
		}
	}
}

// values checks that the multi-valued attr of obj holds exactly the
// values want, in order.
func (f *flow) values(r *response, what string, obj map[string]any, attr string, want []string) {
	f.t.Helper()
	var got []string
	vs, _ := field(obj, attr).([]any)
	for _, x := range vs {
		s, _ := field(x, "value").(string)
		got = append(got, s)
	}
	if !slices.Equal(got, want) {
		f.t.Errorf("%s: %s\n  expected %s values: %q\n  actual: %q", what, r, attr, want, got)
	}
}
