// Command scimbench is a loopback load test of Entra's user lookup
// (GET /Users?filter=userName eq "<name>") against three servers loaded with
// the same users: the scimkit library over its memory store, a bare
// net/http + encoding/json server, and github.com/elimity-com/scim. It
// listens on 127.0.0.1 only, drives each server with concurrent keep-alive
// clients, interleaving the servers in rounds so that the machine's other
// load falls on all of them alike, and prints requests per second per server
// and the ratios scimkit/bare and scimkit/elimity of the same run.
//
// Usage:
//
//	go run ./cmd/scimbench [-users 100000] [-requests 20000] [-concurrency 8] [-rounds 5]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/scimkit/scim/bench"
)

// maxPerServer is the hard cap on the time spent driving one server.
const maxPerServer = 60 * time.Second

// target is one server under test.
type target struct {
	name   string
	base   string // http://127.0.0.1:port
	client *http.Client
	srv    *http.Server

	done    int           // requests completed
	elapsed time.Duration // time spent driving it
	rates   []float64     // requests per second of each round
}

func main() {
	users := flag.Int("users", 100_000, "users loaded into each server")
	requests := flag.Int("requests", 20_000, "requests per server, spread over the rounds")
	concurrency := flag.Int("concurrency", 8, "concurrent keep-alive clients per server")
	rounds := flag.Int("rounds", 5, "rounds; each round drives every server in turn")
	flag.Parse()
	if *users < 1 || *requests < 1 || *concurrency < 1 || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "scimbench: -users, -requests, -concurrency and -rounds must be positive")
		os.Exit(2)
	}
	if err := run(*users, *requests, *concurrency, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "scimbench:", err)
		os.Exit(1)
	}
}

func run(users, requests, concurrency, rounds int) error {
	start := time.Now()
	d := bench.NewDataset(users)
	sk, err := bench.NewScimkit(d) // first: it records the store's versions in d
	if err != nil {
		return err
	}
	el, err := bench.NewElimity(d)
	if err != nil {
		return err
	}
	handlers := []struct {
		name string
		h    http.Handler
	}{{"scimkit", sk}, {"bare", bench.NewBare(d)}, {"elimity", el}}
	fmt.Printf("loaded %d users into 3 servers in %v\n", users, time.Since(start).Round(time.Millisecond))

	var targets []*target
	defer func() {
		for _, t := range targets {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			t.srv.Shutdown(ctx)
			cancel()
			t.client.CloseIdleConnections()
		}
	}()
	for _, h := range handlers {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: h.h, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		tr := &http.Transport{
			MaxIdleConns:        concurrency,
			MaxIdleConnsPerHost: concurrency,
			MaxConnsPerHost:     concurrency,
			DisableCompression:  true,
			Proxy:               nil, // loopback only: never through a proxy
		}
		targets = append(targets, &target{
			name:   h.name,
			base:   "http://" + ln.Addr().String(),
			client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
			srv:    srv,
		})
	}

	// The same sequence of userNames for every server: each a hit.
	rng := rand.New(rand.NewPCG(11, 13))
	paths := make([]string, 8192)
	for i := range paths {
		paths[i] = "/Users?filter=" + url.QueryEscape(`userName eq "`+d.Users[rng.IntN(len(d.Users))].UserName+`"`)
	}

	// Warm up: open the connections and fault in the code paths.
	for _, t := range targets {
		if _, err := drive(t, paths, min(500, requests), concurrency, maxPerServer); err != nil {
			return fmt.Errorf("%s: warm-up: %w", t.name, err)
		}
	}

	perRound := max(requests/rounds, 1)
	for r := range rounds {
		// Rotate the order so that no server always goes first.
		for i := range targets {
			t := targets[(i+r)%len(targets)]
			budget := maxPerServer - t.elapsed
			if budget <= 0 {
				continue
			}
			t0 := time.Now()
			n, err := drive(t, paths, perRound, concurrency, budget)
			el := time.Since(t0)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			t.done += n
			t.elapsed += el
			t.rates = append(t.rates, float64(n)/el.Seconds())
		}
	}
	return report(os.Stdout, targets, users, concurrency, rounds)
}

// drive sends up to n lookups to t from concurrency goroutines and returns
// how many completed before budget ran out.
func drive(t *target, paths []string, n, concurrency int, budget time.Duration) (int, error) {
	deadline := time.Now().Add(budget)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	for range concurrency {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || time.Now().After(deadline) {
					return
				}
				if err := lookup(t, paths[i%int64(len(paths))]); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return int(done.Load()), firstErr
}

var wantOne = []byte(`"totalResults":1`)

// lookup sends one authenticated lookup and checks that it found the user.
func lookup(t *target, path string) error {
	req, err := http.NewRequest(http.MethodGet, t.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+bench.Token)
	req.Header.Set("Accept", "application/scim+json")
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	if !bytes.Contains(body, wantOne) {
		return errors.New("lookup did not find the user: " + string(body))
	}
	return nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func report(out io.Writer, targets []*target, users, concurrency, rounds int) error {
	fmt.Fprintf(out, "Entra lookup over loopback: %d users, %d clients, %d rounds\n\n", users, concurrency, rounds)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\trequests\tseconds\treq/s (total)\treq/s (median round)\t")
	rate := map[string]float64{}
	med := map[string]float64{}
	for _, t := range targets {
		if t.elapsed > 0 {
			rate[t.name] = float64(t.done) / t.elapsed.Seconds()
		}
		med[t.name] = median(t.rates)
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.0f\t%.0f\t\n", t.name, t.done, t.elapsed.Seconds(), rate[t.name], med[t.name])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ratio := func(a, b float64) string {
		if b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2fx", a/b)
	}
	fmt.Fprintf(out, "\nscimkit/bare:    %s (total), %s (median round)\n", ratio(rate["scimkit"], rate["bare"]), ratio(med["scimkit"], med["bare"]))
	fmt.Fprintf(out, "scimkit/elimity: %s (total), %s (median round)\n", ratio(rate["scimkit"], rate["elimity"]), ratio(med["scimkit"], med["elimity"]))
	return nil
}
