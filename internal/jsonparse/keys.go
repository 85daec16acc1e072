package jsonparse

// knownKeys are the object keys the library reads most, as they are
// spelled on the wire and in the stores' JSON: RFC 7643's attribute names
// of users, groups, their sub-attributes, meta and the enterprise
// extension, and RFC 7644's PATCH and list members. A key equal to one of
// them byte for byte (so without escapes) is returned as the constant,
// rather than as a new string per key per value: a page of 100 stored
// users has about 2,000 keys. Any other key, or one spelled otherwise,
// is read as any string is.
var knownKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range [...]string{
		// resources
		"schemas", "id", "externalId", "meta",
		"resourceType", "created", "lastModified", "location", "version",
		// User (RFC 7643 §4.1)
		"userName", "name", "formatted", "familyName", "givenName", "middleName",
		"honorificPrefix", "honorificSuffix", "displayName", "nickName", "profileUrl",
		"title", "userType", "preferredLanguage", "locale", "timezone", "active", "password",
		"emails", "phoneNumbers", "ims", "photos", "addresses", "groups", "entitlements",
		"roles", "x509Certificates",
		"value", "display", "type", "primary", "$ref",
		"streetAddress", "locality", "region", "postalCode", "country",
		// the enterprise extension (RFC 7643 §4.3)
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
		"employeeNumber", "costCenter", "organization", "division", "department", "manager",
		// Group (RFC 7643 §4.2)
		"members",
		// PATCH and list responses (RFC 7644 §3.5.2, §3.4.2)
		"Operations", "op", "path", "totalResults", "itemsPerPage", "startIndex", "Resources",
	} {
		m[k] = k
	}
	return m
}()

// maxKnownKey is the length of the longest of knownKeys.
var maxKnownKey = func() int {
	n := 0
	for k := range knownKeys {
		n = max(n, len(k))
	}
	return n
}()
