package event_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/resource"
)

// The examples of RFC 9967 §2.4 (Figures 4 to 11), as printed. Each test
// builds the Event the example describes, with the example's ids, times,
// externalId and version, and compares its SET with the figure as parsed
// JSON. Where the figure holds what an Event does not, the test says what
// it changes in the figure and why.
const (
	rfcFigure4 = `{
     "jti": "4d3559ec67504aaba65d40b0363faad8",
     "iat": 1458496404,
     "iss":"https://scim.example.com",
     "aud":[
       "https://scim.example.com/Feeds/98d52461fa5bbc879593b7754",
       "https://scim.example.com/Feeds/5d7604516b1d08641d7676ee7"
     ],
     "sub_id": {
       "format": "scim",
       "uri": "/Users/44f6142df96bd6ab61e7521d9",
        "externalId":"jdoe"
     },
     "events":{
       "urn:ietf:params:scim:event:prov:create:full":{
         "data":{
           "schemas":[ "urn:ietf:params:scim:schemas:core:2.0:User"],
           "emails":[
             {"type":"work","value":"jdoe@example.com"}
           ],
           "userName":"jdoe",
           "name":{
             "givenName":"John",
             "familyName":"Doe"
           }
         }
       }
     }
   }`
	rfcFigure5 = `{
     "jti": "4d3559ec67504aaba65d40b0363faad8",
     "iat": 1458496404,
     "iss":"https://scim.example.com",
     "aud":[
       "https://scim.example.com/Feeds/98d52461fa5bbc879593b7754",
       "https://scim.example.com/Feeds/5d7604516b1d08641d7676ee7"
     ],
     "sub_id": {
       "format": "scim",
       "uri": "/Users/44f6142df96bd6ab61e7521d9",
       "externalId": "jdoe"
     },
     "events": {
       "urn:ietf:params:scim:event:prov:create:notice": {
         "attributes": [
           "id",
           "name",
           "userName",
           "password",
           "emails"
         ]
       }
     }
   }`
	rfcFigure6 = `{
     "jti": "6164f3bbf6ff41a88dc94f18cb0620e8",
     "sub_id": {
       "format": "scim",
       "uri": "/Groups/176f397ec4c44b94b2cfcb759780b8c2",
       "externalId": "crmUsers"
     },
     "events":{
       "urn:ietf:params:scim:event:prov:patch:full": {
         "version": "a330bc54f0671c9",
         "data": {
           "schemas":
         ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
           "Operations":[{
             "op":"add",
             "path":"members",
             "value":[{
                "display": "Babs Jensen",
                "$ref": "/Users/2819c223...413861904646",
                "value": "2819c223-7f76-453a-919d-413861904646"
             }]
           }]
         }
       }
     },
     "iat": 1458505044,
     "iss":"https://scim.example.com",
     "aud":[
      "https://scim.example.com/Feeds/98d52461fa5bbc879593b7754"
     ]
   }`
	rfcFigure7 = `{
     "jti": "6164f3bbf6ff41a88dc94f18cb0620e8",
     "sub_id": {
       "format": "scim",
       "uri": "/Groups/176f397ec4c44b94b2cfcb759780b8c2",
       "externalId": "crmUsers"
     },
     "events":{
       "urn:ietf:params:scim:event:prov:patch:notice": {
         "attributes": ["members"],
         "version": "a330bc54f0671c9"
       }
     },
     "iat": 1458505044,
     "iss":"https://scim.example.com",
     "aud":[
      "https://scim.example.com/Feeds/98d52461fa5bbc879593b7754"
     ]
   }`
	rfcFigure8Data = `{
           "schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
           "userName":"jdoe",
           "externalId":"jdoe",
           "name":{
              "formatted":"Mr. Jon Jack Doe III",
              "familyName":"Doe",
              "givenName":"Jon",
              "middleName":"Jack"
           },
           "roles":[],
           "emails":[
             {"value":"jdoe@example.com"},
             {"value":"anon@jdoe.org"}
           ]
         }`
	rfcFigure8 = `{
     "jti": "6164f3bbf6ff41a88dc94f18cb0620e8",
     "sub_id": {
       "format": "scim",
       "uri": "/Users/2819c223-7f76-453a-919d-413861904646"
     },
     "events":{
       "urn:ietf:params:scim:event:prov:put:full": {
         "version": "a330bc54f0671c9",
         "data": ` + rfcFigure8Data + `
       }
     },
     "iat": 1458505044,
     "iss":"https://scim.example.com",
     "aud":[
      "https://scim.example.com/Feeds/98d52461fa5bbc879593b7754"
     ]
   }`
	rfcFigure9 = `{
     "jti": "6164f3bbf6ff41a88dc94f18cb0620e8",
     "sub_id": {
       "format": "scim",
       "uri": "/Users/2819c223-7f76-453a-919d-413861904646"
     },
     "events":{
       "urn:ietf:params:scim:event:prov:put:notice": {
         "version": "a330bc54f0671c9",
         "attributes": ["userName","externalId","name","roles","emails"]
       }
     },
     "iat": 1458505044,
     "iss":"https://scim.example.com",
     "aud":[
      "https://scim.example.com/Feeds/98d52461fa5bbc879593b7754"
     ]
   }`
	rfcFigure10 = `{
     "jti": "6164f3bbf6ff41a88dc94f18cb0620e8",
     "sub_id": {
       "format": "scim",
       "uri": "/Users/2b2f880af6674ac284bae9381673d462",
       "externalId": "jDoe"
     },
     "events":{
       "urn:ietf:params:scim:event:prov:delete": {}
     },
     "iat": 1458505044,
     "iss":"https://scim.example.com",
     "aud":[
      "https://scim.example.com/Feeds/98d52461fa5bbc879593b7754"
     ]
   }`
	rfcFigure11 = `{
     "jti": "6164f3bbf6ff41a88dc94f18cb0620e8",
     "sub_id": {
       "format": "scim",
       "uri": "/Users/2b2f880af6674ac284bae9381673d462"
     },
     "events":{
       "urn:ietf:params:scim:event:prov:activate": {}
     },
     "iat": 1458505044,
     "iss":"https://scim.example.com",
     "aud":[
      "https://scim.example.com/Feeds/98d52461fa5bbc879593b7754"
     ]
   }`
)

