// Package scim is an embeddable SCIM 2.0 service provider (RFC 7643,
// RFC 7644) for SaaS applications: mount one http.Handler, supply a store
// for users and groups, and identity providers (Microsoft Entra ID, Okta,
// JumpCloud, OneLogin, PingOne) provision users and groups into the app.
//
// # Mounting
//
// The Server serves paths relative to where it is mounted; strip the
// prefix with http.StripPrefix (also under chi, whose Mount does not strip):
//
//	var tokens scim.Tokens
//	tokens.Add(secretToken, tenantID) // the Secret Token pasted into the IdP
//	srv, err := scim.New(scim.Config{
//		Store:        memory.New(),
//		Authenticate: tokens.Authenticate,
//	})
//	if err != nil { ... }
//	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
//
// The Tenant URL to give the IdP is then https://<host>/scim/v2.
//
// # Serving
//
// Serve the mux with an http.Server whose timeouts are all set, not with
// http.ListenAndServe, whose zero timeouts let a client hold a connection
// open forever by sending its headers or body slowly:
//
//	server := &http.Server{Addr: addr, Handler: mux,
//		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
//		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
//
// What the library needs of each: ReadHeaderTimeout, always (slow-header
// clients); ReadTimeout, long enough to receive Config.MaxBodyBytes (1 MiB)
// from the slowest IdP you serve, since the handler reads the whole body
// before it decodes it; WriteTimeout, longer than the store's slowest
// request (a full page of a list, a PUT of a large group), because the
// handler writes its response only when the store has answered;
// IdleTimeout, for the keep-alive connections identity providers reuse
// between requests. The handler sets no deadline of its own: to bound the
// store's time, give the request a context deadline in a middleware (a
// store that gives up on it answers 503 with Retry-After).
//
// Behind a reverse proxy, either set Config.BaseURL to the public Tenant
// URL or set Config.TrustForwardedHeaders; by default X-Forwarded-Proto
// and X-Forwarded-Host are ignored, so that a client cannot choose the
// host of the URLs it is sent.
//
// # What the library does
//
// Routing, content negotiation (application/scim+json and application/json
// in, application/scim+json out), schema validation, IdP quirk handling,
// filtering (package filter), PATCH (package patch), paging (by startIndex,
// and by RFC 9865 cursor: see Config.CursorKey), sorting,
// attribute projection, ETags, /Bulk, the discovery endpoints (/ServiceProviderConfig,
// /ResourceTypes, /Schemas) and SCIM error envelopes (RFC 7644 §3.12). The app
// supplies a [store.Store]; the tenant travels in the request context from
// the Authenticate hook to the store ([store.WithTenant]).
//
// # Bulk
//
// POST /Bulk (RFC 7644 §3.7) runs each operation of a BulkRequest as a
// request of its own through the same code as the single request, with
// the bulk request's tenant, and answers a BulkResponse with each
// operation's status. "bulkId:..." references are resolved to the ids
// their POSTs created, in dependency order; circular references are
// refused (409), failOnErrors is honoured, and Config.MaxBulkOperations
// and Config.MaxBulkPayloadBytes are enforced (413) and advertised in
// /ServiceProviderConfig.
//
// # Errors
//
// Every failure is answered with a SCIM error body. Handlers and stores may
// return an [*Error] for full control; the store sentinels map to 404, 409
// and 412, and store.ErrUnavailable (the database cannot be reached or is
// busy) to 503 with Retry-After (Config.RetryAfter), which identity
// providers retry; anything else is a 500 whose cause is logged, never
// sent. The app's own middleware can answer in SCIM form with [WriteError].
//
// Authentication failures are 401 only when the credentials are wrong: an
// Authenticate hook returns [ErrUnknownToken] for an unknown token, and any
// other error (its token lookup failed) is a 503 with Retry-After, logged
// at ERROR, because Microsoft Entra ID quarantines a provisioning job whose
// credentials are refused.
//
// # Limits
//
// Request bodies (Config.MaxBodyBytes, 1 MiB by default; a /Bulk body
// Config.MaxBulkPayloadBytes, 1 MiB, of at most Config.MaxBulkOperations,
// 1000, operations), page size
// (Config.MaxResults, 200 by default, advertised as filter.maxResults),
// filter length, depth and clauses (Config.FilterLimits), and JSON depth,
// string length and value counts (package resource) are bounded; a request
// over a limit is a 4xx, never a 5xx. An id in a request path that is not
// valid UTF-8, contains NUL or is longer than [MaxIDBytes] is 404 without
// a store call.
package scim
