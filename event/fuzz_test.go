package event_test

import (
	"encoding/json"
	"testing"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
)

// FuzzUserEvents: for any two users the JSON form reads, UserEvents and
// their SETs, full and notice, do not panic, and every SET is JSON.
func FuzzUserEvents(f *testing.F) {
	f.Add(`{"userName":"a","active":true}`, `{"userName":"b","active":false,"name":{"givenName":"x"}}`)
	f.Add(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:x:2.0:U"],"userName":"a","urn:x:2.0:U":{"k":[1,{"a":null}]}}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:x:2.0:U"],"userName":"a","urn:x:2.0:U":{"k":{"a":"\u2028"}},"weird":[]}`)
	f.Fuzz(func(t *testing.T, a, b string) {
		var before, after resource.User
		if json.Unmarshal([]byte(a), &before) != nil || json.Unmarshal([]byte(b), &after) != nil {
			return
		}
		if after.ID == "" {
			after.ID = "u1"
		}
		evs, err := event.UserEvents(base, &before, &after)
		if err != nil {
			return
		}
		for _, e := range evs {
			for _, full := range []bool{false, true} {
				claims, err := e.SET(event.SETOptions{Issuer: "i", Full: full})
				if err != nil {
					t.Fatalf("SET of %+v: %v", e, err)
				}
				if !json.Valid(claims) {
					t.Fatalf("SET is not JSON: %s", claims)
				}
			}
		}
	})
}
