package scim

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// resolveChunk is how many member ids one "id eq ... or ..." query of the
// resolution fallback carries.
const resolveChunk = 100

// resolveMembers enforces the member reference rule of store.MemberResolver
// on ms, before they are written: each value must be the id of a user or a
// group of the tenant, and a type, when given, must be what the id names
// (400 invalidValue otherwise, naming the first offending id). It sets each
// member's Type to what the id names and clears $ref, which linkGroup
// derives from the type. All ids are resolved in one batch.
func (s *Server) resolveMembers(ctx context.Context, ms []resource.Member) error {
	if len(ms) == 0 {
		return nil
	}
	kinds, err := s.memberTypes(ctx, ms)
	if err != nil {
		return err
	}
	for i := range ms {
		m := &ms[i]
		k := kinds[m.Value]
		isUser, isGroup := k&store.MemberUser != 0, k&store.MemberGroup != 0
		switch {
		case !isUser && !isGroup:
			return NewError(http.StatusBadRequest, ScimTypeInvalidValue, "member "+strconv.Quote(m.Value)+" is no user or group of this tenant")
		case strings.EqualFold(m.Type, "Group"):
			if !isGroup {
				return NewError(http.StatusBadRequest, ScimTypeInvalidValue, "member "+strconv.Quote(m.Value)+" is a User, not a Group")
			}
			m.Type = "Group"
		case strings.EqualFold(m.Type, "User"):
			if !isUser {
				return NewError(http.StatusBadRequest, ScimTypeInvalidValue, "member "+strconv.Quote(m.Value)+" is a Group, not a User")
			}
			m.Type = "User"
		case isUser:
			// Without a type, an id naming both a user and a group is the
			// user (Okta sends no type and provisions users).
			m.Type = "User"
		default:
			m.Type = "Group"
		}
		m.Ref = ""
	}
	return nil
}

// resolveChangedMembers is resolveMembers for a patched group: ms are its
// members after the patch, old the members' types before it, and sent the
// members the operations add or replace. The members of sent, and those
// of ms that are new or whose type the patch changed, are resolved in one
// batch (a member sent again with a contradicting type is refused even
// though the patch keeps the stored one); the others were resolved when
// they were written, so patching a large group does not look them all up
// again.
func (s *Server) resolveChangedMembers(ctx context.Context, ms []resource.Member, old map[string]string, sent []resource.Member) error {
	check := slices.Clone(sent)
	var changed []int
	for i, m := range ms {
		if t, ok := old[m.Value]; !ok || t == "" || m.Type != t {
			changed = append(changed, i)
			check = append(check, m)
		}
		ms[i].Ref = ""
	}
	if len(check) == 0 {
		return nil
	}
	if err := s.resolveMembers(ctx, check); err != nil {
		return err
	}
	for j, i := range changed {
		ms[i] = check[len(sent)+j]
	}
	return nil
}

// memberTypes returns what each member value names: through the store's
// MemberResolver when it has one, otherwise with "id eq" queries in chunks
// through its queriers, and with GetUser and GetGroup per id as the last
// resort. Groups are looked up only for the ids that are no user or whose
// member says "Group".
func (s *Server) memberTypes(ctx context.Context, ms []resource.Member) (map[string]store.MemberType, error) {
	ids := make([]string, 0, len(ms))
	seen := make(map[string]bool, len(ms))
	for _, m := range ms {
		if !seen[m.Value] {
			seen[m.Value] = true
			ids = append(ids, m.Value)
		}
	}
	if r, ok := s.cfg.Store.(store.MemberResolver); ok {
		return r.ResolveMembers(ctx, ids)
	}
	kinds := make(map[string]store.MemberType, len(ids))
	if err := s.findUsers(ctx, ids, kinds); err != nil {
		return nil, err
	}
	wantGroup := make(map[string]bool)
	for _, m := range ms {
		if strings.EqualFold(m.Type, "Group") {
			wantGroup[m.Value] = true
		}
	}
	var rest []string
	for _, id := range ids {
		if kinds[id] == 0 || wantGroup[id] {
			rest = append(rest, id)
		}
	}
	if err := s.findGroups(ctx, rest, kinds); err != nil {
		return nil, err
	}
	return kinds, nil
}

