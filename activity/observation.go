package activity

import (
	"time"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/quirk"
)

// Observation describes one request the SCIM handler answered, for
// scim.Config.Observe (where it is also named scim.Observation): an
// activity log, metrics, an audit trail. It carries no
// credential and no request body (passwords travel in bodies), and the id
// only when it can be an id.
type Observation struct {
	// Tenant is the tenant of the authenticated request
	// (store.TenantFrom), "" when authentication failed or its hook set
	// none.
	Tenant string
	// Connection is the request's connection (connection.FromContext, set
	// by scim.ConnectionAuth), nil when there is none.
	Connection *connection.Connection
	// Method is the HTTP method.
	Method string
	// Endpoint is the endpoint the path named, in its canonical spelling:
	// "Users", "Groups", "ServiceProviderConfig", "ResourceTypes",
	// "Schemas", "Bulk", "Me", or ".search" for the root search; "" for a
	// path that names no endpoint (a 404).
	Endpoint string
	// Search reports a POST .search request, at the root or under Users
	// or Groups.
	Search bool
	// ID is the id the path named (/Users/{id}, /Schemas/{id}), "" when it
	// named none or the id cannot be one (see scim.MaxIDBytes).
	ID string
	// Status is the HTTP status of the answer.
	Status int
	// ScimType and Detail are those of the SCIM error answered (RFC 7644
	// §3.12), "" for a success.
	ScimType, Detail string
	// Latency is the time from the handler receiving the request to the
	// answer being written.
	Latency time.Duration
	// Quirks is the set of tolerances (package quirk) that changed how
	// the request was read: empty for a request RFC 7643 and RFC 7644 read
	// the same way. Quirks.Names gives their stable short names.
	Quirks quirk.Set
	// UserAgent is the request's User-Agent header as sent (it says which
	// IdP's client sent the request, "Okta SCIM Client 1.0.0"), "" when
	// there is none. It is the client's text: bound and check it before
	// storing or showing it.
	UserAgent string
	// RequestID is the request's X-Request-Id header as sent (set by a
	// proxy or load balancer in front of the app, to correlate its logs),
	// "" when there is none. Like UserAgent, it is the client's text.
	RequestID string
}