const (
	feed1 = "https://scim.example.com/Feeds/98d52461fa5bbc879593b7754"
	feed2 = "https://scim.example.com/Feeds/5d7604516b1d08641d7676ee7"
)

// etagVersion changes the figure's "version" from the bare value the
// figures of §2.4 print to the ETag form W/"<value>" that SET writes: §2.2
// defines version as the ETag of the resource (RFC 7644 §3.14), and the
// asyncresp figures of §2.5.1.3 print it that way.
func etagVersion(t *testing.T, figure string) []byte {
	t.Helper()
	var m map[string]any
	assert.NoError(t, json.Unmarshal([]byte(figure), &m))
	for _, p := range m["events"].(map[string]any) {
		p := p.(map[string]any)
		if v, ok := p["version"].(string); ok {
			p["version"] = `W/"` + v + `"`
		}
	}
	b, _ := json.Marshal(m)
	return b
}

func set(t *testing.T, e event.Event, opts event.SETOptions) []byte {
	t.Helper()
	b, err := e.SET(opts)
	assert.NoError(t, err)
	return b
}

func TestSETRFC9967Examples(t *testing.T) {
	// The example users and groups of the figures.
	jdoe := &resource.User{
		UserName: "jdoe",
		Name:     &resource.Name{GivenName: "John", FamilyName: "Doe"},
		Emails:   []resource.MultiValue{{Type: "work", Value: "jdoe@example.com"}},
	}
	jdoeJSON, err := json.Marshal(jdoe)
	assert.NoError(t, err)
	created := event.Event{
		ID: "4d3559ec67504aaba65d40b0363faad8", Time: time.Unix(1458496404, 0),
		ResourceType: event.User, ResourceID: "44f6142df96bd6ab61e7521d9", ExternalID: "jdoe",
		Type: event.UserCreated, Method: "POST", Resource: jdoeJSON,
		Attributes: []string{"id", "name", "userName", "password", "emails"},
	}
	crmUsers := event.Event{
		ID: "6164f3bbf6ff41a88dc94f18cb0620e8", Time: time.Unix(1458505044, 0),
		ResourceType: event.Group, ResourceID: "176f397ec4c44b94b2cfcb759780b8c2", ExternalID: "crmUsers",
		Type: event.MembersAdded, Method: "PATCH", Version: "a330bc54f0671c9",
		Members: []string{"2819c223-7f76-453a-919d-413861904646"},
	}
	put := event.Event{
		ID: "6164f3bbf6ff41a88dc94f18cb0620e8", Time: time.Unix(1458505044, 0),
		ResourceType: event.User, ResourceID: "2819c223-7f76-453a-919d-413861904646",
		Type: event.UserUpdated, Method: "PUT", Version: "a330bc54f0671c9",
		Attributes: []string{"userName", "externalId", "name", "roles", "emails"},
		Resource:   json.RawMessage(rfcFigure8Data),
	}
	deleted := event.Event{
		ID: "6164f3bbf6ff41a88dc94f18cb0620e8", Time: time.Unix(1458505044, 0),
		ResourceType: event.User, ResourceID: "2b2f880af6674ac284bae9381673d462", ExternalID: "jDoe",
		Type: event.UserDeleted, Method: "DELETE",
	}
	activated := event.Event{
		ID: "6164f3bbf6ff41a88dc94f18cb0620e8", Time: time.Unix(1458505044, 0),
		ResourceType: event.User, ResourceID: "2b2f880af6674ac284bae9381673d462",
		Type: event.UserReactivated, Method: "PATCH", Version: "3", Attributes: []string{"active"},
	}
	two := event.SETOptions{Issuer: "https://scim.example.com", Audience: []string{feed1, feed2}}
	one := event.SETOptions{Issuer: "https://scim.example.com", Audience: []string{feed1}}
	full := func(o event.SETOptions) event.SETOptions { o.Full = true; return o }

	// Figure 6's member value carries display and $ref besides value; a
	// MembersAdded event holds the member ids only (a member's display
	// and $ref are optional in a PATCH, RFC 7643 §4.2), so they are taken
	// out of the figure.
	fig6 := etagVersion(t, rfcFigure6)
	var m map[string]any
	assert.NoError(t, json.Unmarshal(fig6, &m))
	value := m["events"].(map[string]any)[event.URIPatchFull].(map[string]any)["data"].(map[string]any)["Operations"].([]any)[0].(map[string]any)["value"].([]any)[0].(map[string]any)
	delete(value, "display")
	delete(value, "$ref")
	fig6, _ = json.Marshal(m)

	for _, tc := range []struct {
		name string
		e    event.Event
		opts event.SETOptions
		want []byte
	}{
		// The data is the user's JSON form from resource.User.
		{"2.4.1_Figure4_create_full", created, full(two), []byte(rfcFigure4)},
		{"2.4.1_Figure5_create_notice", created, two, []byte(rfcFigure5)},
		{"2.4.2_Figure6_patch_full", crmUsers, full(one), fig6},
		{"2.4.2_Figure7_patch_notice", crmUsers, one, etagVersion(t, rfcFigure7)},
		{"2.4.3_Figure8_put_full", put, full(one), etagVersion(t, rfcFigure8)},
		{"2.4.3_Figure9_put_notice", put, one, etagVersion(t, rfcFigure9)},
		{"2.4.4_Figure10_delete", deleted, one, []byte(rfcFigure10)},
		{"2.4.4_Figure10_delete_full_is_the_same", deleted, full(one), []byte(rfcFigure10)},
		{"2.4.5_Figure11_activate", activated, full(one), []byte(rfcFigure11)},
		// §2.4.6 has no figure: Figure 11 with the deactivate URI.
		{"2.4.6_deactivate_as_Figure11", func() event.Event { e := activated; e.Type = event.UserDeactivated; return e }(), one,
			[]byte(strings.Replace(rfcFigure11, event.URIActivate, event.URIDeactivate, 1))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.JSONEqual(t, set(t, tc.e, tc.opts), tc.want)
		})
	}
}

