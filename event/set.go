package event

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The event URIs of RFC 9967 (§2.4, registered in §7.4) that events of
// this package are encoded with. A "full" event carries the data payload,
// a "notice" event the attributes payload (§2.4); delete, activate and
// deactivate have no variants and no payload.
const (
	URICreateFull   = "urn:ietf:params:scim:event:prov:create:full"
	URICreateNotice = "urn:ietf:params:scim:event:prov:create:notice"
	URIPatchFull    = "urn:ietf:params:scim:event:prov:patch:full"
	URIPatchNotice  = "urn:ietf:params:scim:event:prov:patch:notice"
	URIPutFull      = "urn:ietf:params:scim:event:prov:put:full"
	URIPutNotice    = "urn:ietf:params:scim:event:prov:put:notice"
	URIDelete       = "urn:ietf:params:scim:event:prov:delete"
	URIActivate     = "urn:ietf:params:scim:event:prov:activate"
	URIDeactivate   = "urn:ietf:params:scim:event:prov:deactivate"
)

// PatchOpSchema is the schema URN of a SCIM PATCH message (RFC 7644
// §3.5.2), the data of a full patch event.
const PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// SETOptions are the claims of a Security Event Token that an Event does
// not hold.
type SETOptions struct {
	// Issuer is the "iss" claim, the SCIM service provider (RFC 8417
	// §2.2: required).
	Issuer string
	// Audience is the "aud" claim, the receivers (e.g. their feed URIs);
	// left out when empty.
	Audience []string
	// Full asks for RFC 9967's "full" events, which carry the data
	// payload, instead of "notice" events, which list the attributes.
	// An event that does not hold the data (its Resource is nil, or an
	// update changed only the password) is encoded as a notice even then.
	Full bool
	// IssuedAt is the "iat" claim; zero means the event's Time, so that a
	// SET built again for a redelivery is the same token.
	IssuedAt time.Time
}

// URI returns the RFC 9967 event URI of e: create for UserCreated and
// GroupCreated; put for UserUpdated and GroupUpdated caused by a PUT, else
// patch; patch for MembersAdded and MembersRemoved (the membership change
// as a PATCH message, whatever the method: RFC 9967 §5 recommends patch
// events for groups); deactivate and activate for UserDeactivated and
// UserReactivated; delete for UserDeleted and GroupDeleted. Full chooses
// the full variant where there is one and e holds what it needs (see
// [SETOptions.Full]). It returns "" for an unknown Type.
func (e Event) URI(full bool) string {
	full = full && e.canBeFull()
	pick := func(f, n string) string {
		if full {
			return f
		}
		return n
	}
	switch e.Type {
	case UserCreated, GroupCreated:
		return pick(URICreateFull, URICreateNotice)
	case UserUpdated, GroupUpdated:
		if strings.EqualFold(e.Method, "PUT") {
			return pick(URIPutFull, URIPutNotice)
		}
		return pick(URIPatchFull, URIPatchNotice)
	case MembersAdded, MembersRemoved:
		return pick(URIPatchFull, URIPatchNotice)
	case UserDeactivated:
		return URIDeactivate
	case UserReactivated:
		return URIActivate
	case UserDeleted, GroupDeleted:
		return URIDelete
	}
	return ""
}

// canBeFull reports whether e holds the data of a full event: the
// resource, and for an update encoded as a patch an attribute to write (a
// change of the password alone has none, as a SET never holds one).
func (e Event) canBeFull() bool {
	switch e.Type {
	case MembersAdded, MembersRemoved:
		return len(e.Members) > 0
	case UserUpdated, GroupUpdated:
		if !strings.EqualFold(e.Method, "PUT") && !slices.ContainsFunc(e.Attributes, func(a string) bool { return a != "password" }) {
			return false
		}
	}
	return e.Resource != nil
}

