package main

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// guard bounds each wait of the slow-client tests, so that a server that
// never closes a connection fails the test instead of hanging it. The
// tests never assert how long anything took.
const guard = 30 * time.Second

// startServer serves h with the app's server setup and timeouts t on a
// loopback listener.
func startServer(t *testing.T, h http.Handler, to Timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(h, slog.New(slog.DiscardHandler), to)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// waitClosed reads from c until the server closes it, and fails if it has
// not within guard.
func waitClosed(t *testing.T, c net.Conn, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(guard))
	_, err := io.Copy(io.Discard, c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: the server kept the connection open", what)
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestSlowClientsAreDisconnected: a client that sends its headers, its
// body or its next request too slowly (or never) is disconnected by the
// server the app runs, instead of holding a connection forever.
func TestSlowClientsAreDisconnected(t *testing.T) {
	app, h, err := newApp(t.Context(), Config{Token: testToken, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	to := Timeouts{ReadHeader: 50 * time.Millisecond, Read: 100 * time.Millisecond, Write: time.Second, Idle: 100 * time.Millisecond}
	addr := startServer(t, h, to)

	// Slow headers: a request line, then nothing.
	c := dial(t, addr)
	io.WriteString(c, "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n")
	waitClosed(t, c, "slow headers")

	// Slow body: complete headers announcing a body that never comes.
	c = dial(t, addr)
	io.WriteString(c, "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+testToken+
		"\r\nContent-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{\"userName\":")
	waitClosed(t, c, "slow body")

	// Idle: one complete request on a keep-alive connection, then silence.
	c = dial(t, addr)
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(guard))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("idle: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("idle: /healthz answered %d %q", resp.StatusCode, body)
	}
	waitClosed(t, c, "idle keep-alive connection")
}

// TestDefaultTimeouts: the app's server sets all four timeouts, with the
// header timeout the shortest and the write timeout long enough for a full
// page of a list.
func TestDefaultTimeouts(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler), DefaultTimeouts)
	if srv.ReadHeaderTimeout != 10*time.Second || srv.ReadTimeout != 30*time.Second ||
		srv.WriteTimeout != 60*time.Second || srv.IdleTimeout != 120*time.Second {
		t.Errorf("timeouts %v %v %v %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
}
