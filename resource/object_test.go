package resource_test

import (
	"encoding/json"
	"testing"

	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

func licenseType() *resource.ResourceType {
	return &resource.ResourceType{ID: "License", Name: "License", Endpoint: "/Licenses",
		Schema: &resource.Schema{ID: "urn:acme:License", Attributes: []*resource.Attribute{
			{Name: "displayName", Type: resource.TypeString, Required: true},
			{Name: "seats", Type: resource.TypeInteger},
			{Name: "owner", Type: resource.TypeComplex, SubAttributes: []*resource.Attribute{
				{Name: "value", Type: resource.TypeString}, {Name: "secret", Type: resource.TypeString, Returned: resource.ReturnedNever}}},
			{Name: "serial", Type: resource.TypeString, Mutability: resource.ReadOnly},
		}},
		Extensions: []resource.SchemaExtension{{Schema: &resource.Schema{ID: "urn:acme:Billing",
			Attributes: []*resource.Attribute{{Name: "costCenter", Type: resource.TypeString, Required: true}}}}},
	}
}

func TestDecodeObject(t *testing.T) {
	rt := licenseType()
	o, err := resource.DecodeObject(rt, []byte(`{"schemas":["urn:acme:License","urn:acme:Billing"],"id":"x","meta":{"version":"1"},
		"externalId":"e1","DISPLAYNAME":"Pro","seats":5,"serial":"S-1","owner":{"value":"u1","secret":"s"},"extra":true,
		"urn:acme:Billing":{"costCenter":"CC-1"}}`), resource.DecodeOptions{})
	assert.NoError(t, err)
	assert.Equal(t, o.ID, "")
	assert.Equal(t, o.ExternalID, "e1")
	assert.JSONEqual(t, o.Attributes, []byte(`{"displayName":"Pro","seats":5,"owner":{"value":"u1","secret":"s"},"extra":true}`))
	assert.JSONEqual(t, o.Extensions["urn:acme:Billing"], []byte(`{"costCenter":"CC-1"}`))

	for body, scimType := range map[string]string{
		`{"seats":1}`:                                             resource.ScimTypeInvalidValue, // displayName required
		`{"displayName":"P","seats":"x"}`:                         resource.ScimTypeInvalidValue,
		`{"displayName":"P","schemas":["u"]}`:                     resource.ScimTypeInvalidValue,
		`{"displayName":"P","urn:acme:Billing":{"costCenter":5}}`: resource.ScimTypeInvalidValue,
		`{"displayName":`:                                         resource.ScimTypeInvalidSyntax,
		`[]`:                                                      resource.ScimTypeInvalidSyntax,
	} {
		_, err := resource.DecodeObject(rt, []byte(body), resource.DecodeOptions{})
		re, ok := err.(*resource.Error)
		if !ok || re.ScimType != scimType {
			t.Errorf("DecodeObject(%s) = %v, want scimType %s", body, err, scimType)
		}
	}
	if _, err := resource.DecodeObject(rt, []byte(`{"displayName":"P","extra":1}`), resource.DecodeOptions{Disable: quirk.UnknownAttributes}); err == nil {
		t.Error("an unknown attribute was accepted with quirk.UnknownAttributes off")
	}
}

func TestAppendObject(t *testing.T) {
	rt := licenseType()
	o := &resource.Object{ID: "l1", ExternalID: "e1",
		Attributes: json.RawMessage(`{"id":"ignored","displayName":"Pro","seats":5,"owner":{"value":"u1","secret":"s"},"nothing":null}`),
		Extensions: map[string]json.RawMessage{"urn:acme:billing": json.RawMessage(`{"costCenter":"CC-1"}`)},
		Meta:       resource.Meta{ResourceType: "License", Version: "3"}}
	assert.JSONEqual(t, resource.AppendObject(nil, rt, o, nil), []byte(`{"schemas":["urn:acme:License","urn:acme:Billing"],"id":"l1","externalId":"e1",
		"displayName":"Pro","seats":5,"owner":{"value":"u1"},"urn:acme:Billing":{"costCenter":"CC-1"},"meta":{"resourceType":"License","version":"W/\"3\""}}`))
	p, _ := resource.NewProjection(rt, "seats", "")
	assert.JSONEqual(t, resource.AppendObject(nil, rt, o, p), []byte(`{"schemas":["urn:acme:License"],"id":"l1","seats":5}`))
	p, _ = resource.NewProjection(rt, "", "urn:acme:Billing,meta,owner")
	assert.JSONEqual(t, resource.AppendObject(nil, rt, o, p), []byte(`{"schemas":["urn:acme:License"],"id":"l1","externalId":"e1","displayName":"Pro","seats":5}`))
	assert.Equal(t, string(resource.AppendObject(nil, rt, nil, nil)), "null")

	r := resource.ObjectResource(rt, o)
	assert.Equal(t, r.Get("", "displayname"), any("Pro"))
	assert.Equal(t, r.Get("urn:acme:License", "seats"), any(int64(5)))
	assert.Equal(t, r.Get("", "id"), any("l1"))
	assert.Equal(t, r.Get("urn:acme:Billing", "costCenter"), any("CC-1"))
	assert.Equal(t, r.Get("urn:acme:Other", "displayName"), nil)
}

func TestCheckResourceType(t *testing.T) {
	assert.NoError(t, resource.CheckResourceType(licenseType()))
	for _, rt := range []*resource.ResourceType{
		nil,
		{ID: "A", Name: "A", Endpoint: "/A"},
		{ID: "", Name: "A", Endpoint: "/A", Schema: licenseType().Schema},
		{ID: "A", Name: "A", Endpoint: "A", Schema: licenseType().Schema},
		{ID: "A", Name: "A", Endpoint: "/A/B", Schema: licenseType().Schema},
		{ID: "A", Name: "A", Endpoint: "/A", Schema: licenseType().Schema, Extensions: []resource.SchemaExtension{{Schema: licenseType().Schema}}},
	} {
		if err := resource.CheckResourceType(rt); err == nil {
			t.Errorf("CheckResourceType(%+v) accepted", rt)
		}
	}
}