// SET returns e as the JSON claims set of a Security Event Token (RFC
// 8417) per RFC 9967:
//
//   - "jti" is e.ID, the same for every SET of the event, so that a
//     receiver recognises a redelivery (RFC 8935 and 8936 acknowledge by
//     jti); "iat" per [SETOptions.IssuedAt]; "iss" and "aud" from opts;
//   - "txn" is e.Request (RFC 9967 §2.2: one transaction, possibly several
//     SETs), left out when empty;
//   - "sub_id" is {"format": "scim", "uri": "/Users/<id>" or
//     "/Groups/<id>", "externalId": e.ExternalID when set} (§2.1; the id
//     path-escaped); there is no "sub" claim;
//   - "events" holds the one event URI of [Event.URI] with its payload
//     (§2.2, §2.4): for create, put and patch, "version" (the ETag,
//     W/"<Version>", when e has a version) and either "data" (full) or
//     "attributes" (notice); {} for delete, activate and deactivate.
//
// The data of a full event is e.Resource for create and put (the
// resource's representation after the change), and for patch an
// equivalent PATCH message (RFC 7644 §3.5.2): a replace of each changed
// attribute with its value in e.Resource, or a remove of one e.Resource
// no longer has, and for member events an add of the members or a remove
// per member ("members[value eq \"<id>\"]"). A password is never in a
// SET: it is not in e.Resource, and a patch's data leaves it out (the
// notice form lists "password"). The attributes of a member event's
// notice are ["members"].
//
// The claims are returned unsigned: sign them as a JWS (RFC 7515) with
// the app's keys, with the header "typ": "secevent+jwt" (RFC 8417
// §2.3), before sending them to another party, or use [UnsecuredJWT]
// where the channel itself is trusted.
func (e Event) SET(opts SETOptions) ([]byte, error) {
	if opts.Issuer == "" {
		return nil, errors.New("event: SET needs an issuer (SETOptions.Issuer)")
	}
	if e.ID == "" || e.ResourceID == "" {
		return nil, errors.New("event: SET needs the event's ID and ResourceID")
	}
	uri := e.URI(opts.Full)
	if uri == "" {
		return nil, fmt.Errorf("event: SET of unknown event type %q", e.Type)
	}
	iat := opts.IssuedAt
	if iat.IsZero() {
		iat = e.Time
	}
	c := claims{
		JTI: e.ID,
		Iss: opts.Issuer,
		Iat: iat.Unix(),
		Aud: opts.Audience,
		Txn: e.Request,
		SubID: subID{
			Format:     "scim",
			URI:        endpoint(e.Type) + url.PathEscape(e.ResourceID),
			ExternalID: e.ExternalID,
		},
	}
	var p payload
	switch uri {
	case URIDelete, URIActivate, URIDeactivate:
	default:
		if e.Version != "" {
			p.Version = `W/"` + e.Version + `"`
		}
		switch uri {
		case URICreateFull, URIPutFull:
			p.Data = e.Resource
		case URIPatchFull:
			data, err := e.patchData()
			if err != nil {
				return nil, err
			}
			p.Data = data
		default:
			attrs := e.Attributes
			if e.Type == MembersAdded || e.Type == MembersRemoved {
				attrs = []string{"members"}
			}
			if attrs == nil {
				attrs = []string{}
			}
			p.Attributes = &attrs
		}
	}
	c.Events = map[string]payload{uri: p}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("event: SET: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

type claims struct {
	JTI    string             `json:"jti"`
	Iss    string             `json:"iss"`
	Iat    int64              `json:"iat"`
	Aud    []string           `json:"aud,omitempty"`
	Txn    string             `json:"txn,omitempty"`
	SubID  subID              `json:"sub_id"`
	Events map[string]payload `json:"events"`
}

type subID struct {
	Format     string `json:"format"`
	URI        string `json:"uri"`
	ExternalID string `json:"externalId,omitempty"`
}

type payload struct {
	Version    string          `json:"version,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Attributes *[]string       `json:"attributes,omitempty"`
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

type memberValue struct {
	Value string `json:"value"`
}

func endpoint(t Type) string {
	if t.ResourceType() == Group {
		return "/Groups/"
	}
	return "/Users/"
}

// patchData is the PATCH message equivalent to e's change.
func (e Event) patchData() (json.RawMessage, error) {
	var ops []patchOp
	switch e.Type {
	case MembersAdded:
		vals := make([]memberValue, len(e.Members))
		for i, id := range e.Members {
			vals[i] = memberValue{id}
		}
		ops = append(ops, patchOp{Op: "add", Path: "members", Value: vals})
	case MembersRemoved:
		for _, id := range e.Members {
			lit, _ := json.Marshal(id)
			ops = append(ops, patchOp{Op: "remove", Path: "members[value eq " + string(lit) + "]"})
		}
	default:
		var top map[string]json.RawMessage
		if err := json.Unmarshal(e.Resource, &top); err != nil {
			return nil, fmt.Errorf("event: SET: the event's Resource: %w", err)
		}
		for _, path := range e.Attributes {
			if path == "password" {
				continue
			}
			if v, ok := lookup(top, path); ok {
				ops = append(ops, patchOp{Op: "replace", Path: path, Value: v})
			} else {
				ops = append(ops, patchOp{Op: "remove", Path: path})
			}
		}
	}
	msg := struct {
		Schemas    []string  `json:"schemas"`
		Operations []patchOp `json:"Operations"`
	}{[]string{PatchOpSchema}, ops}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(msg); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// lookup finds the value of an attribute path of [UserEvents]'s
// granularity ("a", "a.b", "urn:...:a", "urn:...:a.b") in a resource's
// JSON form.
func lookup(top map[string]json.RawMessage, path string) (json.RawMessage, bool) {
	obj := top
	if strings.HasPrefix(strings.ToLower(path), "urn:") {
		i := strings.LastIndexByte(path, ':')
		raw, ok := top[path[:i]]
		if !ok || json.Unmarshal(raw, &obj) != nil {
			return nil, false
		}
		path = path[i+1:]
	}
	name, sub, isSub := strings.Cut(path, ".")
	raw, ok := obj[name]
	if !ok || !isSub {
		return raw, ok
	}
	var inner map[string]json.RawMessage
	if json.Unmarshal(raw, &inner) != nil {
		return nil, false
	}
	raw, ok = inner[sub]
	return raw, ok
}

// jwtHeader is the JOSE header of an unsecured SET (RFC 8417 §2.4).
const jwtHeader = `{"typ":"secevent+jwt","alg":"none"}`

// UnsecuredJWT returns claims (from [Event.SET]) as an unsecured JWT
// (RFC 7519 §6.1): the header {"typ":"secevent+jwt","alg":"none"} and the
// claims, base64url-encoded, and an empty signature. RFC 8417 §2.4 shows
// SETs in this form; a receiver cannot tell who made one, so use it only
// where the channel authenticates the sender.
func UnsecuredJWT(claims []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(jwtHeader)) + "." + enc.EncodeToString(claims) + "."
}
