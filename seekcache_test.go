package scim

import (
	"testing"
	"time"
)

// TestSeekCacheDropKeepsOneRingSlot: a key dropped (or expired) and put
// again holds one slot of the ring, so it is not evicted early by its own
// stale slot: after seekCacheSize-1 other keys it is still there.
func TestSeekCacheDropKeepsOneRingSlot(t *testing.T) {
	now := time.Unix(0, 0)
	c := newSeekCache(time.Hour, func() time.Time { return now })
	k := seekKey{tenant: "t", start: 1}
	c.put(k, "p1", seekTotal{})
	c.drop(k)
	if pos, _ := c.get(k); pos != "" {
		t.Fatalf("dropped key answers %q", pos)
	}
	c.put(k, "p2", seekTotal{})
	for i := range seekCacheSize - 1 {
		c.put(seekKey{tenant: "t", start: 2 + i}, "x", seekTotal{})
	}
	if pos, _ := c.get(k); pos != "p2" {
		t.Errorf("after %d other keys, the key answers %q, want p2", seekCacheSize-1, pos)
	}
	if len(c.order) != seekCacheSize || len(c.entries) != seekCacheSize {
		t.Errorf("ring %d, entries %d, want %d each", len(c.order), len(c.entries), seekCacheSize)
	}
}