// TestSETRFC9967Claims checks the claims no figure of §2.4 shows: txn
// (§2.2) from the request, iat, the Groups endpoint and an id that needs
// escaping in sub_id's uri (§2.1), and no aud when there is no audience.
func TestSETRFC9967Claims(t *testing.T) {
	e := event.Event{
		ID: "b7b953f11cc6489bbfb87834747cc4c1", Time: time.Date(2026, 5, 14, 15, 23, 38, 900, time.UTC),
		ResourceType: event.Group, ResourceID: "eng/ops", Type: event.GroupDeleted, Request: "734f0614e3274f288f93ac74119dcf78",
	}
	assert.JSONEqual(t, set(t, e, event.SETOptions{Issuer: "https://app.example.com/scim/v2"}), []byte(`{
		"jti": "b7b953f11cc6489bbfb87834747cc4c1",
		"iat": 1778772218,
		"iss": "https://app.example.com/scim/v2",
		"txn": "734f0614e3274f288f93ac74119dcf78",
		"sub_id": {"format": "scim", "uri": "/Groups/eng%2Fops"},
		"events": {"urn:ietf:params:scim:event:prov:delete": {}}
	}`))
	// IssuedAt overrides the event's time; a second SET of the event is
	// the same token otherwise.
	at := time.Unix(1900000000, 0)
	var c struct {
		JTI string `json:"jti"`
		Iat int64  `json:"iat"`
	}
	assert.NoError(t, json.Unmarshal(set(t, e, event.SETOptions{Issuer: "i", IssuedAt: at}), &c))
	assert.Equal(t, c.Iat, at.Unix())
	assert.Equal(t, c.JTI, e.ID)
	assert.Equal(t, string(set(t, e, event.SETOptions{Issuer: "i"})), string(set(t, e, event.SETOptions{Issuer: "i"})))
}

