package activity_test

import (
	"testing"

	"github.com/scimkit/scim/activity"
	"github.com/scimkit/scim/activity/activitytest"
)

// TestMemoryStoreContract runs the activity store contract on the memory
// store.
func TestMemoryStoreContract(t *testing.T) {
	activitytest.Run(t, func(t *testing.T, r activity.Retention) activity.Store { return activity.NewMemoryStore(r) })
}
