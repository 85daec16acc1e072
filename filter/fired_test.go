package filter

import (
	"testing"

	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

// TestValidateFired: Options.Fired records quirk.BoolStrings when
// Validate reads a "True" as true, and nothing for a filter RFC 7644
// reads as it is.
func TestValidateFired(t *testing.T) {
	rt := resource.DefaultRegistry().User
	for _, tc := range []struct {
		filter string
		want   quirk.Set
	}{
		{`active eq "True"`, quirk.BoolStrings},
		{`emails[primary eq "false"]`, quirk.BoolStrings},
		{`userName eq "a" or not (active ne "TRUE")`, quirk.BoolStrings},
		{`active eq true and emails[primary eq false]`, 0},
		{`userName eq "True"`, 0},
		{`title pr`, 0},
	} {
		e, err := Parse(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		var fired quirk.Set
		if err := (Options{Fired: &fired}).Validate(e, rt); err != nil {
			t.Errorf("%s: %v", tc.filter, err)
		}
		if fired != tc.want {
			t.Errorf("%s: fired %v, want %v", tc.filter, fired, tc.want)
		}
	}
}