// TestSETPatchFullIsTheChange: the data of a full patch event is a PATCH
// message that, applied to the user before the change, gives the user
// after it (RFC 9967 §2.2: "the equivalent SCIM command").
func TestSETPatchFullIsTheChange(t *testing.T) {
	before := entraUser()
	before.Title = "Analyst"
	after := with(before, "2", func(u *resource.User) {
		u.Name.GivenName = "Augusta"
		u.Title = ""
		u.Enterprise.Department = "Research"
		u.Enterprise.Manager = nil
		u.Emails = append(u.Emails, resource.MultiValue{Value: "a@x.example", Type: "other"})
		u.Password = "new secret"
	})
	evs, err := event.UserEvents(base, before, after)
	assert.NoError(t, err)
	assert.Equal(t, len(evs), 1)
	claims := set(t, evs[0], event.SETOptions{Issuer: "https://app.example.com", Full: true})
	if strings.Contains(string(claims), "new secret") {
		t.Fatalf("the SET holds the password: %s", claims)
	}
	var c struct {
		Events map[string]struct {
			Version string          `json:"version"`
			Data    json.RawMessage `json:"data"`
		} `json:"events"`
	}
	assert.NoError(t, json.Unmarshal(claims, &c))
	p, ok := c.Events[event.URIPatchFull]
	if !ok {
		t.Fatalf("no %s event: %s", event.URIPatchFull, claims)
	}
	assert.Equal(t, p.Version, `W/"2"`)
	ops, err := patch.ParseRequest(p.Data, patch.Options{})
	assert.NoError(t, err)
	got := before.Clone()
	_, err = patch.ApplyUser(resource.DefaultRegistry(), got, ops, patch.Options{})
	assert.NoError(t, err)
	want := after.Clone()
	want.Password, want.Meta = "", before.Meta
	assert.Equal(t, got, want)

	// The notice lists the attributes, password included.
	notice := set(t, evs[0], event.SETOptions{Issuer: "https://app.example.com"})
	assert.JSONEqual(t, notice, []byte(`{
		"jti": "`+evs[0].ID+`", "iat": `+jsonInt(when.Unix())+`, "iss": "https://app.example.com", "txn": "req-1",
		"sub_id": {"format": "scim", "uri": "/Users/u1", "externalId": "0a21f0f2-8d2a-4f8e-bf98-7e7b0f0e5c11"},
		"events": {"urn:ietf:params:scim:event:prov:patch:notice": {"version": "W/\"2\"", "attributes": [
			"emails", "name.givenName", "password", "title",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"]}}
	}`))
}

