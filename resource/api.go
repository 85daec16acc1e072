package resource

// Resource is the read view of a resource used by filtering, sorting and
// projection. Get returns the value of the attribute name of the schema
// schemaURN (both canonical, as in the registry) in JSON-like form: string,
// bool, int64, float64, time.Time for dateTime, map[string]any with
// canonical sub-attribute names for complex values, []any for
// multi-valued; nil when unassigned.
type Resource interface {
	Get(schemaURN, name string) any
}

var (
	_ Resource = (*User)(nil)
	_ Resource = (*Group)(nil)
)

// Registry holds the resource types a server serves and their schemas: the
// core User with the enterprise extension and any registered custom
// extensions, and the core Group.
type Registry struct {
	User  *ResourceType
	Group *ResourceType
}
