package scimtest

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// recorder is a tester that records failures instead of failing the Go
// test, so that the package's tests can check what the flows report
// against a faulty server. Like testing.T, Fatalf ends the (sub)test's
// goroutine and cleanups run last-in first-out when it ends.
type recorder struct {
	name     string
	mu       sync.Mutex
	failed   bool
	logs     []string
	cleanups []func()
	children []*recorder
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

func (r *recorder) Run(name string, f func(tester)) bool {
	c := &recorder{name: strings.TrimPrefix(r.name+"/"+name, "/")}
	r.children = append(r.children, c)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer c.runCleanups()
		f(c)
	}()
	<-done
	if c.failed {
		r.mu.Lock()
		r.failed = true
		r.mu.Unlock()
	}
	return !c.failed
}

// runCleanups runs the cleanups, each in its own goroutine so that a
// Fatalf in one does not skip the others.
func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.cleanups[i]()
		}()
		<-done
	}
}

// leaves returns the innermost subtests (the flows) by name.
func (r *recorder) leaves() map[string]*recorder {
	out := map[string]*recorder{}
	var walk func(*recorder)
	walk = func(n *recorder) {
		if len(n.children) == 0 {
			out[n.name] = n
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(r)
	return out
}

// failedFlows returns the sorted names of the failed flows.
func (r *recorder) failedFlows() []string {
	var out []string
	for name, l := range r.leaves() {
		if l.failed {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// record runs fn with a fresh recorder and returns it.
func record(fn func(tester)) *recorder {
	r := &recorder{}
	r.Run("", func(t tester) { fn(t) })
	return r.children[0]
}
