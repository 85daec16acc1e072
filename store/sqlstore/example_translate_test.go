package sqlstore_test

import (
	"fmt"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/store/sqlstore"
)

// An app keeps its users in accounts(id, tenant, email, email_folded,
// given_name, family_name, active, ...), where email_folded is
// filter.Fold(email) with a unique index on (tenant, email_folded), and
// answers Entra's lookup with one indexed query; $1 is the tenant, so the
// filter's parameters start at $2.
func ExampleTranslate() {
	e, err := filter.Parse(`userName eq "BJensen@Example.com" and active eq true`)
	if err != nil {
		panic(err)
	}
	where, args, err := sqlstore.Translate(e, sqlstore.Mapping{
		Dialect: sqlstore.Postgres,
		Columns: map[string]string{
			"id":              "a.id::text",
			"userName":        "a.email",
			"emails.value":    "a.email",
			"name.givenName":  "a.given_name",
			"name.familyName": "a.family_name",
			"active":          "a.active",
		},
		Folded:   map[string]string{"userName": "a.email_folded"},
		FirstArg: 2,
	})
	if err != nil {
		panic(err) // errors.Is(err, store.ErrUnsupported): let the handler fall back
	}
	fmt.Println("SELECT a.id FROM accounts a WHERE a.tenant = $1 AND " + where)
	fmt.Println(args...)
	// Output:
	// SELECT a.id FROM accounts a WHERE a.tenant = $1 AND ((a.email_folded IS NOT NULL AND a.email_folded <> '' AND a.email_folded = $2) AND (a.active IS NOT NULL AND a.active = $3))
	// bjensen@example.com true
}
