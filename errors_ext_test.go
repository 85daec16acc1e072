package scim_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/resource"
)

// The errors of resource, filter and patch share one shape, and toError
// answers every error of that shape alike.
var (
	_ resource.RequestError = (*resource.Error)(nil)
	_ resource.RequestError = (*filter.Error)(nil)
	_ resource.RequestError = (*patch.Error)(nil)
)

// appError is an app's own error in the shape of resource.RequestError.
type appError struct{ scimType, detail string }

func (e *appError) Error() string                        { return e.scimType + ": " + e.detail }
func (e *appError) SCIMError() (scimType, detail string) { return e.scimType, e.detail }

func TestRequestErrorAnswered400(t *testing.T) {
	_, perr := patch.ParseRequest([]byte(`{"Operations":[{"op":"jump"}]}`), patch.Options{})
	_, ferr := filter.Parse(`userName eq`)
	for _, tc := range []struct {
		err            error
		scimType, body string
	}{
		{fmt.Errorf("in the app: %w", &appError{resource.ScimTypeSensitive, "not in the URL"}), resource.ScimTypeSensitive, "not in the URL"},
		{&resource.Error{ScimType: resource.ScimTypeMutability, Detail: "immutable"}, resource.ScimTypeMutability, "immutable"},
		{perr, resource.ScimTypeInvalidSyntax, ""},
		{ferr, resource.ScimTypeInvalidFilter, ""},
	} {
		var re resource.RequestError
		if !errors.As(tc.err, &re) {
			t.Fatalf("%v is no RequestError", tc.err)
		}
		scimType, detail := re.SCIMError()
		assert.Equal(t, scimType, tc.scimType)
		if tc.body != "" {
			assert.Equal(t, detail, tc.body)
		}
		assert.Equal(t, scim.StatusOf(tc.err), 400)
		rec := httptest.NewRecorder()
		scim.WriteError(rec, httptest.NewRequest("GET", "/", nil), tc.err)
		assert.JSONEqual(t, rec.Body.Bytes(), []byte(errorBody(400, scimType, detail)))
	}
	// One vocabulary: the root's names are resource's.
	assert.Equal(t, scim.ScimTypeInvalidFilter, resource.ScimTypeInvalidFilter)
	assert.Equal(t, filter.InvalidPath, resource.ScimTypeInvalidPath)
}
