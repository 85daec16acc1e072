package event

import (
	"cmp"
	"slices"
	"sort"

	"github.com/scimkit/scim/resource"
)

// userChanged is changed over the JSON forms of before and after
// (userIgnored), computed on the structs when neither user has custom
// extensions or undefined attributes: the fields are compared as the
// encoder writes them (an empty string or nil pointer is absent, a
// multi-valued attribute's values are compared as a multiset of their
// encoded forms, which for these flat structs is the multiset of the
// structs), without encoding before or reading either form back. ok is
// false when the JSON comparison is needed. The two agree on every pair
// of users whose strings are valid UTF-8 (TestUserChangedMatchesJSON); a
// string of invalid UTF-8, which the encoder writes with U+FFFD, is
// compared by its bytes here.
func userChanged(before, after *resource.User) (attrs []string, ok bool) {
	if len(before.Extensions) > 0 || len(before.Extra) > 0 || len(after.Extensions) > 0 || len(after.Extra) > 0 {
		return nil, false
	}
	var core, ext []string
	str := func(name, a, b string) {
		if a != b {
			core = append(core, name)
		}
	}
	str("externalId", before.ExternalID, after.ExternalID)
	str("userName", before.UserName, after.UserName)
	str("displayName", before.DisplayName, after.DisplayName)
	str("nickName", before.NickName, after.NickName)
	str("profileUrl", before.ProfileURL, after.ProfileURL)
	str("title", before.Title, after.Title)
	str("userType", before.UserType, after.UserType)
	str("preferredLanguage", before.PreferredLanguage, after.PreferredLanguage)
	str("locale", before.Locale, after.Locale)
	str("timezone", before.Timezone, after.Timezone)
	var bn, an resource.Name
	if before.Name != nil {
		bn = *before.Name
	}
	if after.Name != nil {
		an = *after.Name
	}
	str("name.formatted", bn.Formatted, an.Formatted)
	str("name.familyName", bn.FamilyName, an.FamilyName)
	str("name.givenName", bn.GivenName, an.GivenName)
	str("name.middleName", bn.MiddleName, an.MiddleName)
	str("name.honorificPrefix", bn.HonorificPrefix, an.HonorificPrefix)
	str("name.honorificSuffix", bn.HonorificSuffix, an.HonorificSuffix)
	if !samePtr(before.Active, after.Active) {
		core = append(core, "active")
	}
	multi := func(name string, a, b []resource.MultiValue) {
		if !sameMultiset(a, b, cmpMultiValue) {
			core = append(core, name)
		}
	}
	multi("emails", before.Emails, after.Emails)
	multi("phoneNumbers", before.PhoneNumbers, after.PhoneNumbers)
	multi("ims", before.IMs, after.IMs)
	multi("photos", before.Photos, after.Photos)
	multi("entitlements", before.Entitlements, after.Entitlements)
	multi("roles", before.Roles, after.Roles)
	multi("x509Certificates", before.X509Certificates, after.X509Certificates)
	if !sameMultiset(before.Addresses, after.Addresses, cmpAddress) {
		core = append(core, "addresses")
	}
	var be, ae resource.EnterpriseUser
	if before.Enterprise != nil {
		be = *before.Enterprise
	}
	if after.Enterprise != nil {
		ae = *after.Enterprise
	}
	const u = resource.EnterpriseUserSchema + ":"
	e := func(name, a, b string) {
		if a != b {
			ext = append(ext, u+name)
		}
	}
	e("employeeNumber", be.EmployeeNumber, ae.EmployeeNumber)
	e("costCenter", be.CostCenter, ae.CostCenter)
	e("organization", be.Organization, ae.Organization)
	e("division", be.Division, ae.Division)
	e("department", be.Department, ae.Department)
	var bm, am resource.Manager
	if be.Manager != nil {
		bm = *be.Manager
	}
	if ae.Manager != nil {
		am = *ae.Manager
	}
	e("manager.value", bm.Value, am.Value)
	e("manager.$ref", bm.Ref, am.Ref)
	e("manager.displayName", bm.DisplayName, am.DisplayName)
	sort.Strings(core)
	sort.Strings(ext)
	return append(core, ext...), true
}

func samePtr(a, b *bool) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// sameMultiset reports whether a and b hold the same values, each as
// often, in any order.
func sameMultiset[T any](a, b []T, compare func(x, y T) int) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.SortFunc(x, compare)
	slices.SortFunc(y, compare)
	return slices.EqualFunc(x, y, func(p, q T) bool { return compare(p, q) == 0 })
}

// primaryRank orders an unassigned primary before false before true.
func primaryRank(p *bool) int {
	switch {
	case p == nil:
		return 0
	case !*p:
		return 1
	}
	return 2
}

func cmpMultiValue(a, b resource.MultiValue) int {
	return cmp.Or(cmp.Compare(a.Value, b.Value), cmp.Compare(a.Display, b.Display), cmp.Compare(a.Type, b.Type),
		cmp.Compare(primaryRank(a.Primary), primaryRank(b.Primary)))
}

func cmpAddress(a, b resource.Address) int {
	return cmp.Or(cmp.Compare(a.Formatted, b.Formatted), cmp.Compare(a.StreetAddress, b.StreetAddress),
		cmp.Compare(a.Locality, b.Locality), cmp.Compare(a.Region, b.Region), cmp.Compare(a.PostalCode, b.PostalCode),
		cmp.Compare(a.Country, b.Country), cmp.Compare(a.Type, b.Type), cmp.Compare(primaryRank(a.Primary), primaryRank(b.Primary)))
}
