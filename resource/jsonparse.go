package resource

import (
	"strconv"

	"github.com/scimkit/scim/internal/jsonparse"
)

// Decoding limits, enforced by DecodeUser and DecodeGroup while parsing, so
// that a hostile body cannot make the server allocate without bound. The
// JSON reader (internal/jsonparse) also refuses invalid UTF-8 and lone
// surrogates (invalidSyntax) and U+0000 in any string (invalidValue).
const (
	// MaxDepth is the deepest nesting of objects and arrays accepted; a
	// deeper body is an invalidSyntax error.
	MaxDepth = 32
	// MaxStringLength is the longest string (decoded, in bytes) accepted,
	// including object keys; a longer one is an invalidValue error.
	MaxStringLength = jsonparse.MaxStringLength
	// MaxValues is the largest number of values accepted in one
	// multi-valued attribute other than Group.members (whose size only the
	// request body limit bounds), schemas included; more is an
	// invalidValue error.
	MaxValues = 1000
	// MaxIndexedLength is the longest userName, externalId (of users and
	// groups) and group displayName accepted, in bytes; ValidateUser and
	// ValidateGroup refuse a longer one with invalidValue. These are the
	// attributes stores index and look up, and the limit keeps an index
	// entry, even case-folded, well below PostgreSQL's btree row limit of
	// about 2,700 bytes.
	MaxIndexedLength = 1024
)

// The parsed JSON tree, under the short names the decoder uses.
type (
	jvalue  = jsonparse.Value
	jmember = jsonparse.Member
)

const (
	jNull   = jsonparse.Null
	jFalse  = jsonparse.False
	jTrue   = jsonparse.True
	jNumber = jsonparse.Number
	jString = jsonparse.String
	jArray  = jsonparse.Array
	jObject = jsonparse.Object
)

// parseJSON parses data with the library's JSON reader and MaxDepth.
func parseJSON(data []byte) (jvalue, error) {
	v, err := jsonparse.Parse(data, MaxDepth)
	if err != nil {
		e := err.(*jsonparse.Error)
		return jvalue{}, &Error{ScimType: e.ScimType, Detail: e.Detail}
	}
	return v, nil
}

// toAny converts a parsed value to the JSON-like form of Resource.Get:
// string, bool, int64 (or float64 for numbers that are not integers),
// []any, map[string]any; nil for null.
func toAny(v *jvalue) any {
	switch v.Kind {
	case jTrue:
		return true
	case jFalse:
		return false
	case jString:
		return v.Str
	case jNumber:
		if i, err := strconv.ParseInt(v.Str, 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(v.Str, 64)
		return f
	case jArray:
		out := make([]any, 0, len(v.Elems))
		for i := range v.Elems {
			if x := toAny(&v.Elems[i]); x != nil {
				out = append(out, x)
			}
		}
		return out
	case jObject:
		m := make(map[string]any, len(v.Mems))
		for i := range v.Mems {
			if x := toAny(&v.Mems[i].Val); x != nil {
				m[v.Mems[i].Key] = x
			}
		}
		return m
	}
	return nil
}
