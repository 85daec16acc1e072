package scim_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/assert"
)

// TestGroupNameParallelPosts: an IdP's parallel provisioning POSTs one
// group name 16 times at once; one group is created and the others get
// 409 uniqueness, decided by the store rather than by a query before the
// create.
func TestGroupNameParallelPosts(t *testing.T) {
	h := newHarness(t, nil)
	names := []string{"Engineering", "ENGINEERING", "engineering", "EngineerinG"}
	status := make([]int, 16)
	var wg sync.WaitGroup
	for i := range status {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status[i] = h.do("POST", "/scim/v2/Groups", `{"displayName":"`+names[i%len(names)]+`"}`).status
		}()
	}
	wg.Wait()
	created := 0
	for i, s := range status {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("POST %d: status %d, want 201 or 409", i+1, s)
		}
	}
	if created != 1 {
		t.Errorf("%d of 16 parallel POSTs of one displayName created a group, want 1", created)
	}
	res := h.do("GET", "/scim/v2/Groups?filter=displayName+eq+%22engineering%22", "").expect(t, http.StatusOK)
	assert.Equal(t, res.json(t)["totalResults"], any(float64(1)))
}

// TestGroupNameRename: PUT and PATCH to a taken name are 409 uniqueness,
// and with AllowDuplicateGroupNames they succeed.
func TestGroupNameRename(t *testing.T) {
	for _, allow := range []bool{false, true} {
		h := newHarness(t, func(c *scim.Config) { c.AllowDuplicateGroupNames = allow })
		h.do("POST", "/scim/v2/Groups", `{"displayName":"Sales"}`).expect(t, http.StatusCreated)
		h.do("POST", "/scim/v2/Groups", `{"displayName":"Ops"}`).expect(t, http.StatusCreated)
		h.do("POST", "/scim/v2/Groups", `{"displayName":"Dev"}`).expect(t, http.StatusCreated)
		want := http.StatusConflict
		if allow {
			want = http.StatusOK
		}
		res := h.do("PUT", "/scim/v2/Groups/id-2", `{"displayName":"SALES"}`).expect(t, want)
		if !allow {
			assert.JSONEqual(t, res.body, []byte(errorBody(409, "uniqueness", `a group with displayName "SALES" already exists in this tenant`)))
		}
		if allow {
			want = http.StatusNoContent
		}
		h.do("PATCH", "/scim/v2/Groups/id-3", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"sales"}]}`).expect(t, want)
		// Changing the case of the group's own name is no conflict.
		h.do("PUT", "/scim/v2/Groups/id-1", `{"displayName":"SALES"}`).expect(t, http.StatusOK)
	}
}
