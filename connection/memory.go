package connection

import (
	"context"
	"sort"
	"sync"
	"time"
)

// MemoryStore is a [Store] in memory, for tests and single-process apps
// whose tokens may be lost on restart. The zero value is not ready; use
// [NewMemoryStore].
type MemoryStore struct {
	mu     sync.RWMutex
	conns  map[string]Connection
	tokens map[string]Token // by ID
	byHash map[Hash]string  // hash -> ID
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{conns: map[string]Connection{}, tokens: map[string]Token{}, byHash: map[Hash]string{}}
}

// Connection implements [Store].
func (s *MemoryStore) Connection(_ context.Context, tenant string) (Connection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.conns[tenant]
	if !ok {
		return Connection{}, ErrNotFound
	}
	return c, nil
}

// PutConnection implements [Store].
func (s *MemoryStore) PutConnection(_ context.Context, c Connection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c.Tenant] = c
	return nil
}

// CreateToken implements [Store].
func (s *MemoryStore) CreateToken(_ context.Context, t Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tokens[t.ID]; ok {
		return ErrConflict
	}
	if _, ok := s.byHash[t.Hash]; ok {
		return ErrConflict
	}
	s.tokens[t.ID] = t
	s.byHash[t.Hash] = t.ID
	return nil
}

// LookupToken implements [Store]. The map is keyed by the whole hash.
func (s *MemoryStore) LookupToken(_ context.Context, h Hash) (Connection, Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byHash[h]
	if !ok {
		return Connection{}, Token{}, ErrNotFound
	}
	t := s.tokens[id]
	c, ok := s.conns[t.Tenant]
	if !ok {
		return Connection{}, Token{}, ErrNotFound
	}
	return c, t, nil
}

// Tokens implements [Store].
func (s *MemoryStore) Tokens(_ context.Context, tenant string) ([]Token, error) {
	s.mu.RLock()
	out := []Token{}
	for _, t := range s.tokens {
		if t.Tenant == tenant {
			out = append(out, t)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// RevokeToken implements [Store].
func (s *MemoryStore) RevokeToken(_ context.Context, tenant, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok || t.Tenant != tenant {
		return ErrNotFound
	}
	if t.Revoked.IsZero() {
		t.Revoked = at
		s.tokens[id] = t
	}
	return nil
}

// TouchTokens implements [Store].
func (s *MemoryStore) TouchTokens(_ context.Context, uses []Use) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range uses {
		if t, ok := s.tokens[u.ID]; ok && u.At.After(t.LastUsed) {
			t.LastUsed = u.At
			s.tokens[u.ID] = t
		}
	}
	return nil
}
