package filter

import "testing"

func TestMentions(t *testing.T) {
	for _, c := range []struct {
		filter string
		want   bool
	}{
		{`members.value eq "u"`, true},
		{`id eq "g" and Members.value eq "u"`, true},
		{`not (members pr)`, true},
		{`members[value eq "u"]`, true},
		{`displayName eq "members"`, false},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:members.value eq "u"`, true},
		{`id eq "g" or externalId eq "x"`, false},
	} {
		e, err := Parse(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got := Mentions(e, "members"); got != c.want {
			t.Errorf("Mentions(%s, members) = %v, want %v", c.filter, got, c.want)
		}
	}
}
