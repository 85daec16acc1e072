// Package bench measures the library against a bare net/http server and
// github.com/elimity-com/scim on the same load. It is its own module so
// that the library's go.mod does not depend on what it is compared with.
package bench
