package scim_test

import (
	"net/http"
	"testing"

	"github.com/scimkit/scim"
)

// TestForwardedHeadersIgnoredByDefault: a client that talks to the server
// directly cannot choose the host of Location and meta.location with
// X-Forwarded-Host (nor the scheme with X-Forwarded-Proto).
func TestForwardedHeadersIgnoredByDefault(t *testing.T) {
	h := newHarness(t, nil)
	res := h.do("POST", "/scim/v2/Users", bjensen, "X-Forwarded-Host: evil.example", "X-Forwarded-Proto: https").expect(t, http.StatusCreated)
	const want = "http://scim.example.com/scim/v2/Users/id-1"
	if got := res.header.Get("Location"); got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	if got := res.json(t)["meta"].(map[string]any)["location"]; got != want {
		t.Errorf("meta.location = %q, want %q", got, want)
	}
	res = h.do("GET", "/scim/v2/ServiceProviderConfig", "", "X-Forwarded-Host: evil.example").expect(t, http.StatusOK)
	if got := res.json(t)["meta"].(map[string]any)["location"]; got != "http://scim.example.com/scim/v2/ServiceProviderConfig" {
		t.Errorf("ServiceProviderConfig meta.location = %q", got)
	}
}

// TestForwardedHeadersTrustedWhenConfigured: behind a proxy that sets
// them, Config.TrustForwardedHeaders makes X-Forwarded-Proto and
// X-Forwarded-Host the scheme and host of every URL; a value that is no
// host name is ignored even then.
func TestForwardedHeadersTrustedWhenConfigured(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.TrustForwardedHeaders = true })
	res := h.do("POST", "/scim/v2/Users", bjensen, "X-Forwarded-Host: public.example.com:8443, internal:80", "X-Forwarded-Proto: https").expect(t, http.StatusCreated)
	if got, want := res.header.Get("Location"), "https://public.example.com:8443/scim/v2/Users/id-1"; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	for _, bad := range []string{"evil.example/x?", "a b", "evil.example@x", `"quoted"`} {
		res := h.do("GET", "/scim/v2/Users/id-1", "", "X-Forwarded-Host: "+bad).expect(t, http.StatusOK)
		if got, want := res.json(t)["meta"].(map[string]any)["location"], "http://scim.example.com/scim/v2/Users/id-1"; got != want {
			t.Errorf("X-Forwarded-Host %q: meta.location = %q, want %q", bad, got, want)
		}
	}
}
