package main

import (
	"testing"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/storetest"
)

// TestSCIMStore runs the library's conformance kit against the adapter:
// it proves the mapping keeps every SCIM attribute, enforces userName
// uniqueness per tenant, versions writes and derives User.groups.
func TestSCIMStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return NewSCIMStore(NewDB(nil))
	})
}
