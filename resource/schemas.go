package resource

// This file holds the schema data of RFC 7643: the core User (§4.1), Group
// (§4.2) and enterprise User extension (§4.3), in the representation of
// §8.7.1, plus the common attributes of §3.1.
//
// One deliberate difference from §8.7.1: the value sub-attributes that hold
// a resource id (members.value, groups.value, manager.value) are caseExact,
// like id itself, so that a filter or PATCH path on them agrees with the
// exact id comparison stores make.

// attrOpt modifies an attribute under construction.
type attrOpt func(*Attribute)

// attr returns an attribute with the RFC 7643 §7 defaults: singular,
// optional, caseExact false, readWrite, returned default, uniqueness none.
func attr(name string, t AttrType, desc string, opts ...attrOpt) *Attribute {
	a := &Attribute{
		Name:        name,
		Type:        t,
		Description: desc,
		Mutability:  ReadWrite,
		Returned:    ReturnedDefault,
		Uniqueness:  UniquenessNone,
	}
	for _, o := range opts {
		o(a)
	}
	return a
}

func required(a *Attribute)    { a.Required = true }
func caseExact(a *Attribute)   { a.CaseExact = true }
func multiValued(a *Attribute) { a.MultiValued = true }

func mutability(m string) attrOpt { return func(a *Attribute) { a.Mutability = m } }
func returned(r string) attrOpt   { return func(a *Attribute) { a.Returned = r } }
func uniqueness(u string) attrOpt { return func(a *Attribute) { a.Uniqueness = u } }
func canonical(vs ...string) attrOpt {
	return func(a *Attribute) { a.CanonicalValues = vs }
}
func refTypes(ts ...string) attrOpt {
	return func(a *Attribute) { a.ReferenceTypes = ts }
}
func subs(ss ...*Attribute) attrOpt {
	return func(a *Attribute) { a.SubAttributes = ss }
}

// maxIndexed states MaxIndexedLength in the descriptions of the indexed
// attributes, so that /Schemas advertises the limit.
const maxIndexed = "1024 bytes"

// multiValuedComplex returns one of the User's multi-valued attributes with
// the usual value, display, type and primary sub-attributes (RFC 7643
// §2.4, §4.1.2).
func multiValuedComplex(name, desc string, value *Attribute, types ...string) *Attribute {
	typ := attr("type", TypeString, "A label indicating the attribute's function.")
	if len(types) > 0 {
		typ.CanonicalValues = types
	}
	return attr(name, TypeComplex, desc, multiValued, subs(
		value,
		attr("display", TypeString, "A human-readable name, primarily used for display purposes."),
		typ,
		attr("primary", TypeBoolean, "Whether this value is the preferred one of the attribute."),
	))
}

// commonAttributes returns the attributes every resource has (RFC 7643
// §3.1). RFC 7643 §8.7.1 does not list them in the /Schemas representation,
// so they are not part of any Schema's Attributes; Resolve consults them
// after the core schema and reports the core schema as their owner.
func commonAttributes() []*Attribute {
	return []*Attribute{
		attr("id", TypeString, "A unique identifier for the resource, assigned by the service provider.",
			caseExact, mutability(ReadOnly), returned(ReturnedAlways), uniqueness(UniquenessServer)),
		attr("externalId", TypeString, "An identifier for the resource as defined by the provisioning client. At most "+maxIndexed+".",
			caseExact),
		attr("meta", TypeComplex, "Resource metadata maintained by the service provider.",
			mutability(ReadOnly), subs(
				attr("resourceType", TypeString, "The name of the resource type of the resource.",
					caseExact, mutability(ReadOnly)),
				attr("created", TypeDateTime, "The time the resource was added to the service provider.",
					mutability(ReadOnly)),
				attr("lastModified", TypeDateTime, "The time the resource was last updated.",
					mutability(ReadOnly)),
				attr("location", TypeReference, "The URI of the resource.",
					caseExact, mutability(ReadOnly), refTypes("uri")),
				attr("version", TypeString, "The version of the resource, used as its ETag.",
					caseExact, mutability(ReadOnly)),
			)),
	}
}

// common holds the shared, read-only common attribute definitions.
var common = commonAttributes()

// CommonAttributes returns the definitions of id, externalId and meta
// (RFC 7643 §3.1), which every resource type has but no schema lists. The
// returned attributes are shared and must not be modified.
func CommonAttributes() []*Attribute { return common }

