package patch

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/scimkit/scim/internal/jsonenc"
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

// encodeTree writes the tree as JSON for the registry to decode, object
// keys sorted, without reflection.
func encodeTree(t map[string]any) ([]byte, error) {
	out, err := appendTree(make([]byte, 0, 1024), t)
	if err != nil {
		return nil, errf(invalidValue, "the patched resource cannot be encoded: "+err.Error())
	}
	return out, nil
}

// appendTree appends the JSON of a tree value: what toAny, the applier
// and its normalisations put in a tree.
func appendTree(dst []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case string:
		return jsonenc.AppendString(dst, v), nil
	case json.Number:
		if !json.Valid([]byte(v)) {
			return nil, errors.New("invalid number " + strconv.Quote(string(v)))
		}
		return append(dst, v...), nil
	case []any:
		dst = append(dst, '[')
		for i, x := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendTree(dst, x); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(jsonenc.AppendString(dst, k), ':')
			if dst, err = appendTree(dst, v[k]); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}
	b, err := json.Marshal(v)
	return append(dst, b...), err
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