// TestSETMembersFullIsTheChange: a full member event's PATCH message adds
// or removes exactly its members, also for ids that need quoting in a
// filter.
func TestSETMembersFullIsTheChange(t *testing.T) {
	before := group("1", "u1", `odd"id\`, "u3")
	after := group("2", "u3", "u4")
	evs, err := event.GroupEvents(base, before, after)
	assert.NoError(t, err)
	got := before.Clone()
	for _, e := range evs {
		claims := set(t, e, event.SETOptions{Issuer: "i", Full: true})
		var c struct {
			Events map[string]struct {
				Data json.RawMessage `json:"data"`
			} `json:"events"`
		}
		assert.NoError(t, json.Unmarshal(claims, &c))
		ops, err := patch.ParseRequest(c.Events[event.URIPatchFull].Data, patch.Options{})
		assert.NoError(t, err)
		_, err = patch.ApplyGroup(resource.DefaultRegistry(), got, ops, patch.Options{})
		assert.NoError(t, err)
	}
	var ids []string
	for _, m := range got.Members {
		ids = append(ids, m.Value)
	}
	assert.Equal(t, ids, []string{"u3", "u4"})
}

func TestSETFullWithoutResourceIsANotice(t *testing.T) {
	e := event.Event{ID: "1", ResourceID: "u1", Type: event.UserCreated, Attributes: []string{"userName"}}
	assert.Equal(t, e.URI(true), event.URICreateNotice)
	assert.JSONEqual(t, set(t, e, event.SETOptions{Issuer: "i", Full: true}), []byte(`{
		"jti": "1", "iat": `+jsonInt(time.Time{}.Unix())+`, "iss": "i",
		"sub_id": {"format": "scim", "uri": "/Users/u1"},
		"events": {"urn:ietf:params:scim:event:prov:create:notice": {"attributes": ["userName"]}}
	}`))
}

// TestSETPasswordOnlyIsANotice: a patch that changed only the password
// has no data a SET may carry, so even a full SET of it is a notice.
func TestSETPasswordOnlyIsANotice(t *testing.T) {
	before := entraUser()
	evs, err := event.UserEvents(base, before, with(before, "2", func(u *resource.User) { u.Password = "new secret" }))
	assert.NoError(t, err)
	assert.Equal(t, len(evs), 1)
	assert.Equal(t, evs[0].URI(true), event.URIPatchNotice)
	claims := set(t, evs[0], event.SETOptions{Issuer: "i", Full: true})
	if strings.Contains(string(claims), "new secret") || !strings.Contains(string(claims), `"attributes":["password"]`) {
		t.Errorf("claims %s", claims)
	}
}

func TestSETURIs(t *testing.T) {
	for _, tc := range []struct {
		typ          event.Type
		method       string
		notice, full string
	}{
		{event.UserCreated, "POST", event.URICreateNotice, event.URICreateFull},
		{event.GroupCreated, "POST", event.URICreateNotice, event.URICreateFull},
		{event.UserUpdated, "PATCH", event.URIPatchNotice, event.URIPatchFull},
		{event.UserUpdated, "PUT", event.URIPutNotice, event.URIPutFull},
		{event.GroupUpdated, "put", event.URIPutNotice, event.URIPutFull},
		{event.GroupUpdated, "", event.URIPatchNotice, event.URIPatchFull},
		{event.MembersAdded, "PUT", event.URIPatchNotice, event.URIPatchFull},
		{event.MembersRemoved, "PATCH", event.URIPatchNotice, event.URIPatchFull},
		{event.UserDeactivated, "PATCH", event.URIDeactivate, event.URIDeactivate},
		{event.UserReactivated, "PUT", event.URIActivate, event.URIActivate},
		{event.UserDeleted, "DELETE", event.URIDelete, event.URIDelete},
		{event.GroupDeleted, "DELETE", event.URIDelete, event.URIDelete},
		{"user.renamed", "PATCH", "", ""},
	} {
		e := event.Event{Type: tc.typ, Method: tc.method, Resource: json.RawMessage(`{}`), Attributes: []string{"title"}, Members: []string{"u1"}}
		if got := e.URI(false); got != tc.notice {
			t.Errorf("%s %s: notice URI %q, want %q", tc.typ, tc.method, got, tc.notice)
		}
		if got := e.URI(true); got != tc.full {
			t.Errorf("%s %s: full URI %q, want %q", tc.typ, tc.method, got, tc.full)
		}
	}
}

func TestSETErrors(t *testing.T) {
	ok := event.Event{ID: "1", ResourceID: "u1", Type: event.UserDeleted}
	for name, tc := range map[string]struct {
		e    event.Event
		opts event.SETOptions
	}{
		"no issuer":     {ok, event.SETOptions{}},
		"no id":         {event.Event{ResourceID: "u1", Type: event.UserDeleted}, event.SETOptions{Issuer: "i"}},
		"no resource":   {event.Event{ID: "1", Type: event.UserDeleted}, event.SETOptions{Issuer: "i"}},
		"unknown type":  {event.Event{ID: "1", ResourceID: "u1", Type: "user.renamed"}, event.SETOptions{Issuer: "i"}},
		"resource junk": {event.Event{ID: "1", ResourceID: "u1", Type: event.UserUpdated, Attributes: []string{"a"}, Resource: json.RawMessage(`{`)}, event.SETOptions{Issuer: "i", Full: true}},
	} {
		if b, err := tc.e.SET(tc.opts); err == nil {
			t.Errorf("%s: no error, claims %s", name, b)
		}
	}
}

// TestUnsecuredJWTRFC8417Section2_4: the JOSE header of RFC 8417 §2.4's
// unsecured SET, base64url-encoded as that section prints it, the claims,
// and an empty signature (RFC 7519 §6.1).
func TestUnsecuredJWTRFC8417Section2_4(t *testing.T) {
	claims := []byte(rfcFigure10)
	parts := strings.Split(event.UnsecuredJWT(claims), ".")
	assert.Equal(t, len(parts), 3)
	assert.Equal(t, parts[0], "eyJ0eXAiOiJzZWNldmVudCtqd3QiLCJhbGciOiJub25lIn0")
	got, err := base64.RawURLEncoding.DecodeString(parts[1])
	assert.NoError(t, err)
	assert.Equal(t, string(got), string(claims))
	assert.Equal(t, parts[2], "")
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
