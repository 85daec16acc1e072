package resource

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecodeUser checks that DecodeUser never panics, and that what it
// accepts re-encodes to valid JSON that decodes to an equal user.
func FuzzDecodeUser(f *testing.F) {
	for _, s := range []string{
		`{"userName":"a","active":"True","emails":{"value":"x","primary":"false"}}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b","name":{"givenName":"\u00e9\u2028"},"x":[1,{"y":null}]}`,
		`{"userName":"c","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":["m"]},"` + extURN + `":{"level":1,"tags":"t","vip":"TRUE","other":{}}}`,
		`{"userName":"d","addresses":[{"country":"US","primary":true}],"x509Certificates":[{"value":"YWJj"}],"Foo":1,"foo":2}`,
		`{"userName":"e","` + extURN + `:level":-0.0e1}`,
	} {
		f.Add([]byte(s))
	}
	r := testRegistry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := r.DecodeUser(data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		u.Password = "" // write-only: never encoded
		b := r.AppendUser(nil, u, nil)
		if !json.Valid(b) {
			t.Fatalf("invalid JSON: %s", b)
		}
		u2, err := r.DecodeUser(b)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", b, err)
		}
		if diff := cmp.Diff(u, u2); diff != "" {
			t.Fatalf("round trip of %s (-first +second):\n%s", b, diff)
		}
	})
}

// FuzzDecodeGroup is FuzzDecodeUser for groups.
func FuzzDecodeGroup(f *testing.F) {
	f.Add([]byte(`{"displayName":"g","members":[{"value":"1","$ref":null,"type":"group"}],"meta":{"resourceType":"Group"}}`))
	r := testRegistry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := r.DecodeGroup(data)
		if err != nil {
			return
		}
		b := r.AppendGroup(nil, g, nil)
		g2, err := r.DecodeGroup(b)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", b, err)
		}
		if diff := cmp.Diff(g, g2); diff != "" {
			t.Fatalf("round trip of %s (-first +second):\n%s", b, diff)
		}
	})
}
