// Package assert holds the go-cmp based test helpers the project's tests
// share. It is imported by tests only.
package assert

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Equal fails the test if got and want differ, printing a diff.
func Equal[T any](tb testing.TB, got, want T, opts ...cmp.Option) {
	tb.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		tb.Errorf("mismatch (-want +got):\n%s", d)
	}
}

// JSONEqual decodes got and want as JSON and fails the test if they differ,
// printing a diff; key order and spacing do not matter.
func JSONEqual(tb testing.TB, got, want []byte, opts ...cmp.Option) {
	tb.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		tb.Fatalf("got is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		tb.Fatalf("want is not JSON: %v\n%s", err, want)
	}
	if d := cmp.Diff(w, g, opts...); d != "" {
		tb.Errorf("JSON mismatch (-want +got):\n%s\ngot: %s", d, got)
	}
}

// NoError fails the test now if err is not nil.
func NoError(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("unexpected error: %v", err)
	}
}
