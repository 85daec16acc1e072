// Package resource holds the typed SCIM 2.0 resources (User, Group, the
// enterprise extension) and the schema registry that is the single source
// of truth for validation, /Schemas, filtering, sorting, projection and
// PATCH (RFC 7643).
//
// # Schemas
//
// [NewRegistry] builds a [Registry] with the core User (RFC 7643 §4.1) and
// Group (§4.2) schemas, the enterprise User extension (§4.3) and any custom
// extension schemas. The common attributes id, externalId and meta (§3.1)
// are kept apart, in [CommonAttributes], because the /Schemas
// representation of §8.7.1 does not list them; [Resolve] still finds them
// and reports the core schema as their owner, so filters such as
// `id eq "x"` and `meta.lastModified gt "..."` resolve.
//
// # Reading requests
//
// [Registry.DecodeUser] and [Registry.DecodeGroup] read request bodies
// tolerantly (case-insensitive names, "True" strings, null as unassigned,
// read-only attributes ignored, unknown URNs ignored, the enterprise
// manager as a bare string; each quirk names its IdP in decode.go) but
// exactly: wrong types and malformed JSON are *[Error] values carrying the
// RFC 7644 §3.12 scimType, and the limits [MaxDepth], [MaxStringLength] and
// [MaxValues] bound the work a body can cause. Strings must be valid UTF-8
// without lone surrogates (invalidSyntax) and must not hold U+0000
// (invalidValue); PATCH bodies are read by the same reader. Of keys that
// differ only in case the last one wins; primary false is kept.
// [Registry.ValidateUser] and [Registry.ValidateGroup] then check required
// attributes, the [MaxIndexedLength] of the indexed attributes and custom
// extensions; [Registry.CheckImmutable] checks a replacement against the
// stored resource.
//
// # Writing responses
//
// [Registry.AppendUser] and [Registry.AppendGroup] append the strict
// RFC 7643 encoding of a resource to a buffer, selecting attributes with a
// [Projection] built by [NewProjection] from the attributes and
// excludedAttributes query parameters (RFC 7644 §3.4.2.5). User and Group
// also implement json.Marshaler and json.Unmarshaler with
// [DefaultRegistry].
//
// # Reading resources generically
//
// Both resources implement [Resource]: Get returns an attribute in a
// JSON-like form, which the filter and sort code uses.
package resource
