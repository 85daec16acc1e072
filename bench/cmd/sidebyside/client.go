package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/bench"
)

const benchToken = bench.Token

// client is a keep-alive HTTP client of one server.
type client struct {
	base string
	hc   *http.Client
}

func newClient(base string) *client {
	tr := &http.Transport{MaxIdleConns: 32, MaxIdleConnsPerHost: 32, MaxConnsPerHost: 32, DisableCompression: true, Proxy: nil}
	return &client{base: base, hc: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

// raw sends one request to url.
func (c *client) raw(ctx context.Context, method, url, body string, auth bool) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+benchToken)
		req.Header.Set("Accept", "application/scim+json")
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// do sends an authenticated SCIM request and checks its status.
func (c *client) do(method, path, body string, want ...int) ([]byte, error) {
	st, b, err := c.raw(context.Background(), method, c.base+path, body, true)
	if err != nil {
		return nil, err
	}
	for _, w := range want {
		if st == w {
			return b, nil
		}
	}
	if len(b) > 300 {
		b = b[:300]
	}
	return nil, fmt.Errorf("%s %s: status %d: %s", method, path, st, b)
}

// schedstat returns the CPU time the process pid has used so far: the sum
// over its threads of /proc/<pid>/task/<tid>/schedstat (nanoseconds on a
// CPU), which is exact where /proc/<pid>/stat counts 10 ms ticks.
func schedstat(pid int) time.Duration {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread exited
		}
		f, _, _ := strings.Cut(string(b), " ")
		n, _ := strconv.ParseInt(f, 10, 64)
		sum += time.Duration(n)
	}
	return sum
}

// pgBackends returns the pids of the PostgreSQL backends serving
// application name app.
func pgBackends(admin *sql.DB, app string) []int {
	rows, err := admin.Query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var p int
		if rows.Scan(&p) == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// userBody is the body of POST /Users for a user named name.
func userBody(name, given, family string) string {
	b, _ := json.Marshal(map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": name,
		"active":   true,
		"name":     map[string]string{"givenName": given, "familyName": family, "formatted": given + " " + family},
		"emails":   []map[string]any{{"value": strings.ToLower(name), "type": "work", "primary": true}},
	})
	return string(b)
}

// lookupPath is Entra's lookup of userName name.
func lookupPath(name string) string {
	return "/Users?filter=" + url.QueryEscape(`userName eq "`+name+`"`)
}

// The three PATCHes of Entra's provisioning cycle after the create: an
// update of attributes (the work email, the family name, the enterprise
// department), a deactivation, and a reactivation with a new given name.
const (
	patchUpdate = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updated%[1]d@contoso.com"},
{"op":"Replace","path":"name.familyName","value":"Updated%[1]d"},
{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Engineering%[1]d"}]}`
	patchActive = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":%s}]}`
	patchGiven  = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":true},{"op":"Replace","path":"name.givenName","value":"Given%d"}]}`
)

// membersAdd is Entra's PATCH adding members ids.
func membersAdd(ids []string) string {
	var b strings.Builder
	b.WriteString(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"value":"` + id + `"}`)
	}
	b.WriteString(`]}]}`)
	return b.String()
}

// memberRemove is Entra's PATCH removing member id.
func memberRemove(id string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members[value eq \"` + id + `\"]"}]}`
}
