package resource

import "testing"

// The attribute-walk fixtures, for the walk's PATCH leg in package
// resource_test (which may import patch; package resource may not).
var (
	EveryFieldUser  = everyFieldUser
	EveryFieldGroup = everyFieldGroup
)

// WalkRegistry is walkRegistry.
func WalkRegistry(t *testing.T) *Registry { return walkRegistry(t) }
