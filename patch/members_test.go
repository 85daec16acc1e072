package patch

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

func TestMembers(t *testing.T) {
	name := func(s string) *string { return &s }
	tests := []struct {
		name   string
		ops    []string
		opts   Options
		add    []resource.Member
		remove []string
		rename *string
		ok     bool
	}{
		{"empty", nil, Options{}, nil, nil, nil, true},
		{"Entra add", []string{`{"op":"Add","path":"members","value":[{"$ref":null,"value":"u1"},{"value":"u2","type":"user"}]}`}, Options{},
			[]resource.Member{{Value: "u1"}, {Value: "u2", Type: "User"}}, nil, nil, true},
		{"Entra remove by value", []string{`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u1"}]}`}, Options{},
			nil, []string{"u1"}, nil, true},
		{"remove by value, quirk off", []string{`{"op":"Remove","path":"members","value":[{"value":"u1"}]}`}, Options{Disable: quirk.RemoveByValue},
			nil, nil, nil, false},
		{"Okta remove, add and rename", []string{
			`{"op":"replace","value":{"id":"g1","displayName":"Eng"}}`,
			`{"op":"remove","path":"members[value eq \"u1\"]"}`,
			`{"op":"add","path":"members","value":[{"value":"u2","display":"u2@okta.local"}]}`}, Options{},
			[]resource.Member{{Value: "u2", Display: "u2@okta.local"}}, []string{"u1"}, name("Eng"), true},
		{"add then remove nets out", []string{
			`{"op":"add","path":"members","value":[{"value":"u1"}]}`,
			`{"op":"remove","path":"members[value eq \"u1\"]"}`}, Options{}, nil, []string{"u1"}, nil, true},
		{"remove then add nets out", []string{
			`{"op":"remove","path":"members[value eq \"u1\"]"}`,
			`{"op":"add","path":"members","value":{"value":"u1"}}`}, Options{}, []resource.Member{{Value: "u1"}}, nil, nil, true},
		{"displayName path", []string{`{"op":"replace","path":"displayName","value":"Ops"}`}, Options{}, nil, nil, name("Ops"), true},
		{"rename with another id", []string{`{"op":"replace","value":{"id":"g2","displayName":"Eng"}}`}, Options{}, nil, nil, nil, false},
		{"replace members", []string{`{"op":"replace","path":"members","value":[]}`}, Options{}, nil, nil, nil, false},
		{"remove all members", []string{`{"op":"remove","path":"members"}`}, Options{}, nil, nil, nil, false},
		{"filter on display", []string{`{"op":"remove","path":"members[display eq \"x\"]"}`}, Options{}, nil, nil, nil, false},
		{"member without value", []string{`{"op":"add","path":"members","value":[{"display":"x"}]}`}, Options{}, nil, nil, nil, false},
		{"other attribute", []string{`{"op":"add","path":"externalId","value":"x"}`}, Options{}, nil, nil, nil, false},
		{"remove absent, quirk off", []string{`{"op":"remove","path":"members[value eq \"u1\"]"}`}, Options{Disable: quirk.IdempotentRemove}, nil, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			add, remove, rename, ok := Members("g1", ops(t, tt.ops...), tt.opts)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff(tt.add, add, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("add (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.remove, remove, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("remove (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.rename, rename); diff != "" {
				t.Errorf("rename (-want +got):\n%s", diff)
			}
		})
	}
}