// findUsers marks in kinds the ids that name a user.
func (s *Server) findUsers(ctx context.Context, ids []string, kinds map[string]store.MemberType) error {
	var query func(store.Query, func(id string)) error
	if q, ok := s.cfg.Store.(store.UserQuerier); ok {
		query = func(q2 store.Query, found func(string)) error {
			l, err := q.QueryUsers(ctx, q2)
			for _, u := range l.Resources {
				found(u.ID)
			}
			return err
		}
	}
	return findIDs(ids, kinds, store.MemberUser, s.reg.User, query, func(id string) error {
		_, err := s.cfg.Store.GetUser(ctx, id)
		return err
	})
}

// findGroups marks in kinds the ids that name a group.
func (s *Server) findGroups(ctx context.Context, ids []string, kinds map[string]store.MemberType) error {
	var query func(store.Query, func(id string)) error
	if q, ok := s.cfg.Store.(store.GroupQuerier); ok {
		query = func(q2 store.Query, found func(string)) error {
			q2.Members = store.WithoutMembers
			l, err := q.QueryGroups(ctx, q2)
			for _, g := range l.Resources {
				found(g.ID)
			}
			return err
		}
	}
	return findIDs(ids, kinds, store.MemberGroup, s.reg.Group, query, func(id string) error {
		_, err := s.cfg.Store.GetGroup(ctx, id, store.WithoutMembers)
		return err
	})
}

// findIDs marks in kinds with kind the ids that name a resource of rt:
// with "id eq" queries in chunks through query (nil when the store has no
// querier for rt), and when there is none or it answers
// store.ErrUnsupported, with get per id.
func findIDs(ids []string, kinds map[string]store.MemberType, kind store.MemberType, rt *resource.ResourceType, query func(store.Query, func(id string)) error, get func(id string) error) error {
	found := func(id string) { kinds[id] |= kind }
	if query != nil {
		done, err := byIDChunks(ids, rt, func(q store.Query) error { return query(q, found) })
		if done || err != nil {
			return err
		}
	}
	for _, id := range ids {
		if err := get(id); err == nil {
			found(id)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// byIDChunks runs query with the filter `id eq "a" or id eq "b" ...` for
// each chunk of ids. It reports done == false when the querier answers
// store.ErrUnsupported, and the caller then looks the ids up one by one.
func byIDChunks(ids []string, rt *resource.ResourceType, query func(store.Query) error) (done bool, err error) {
	for start := 0; start < len(ids); start += resolveChunk {
		chunk := ids[start:min(start+resolveChunk, len(ids))]
		q := store.Query{ResourceType: rt, Filter: idsFilter(chunk), Page: store.Page{StartIndex: 1, Count: len(chunk)}}
		if err := query(q); err != nil {
			if errors.Is(err, store.ErrUnsupported) {
				return false, nil
			}
			return true, err
		}
	}
	return true, nil
}

// eq is the filter `attr eq "value"`.
func eq(attr, value string) filter.Expr {
	return &filter.Compare{Path: filter.AttrPath{Name: attr}, Op: filter.Eq, Value: filter.Value{Kind: filter.String, Str: value}}
}

// idsFilter is `id eq "a" or id eq "b" ...` over ids, as a balanced tree so
// that a translator's recursion stays shallow.
func idsFilter(ids []string) filter.Expr {
	if len(ids) == 1 {
		return eq("id", ids[0])
	}
	mid := len(ids) / 2
	return &filter.Logical{Op: filter.Or, Left: idsFilter(ids[:mid]), Right: idsFilter(ids[mid:])}
}
