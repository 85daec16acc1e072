package patch

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/resource"
)

// TestPrimaryFalseKept: primary false sent in a PATCH value is kept (RFC
// 7643 §2.5 treats only null and unassigned as absent), also when another
// value takes primary; a value that loses primary true has none.
func TestPrimaryFalseKept(t *testing.T) {
	reg := resource.DefaultRegistry()
	f, tr := false, true
	tests := []struct {
		name string
		ops  string
		want []resource.MultiValue
	}{
		{"sub-attribute", `{"op":"replace","path":"emails[type eq \"work\"].primary","value":false}`,
			[]resource.MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: &f}}},
		{"entra string", `{"op":"replace","path":"emails[type eq \"work\"].primary","value":"False"}`,
			[]resource.MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: &f}}},
		{"added value", `{"op":"add","path":"emails","value":[{"value":"b@home","type":"home","primary":false}]}`,
			[]resource.MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: &tr}, {Value: "b@home", Type: "home", Primary: &f}}},
		{"new primary demotes the old", `{"op":"add","path":"emails","value":[{"value":"b@home","type":"home","primary":true}]}`,
			[]resource.MultiValue{{Value: "bjensen@example.com", Type: "work"}, {Value: "b@home", Type: "home", Primary: &tr}}},
		{"false stays when another takes primary", `{"op":"add","path":"emails","value":[{"value":"b@home","type":"home","primary":false},{"value":"b@other","type":"other","primary":true}]}`,
			[]resource.MultiValue{{Value: "bjensen@example.com", Type: "work"}, {Value: "b@home", Type: "home", Primary: &f}, {Value: "b@other", Type: "other", Primary: &tr}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustUser(t, bjensen)
			ops, err := ParseRequest([]byte(`{"Operations":[`+tt.ops+`]}`), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ApplyUser(reg, u, ops, Options{}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, u.Emails); diff != "" {
				t.Errorf("emails (-want +got):\n%s", diff)
			}
		})
	}
}
