package memory

import "github.com/scimkit/scim/filter"

// fold returns the case-insensitive index key of s: filter.Fold, the rule
// by which filter.Match compares strings that are not caseExact, so that
// an index hit, a uniqueness conflict and a match agree.
func fold(s string) string { return filter.Fold(s) }
