package storetest_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

// jsonStore is a store that keeps its resources as encoding/json bytes, as
// an app that caches users or sends them over a queue would: every user
// and group goes through json.Marshal and json.Unmarshal on the way in and
// on the way out. It passes the kit only if the JSON form of
// resource.User and resource.Group is complete (custom extensions, unknown
// attributes, primary false, an unassigned active, members' display).
type jsonStore struct {
	t *testing.T
	*memory.Store
}

func jsonCopy[T any](t *testing.T, v *T) *T {
	t.Helper()
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%T): %v", v, err)
	}
	c := new(T)
	if err := json.Unmarshal(b, c); err != nil {
		t.Fatalf("json.Unmarshal(%T) of %s: %v", v, b, err)
	}
	return c
}

func (s jsonStore) users(l store.UserList, err error) (store.UserList, error) {
	for i, u := range l.Resources {
		l.Resources[i] = jsonCopy(s.t, u)
	}
	return l, err
}

func (s jsonStore) groups(l store.GroupList, err error) (store.GroupList, error) {
	for i, g := range l.Resources {
		l.Resources[i] = jsonCopy(s.t, g)
	}
	return l, err
}

func (s jsonStore) GetUser(ctx context.Context, id string) (*resource.User, error) {
	u, err := s.Store.GetUser(ctx, id)
	return jsonCopy(s.t, u), err
}

func (s jsonStore) CreateUser(ctx context.Context, u *resource.User) (*resource.User, error) {
	got, err := s.Store.CreateUser(ctx, jsonCopy(s.t, u))
	return jsonCopy(s.t, got), err
}

func (s jsonStore) ReplaceUser(ctx context.Context, u *resource.User, version string) (*resource.User, error) {
	got, err := s.Store.ReplaceUser(ctx, jsonCopy(s.t, u), version)
	return jsonCopy(s.t, got), err
}

func (s jsonStore) ListUsers(ctx context.Context, p store.Page) (store.UserList, error) {
	return s.users(s.Store.ListUsers(ctx, p))
}

func (s jsonStore) QueryUsers(ctx context.Context, q store.Query) (store.UserList, error) {
	return s.users(s.Store.QueryUsers(ctx, q))
}

func (s jsonStore) GetGroup(ctx context.Context, id string, m store.Members) (*resource.Group, error) {
	g, err := s.Store.GetGroup(ctx, id, m)
	return jsonCopy(s.t, g), err
}

func (s jsonStore) CreateGroup(ctx context.Context, g *resource.Group) (*resource.Group, error) {
	got, err := s.Store.CreateGroup(ctx, jsonCopy(s.t, g))
	return jsonCopy(s.t, got), err
}

func (s jsonStore) ReplaceGroup(ctx context.Context, g *resource.Group, version string) (*resource.Group, error) {
	got, err := s.Store.ReplaceGroup(ctx, jsonCopy(s.t, g), version)
	return jsonCopy(s.t, got), err
}

func (s jsonStore) ListGroups(ctx context.Context, p store.Page, m store.Members) (store.GroupList, error) {
	return s.groups(s.Store.ListGroups(ctx, p, m))
}

func (s jsonStore) QueryGroups(ctx context.Context, q store.Query) (store.GroupList, error) {
	return s.groups(s.Store.QueryGroups(ctx, q))
}

// TestJSONCopyingStore: a store that deep-copies resources through
// encoding/json passes the kit.
func TestJSONCopyingStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return jsonStore{t, memory.New()} })
}
