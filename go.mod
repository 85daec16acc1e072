module github.com/scimkit/scim

go 1.24

require (
	github.com/go-chi/chi/v5 v5.2.3 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/q-uint/parser v0.3.1 // indirect
	github.com/scim2/filter-parser/v2 v2.3.1 // indirect
)