// newUserSchema returns the core User schema (RFC 7643 §4.1, §8.7.1).
func newUserSchema() *Schema {
	str := func(name, desc string, opts ...attrOpt) *Attribute { return attr(name, TypeString, desc, opts...) }
	return &Schema{
		ID:          UserSchema,
		Name:        "User",
		Description: "User Account",
		Attributes: []*Attribute{
			str("userName", "Unique identifier for the user, used by the user to sign in. At most "+maxIndexed+".",
				required, uniqueness(UniquenessServer)),
			attr("name", TypeComplex, "The components of the user's real name.", subs(
				str("formatted", "The full name, formatted for display."),
				str("familyName", "The family name of the user."),
				str("givenName", "The given name of the user."),
				str("middleName", "The middle name(s) of the user."),
				str("honorificPrefix", "The honorific prefix(es) of the user, or title."),
				str("honorificSuffix", "The honorific suffix(es) of the user."),
			)),
			str("displayName", "The name of the user, suitable for display to end users."),
			str("nickName", "The casual way to address the user."),
			attr("profileUrl", TypeReference, "A URI pointing to the user's online profile.", refTypes("external")),
			str("title", "The user's title, such as \"Vice President\"."),
			str("userType", "The relationship between the organization and the user."),
			str("preferredLanguage", "The user's preferred written or spoken language."),
			str("locale", "The user's default location, for localizing items such as currency."),
			str("timezone", "The user's time zone in IANA Time Zone database format."),
			attr("active", TypeBoolean, "The user's administrative status."),
			str("password", "The user's cleartext password, used to set or compare it.",
				mutability(WriteOnly), returned(ReturnedNever)),
			multiValuedComplex("emails", "Email addresses for the user.",
				str("value", "Email address for the user."), "work", "home", "other"),
			multiValuedComplex("phoneNumbers", "Phone numbers for the user.",
				str("value", "Phone number of the user."), "work", "home", "mobile", "fax", "pager", "other"),
			multiValuedComplex("ims", "Instant messaging addresses for the user.",
				str("value", "Instant messaging address for the user."),
				"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
			multiValuedComplex("photos", "URLs of photos of the user.",
				attr("value", TypeReference, "URL of a photo of the user.", refTypes("external")),
				"photo", "thumbnail"),
			attr("addresses", TypeComplex, "A physical mailing address for the user.", multiValued, subs(
				str("formatted", "The full mailing address, formatted for display."),
				str("streetAddress", "The full street address component."),
				str("locality", "The city or locality component."),
				str("region", "The state or region component."),
				str("postalCode", "The zip code or postal code component."),
				str("country", "The country name component."),
				str("type", "A label indicating the address's function.", canonical("work", "home", "other")),
				attr("primary", TypeBoolean, "Whether this is the preferred address."),
			)),
			attr("groups", TypeComplex, "The groups the user belongs to, directly or indirectly.",
				multiValued, mutability(ReadOnly), subs(
					str("value", "The identifier of the group.", mutability(ReadOnly), caseExact),
					attr("$ref", TypeReference, "The URI of the group.",
						mutability(ReadOnly), refTypes("User", "Group")),
					str("display", "The name of the group, for display purposes.", mutability(ReadOnly)),
					str("type", "Whether membership is direct or indirect.",
						mutability(ReadOnly), canonical("direct", "indirect")),
				)),
			multiValuedComplex("entitlements", "Entitlements of the user.",
				str("value", "The value of an entitlement.")),
			multiValuedComplex("roles", "Roles of the user.",
				str("value", "The value of a role.")),
			multiValuedComplex("x509Certificates", "X.509 certificates issued to the user.",
				attr("value", TypeBinary, "The DER-encoded certificate, base64-encoded.")),
		},
	}
}

// newGroupSchema returns the core Group schema (RFC 7643 §4.2, §8.7.1).
func newGroupSchema() *Schema {
	return &Schema{
		ID:          GroupSchema,
		Name:        "Group",
		Description: "Group",
		Attributes: []*Attribute{
			attr("displayName", TypeString, "A human-readable name for the group. At most "+maxIndexed+".", required),
			attr("members", TypeComplex, "The members of the group.", multiValued, subs(
				attr("value", TypeString, "The identifier of the member.", mutability(Immutable), caseExact),
				attr("$ref", TypeReference, "The URI of the member.",
					mutability(Immutable), refTypes("User", "Group")),
				attr("display", TypeString, "The name of the member, for display purposes.",
					mutability(Immutable)),
				attr("type", TypeString, "The type of the member.",
					mutability(Immutable), canonical("User", "Group")),
			)),
		},
	}
}

// newEnterpriseSchema returns the enterprise User extension (RFC 7643 §4.3,
// §8.7.1).
func newEnterpriseSchema() *Schema {
	str := func(name, desc string, opts ...attrOpt) *Attribute { return attr(name, TypeString, desc, opts...) }
	return &Schema{
		ID:          EnterpriseUserSchema,
		Name:        "EnterpriseUser",
		Description: "Enterprise User",
		Attributes: []*Attribute{
			str("employeeNumber", "A string identifier assigned by the organization."),
			str("costCenter", "The name of a cost center."),
			str("organization", "The name of an organization."),
			str("division", "The name of a division."),
			str("department", "The name of a department."),
			attr("manager", TypeComplex, "The user's manager.", subs(
				str("value", "The id of the manager's User resource.", caseExact),
				attr("$ref", TypeReference, "The URI of the manager's User resource.", refTypes("User")),
				str("displayName", "The display name of the manager.", mutability(ReadOnly)),
			)),
		},
	}
}
