package sqlstore

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/internal/assert"
)

// TestEncodeEvent holds the outbox's hand-written event encoder to
// encoding/json's encoding of wireEvent: the same JSON value for events
// with every field set, none set, and strings that need escaping, and the
// event read back intact; a Resource that is not JSON and a time
// encoding/json cannot write are refused.
func TestEncodeEvent(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 6789, time.FixedZone("", 5*3600+30*60))
	events := map[string]event.Event{
		"full": {ID: "e1", Tenant: "t", ResourceType: event.User, ResourceID: "u1", ExternalID: "x1", Type: event.UserUpdated,
			Time: at, Request: "r", Method: "PATCH", Profile: "entra", Attributes: []string{"name.familyName", "active"},
			Members: []string{"m1", "m2"}, Version: "7", Resource: json.RawMessage(`{ "id" : "u1",
				"displayName": "Barbara Jensen", "emails": [ {"value": "b@example.com"} ] }`)},
		"empty":     {},
		"zero time": {ID: "e2", Type: event.UserDeleted, Attributes: []string{}, Members: []string{}, Resource: json.RawMessage{}},
		"escapes": {ID: "\"quoted\"\\", Tenant: "<a&b>", ResourceID: "tab\tnl\nnul\x00", ExternalID: "bad\xffutf8",
			Request: "\u2028\u2029", Attributes: []string{"é", "\x1f"}, Time: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)},
	}
	for name, e := range events {
		t.Run(name, func(t *testing.T) {
			got, err := encodeEvent(&e)
			assert.NoError(t, err)
			want, err := json.Marshal(wireEvent{e.ID, e.Tenant, e.ResourceType, e.ResourceID, e.ExternalID, e.Type, e.Time,
				e.Request, e.Method, e.Profile, e.Attributes, e.Members, e.Version, e.Resource})
			assert.NoError(t, err)
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("encodeEvent wrote invalid JSON %s: %v", got, err)
			}
			assert.NoError(t, json.Unmarshal(want, &w))
			assert.Equal(t, g, w)
			back, err := decodeEvent(got)
			assert.NoError(t, err)
			wantBack, err := decodeEvent(want)
			assert.NoError(t, err)
			assert.Equal(t, back, wantBack)
		})
	}
	for name, e := range map[string]event.Event{
		"resource not JSON": {ID: "e3", Resource: json.RawMessage(`{"id":`)},
		"year 10000":        {ID: "e4", Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if data, err := encodeEvent(&e); err == nil {
			t.Errorf("%s: encodeEvent = %s, want an error", name, data)
		}
	}
}

// TestEncodeEventsShareResource: the events of one write that share a
// Resource (event.UserEvents gives them one slice) are each written with
// it, compacted.
func TestEncodeEventsShareResource(t *testing.T) {
	res := json.RawMessage(`{"id": "u1", "active": false}`)
	var c compactor
	for _, typ := range []event.Type{event.UserUpdated, event.UserDeactivated} {
		e := event.Event{ID: string(typ), Type: typ, Resource: res}
		b, err := appendEvent(nil, &e, &c)
		assert.NoError(t, err)
		if s := string(appendVersion(b, "3")); !strings.Contains(s, `"resource":{"id":"u1","active":false},"version":"3"}`) {
			t.Errorf("%s: %s", typ, s)
		}
	}
}
