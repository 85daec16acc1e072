package storetest_test

import (
	"testing"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

// An app checks its own store in one test function. Here the store is the
// memory store; an app returns its database-backed store, emptied.
func ExampleRun() {
	// In a _test.go file:
	_ = func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store {
			return memory.New()
		})
	}
}
