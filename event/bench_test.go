package event_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
)

// BenchmarkUserEvents is the cost the handler adds to a user update:
// Entra's deactivation PATCH, and an update of a given name.
func BenchmarkUserEvents(b *testing.B) {
	before := entraUser()
	for name, change := range map[string]func(*resource.User){
		"deactivate": func(u *resource.User) { u.Active = ptr(false) },
		"givenName":  func(u *resource.User) { u.Name.GivenName = "Augusta" },
	} {
		after := with(before, "2", change)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := event.UserEvents(base, before, after); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSET(b *testing.B) {
	evs, err := event.UserEvents(base, nil, entraUser())
	if err != nil {
		b.Fatal(err)
	}
	for _, full := range []bool{false, true} {
		b.Run(fmt.Sprintf("full=%v", full), func(b *testing.B) {
			opts := event.SETOptions{Issuer: "https://app.example.com", Full: full}
			for b.Loop() {
				if _, err := evs[0].SET(opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLog: an append of one event to a full log (which drops the
// oldest), and a page of 100 from the middle of a tenant's events.
func BenchmarkLog(b *testing.B) {
	ctx := context.Background()
	l := event.NewLog(event.LogOptions{})
	for i := range event.DefaultMaxEvents {
		if err := l.Append(ctx, ev(fmt.Sprint("t", i%10), "u1", i)); err != nil {
			b.Fatal(err)
		}
	}
	e := ev("t0", "u1", 0)
	b.Run("Append", func(b *testing.B) {
		for b.Loop() {
			if err := l.Append(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
	})
	l = event.NewLog(event.LogOptions{})
	for i := range event.DefaultMaxEvents {
		if err := l.Append(ctx, ev(fmt.Sprint("t", i%10), "u1", i)); err != nil {
			b.Fatal(err)
		}
	}
	_, mid, err := l.After(ctx, "t1", "", 500)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("After100", func(b *testing.B) {
		for b.Loop() {
			if evs, _, err := l.After(ctx, "t1", mid, 100); err != nil || len(evs) != 100 {
				b.Fatal(err, len(evs))
			}
		}
	})
}
