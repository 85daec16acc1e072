package patch

import (
	"bytes"
	"encoding/json"

	"github.com/scimkit/scim/resource"
)

func newTree(data []byte) (map[string]any, error) {
	v, err := parseJSON(data, resource.MaxDepth, "the stored resource")
	if err != nil {
		return nil, err
	}
	m, ok := toAny(&v).(map[string]any)
	if !ok {
		return nil, errf(invalidValue, "the stored resource is not a JSON object")
	}
	return m, nil
}

func encodeTree(t map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		return nil, errf(invalidValue, "the patched resource cannot be encoded: "+err.Error())
	}
	return buf.Bytes(), nil
}

// deepCopy copies a JSON tree value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}
