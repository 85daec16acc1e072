module github.com/scimkit/scim/bench

go 1.26.0

replace github.com/scimkit/scim => ../

require (
	github.com/elimity-com/scim v0.0.0-20260728105928-2641426a1539
	github.com/google/go-cmp v0.7.0
	github.com/scim2/filter-parser/v2 v2.3.1
	github.com/scimkit/scim v0.0.0
)

require (
	github.com/q-uint/parser v0.3.1 // indirect
	github.com/q-uint/xsd-datetime v1.0.0 // indirect
)
