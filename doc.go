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
// # What the library does
//
// Routing, content negotiation (application/scim+json and application/json
// in, application/scim+json out), schema validation, IdP quirk handling,
// filtering (package filter), PATCH (package patch), paging, sorting,
// attribute projection, ETags, the discovery endpoints (/ServiceProviderConfig,
// /ResourceTypes, /Schemas) and SCIM error envelopes (RFC 7644 §3.12). The app
// supplies a [store.Store]; the tenant travels in the request context from
// the Authenticate hook to the store ([store.WithTenant]).
//
// # Errors
//
// Every failure is answered with a SCIM error body. Handlers and stores may
// return an [*Error] for full control; the store sentinels map to 404, 409
// and 412; anything else is a 500 whose cause is logged, never sent. The
// app's own middleware can answer in SCIM form with [WriteError].
//
// # Limits
//
// Request bodies (Config.MaxBodyBytes, 1 MiB by default), page size
// (Config.MaxResults, 200 by default, advertised as filter.maxResults),
// filter length, depth and clauses (Config.FilterLimits), and JSON depth,
// string length and value counts (package resource) are bounded; a request
// over a limit is a 4xx, never a 5xx.
package scim
