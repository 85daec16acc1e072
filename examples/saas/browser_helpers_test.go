package main

// The machinery of the browser tests (browser_test.go): one headless
// Chromium for the whole test binary, a fresh browser context (its own
// cookies) per test, the app started as the real server it is in
// production (a child process running main with the contract's flags), and
// bounded steps that wait for selectors, never for time.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const (
	// chromiumEnv names the Chromium the browser tests use. When it is
	// set, a Chromium that does not start fails the tests; when it is
	// unset, they look for one on PATH and skip if there is none.
	chromiumEnv = "SCIM_TEST_CHROMIUM"

	// childEnv makes the test binary run the app's main instead of the
	// tests: startSaaS starts the app this way.
	childEnv = "SAAS_BROWSER_TEST_CHILD"

	// browserStartTimeout bounds Chromium's start, stepTimeout every
	// browser step and HTTP request of a test, appTimeout the app's start
	// and stop. They are guards against a hang, not measurements: no test
	// asserts how long anything took.
	browserStartTimeout = 60 * time.Second
	stepTimeout         = 20 * time.Second
	appTimeout          = 30 * time.Second
)

// TestMain runs the app when the test binary is started as its child (see
// startSaaS), and otherwise the tests, then stops the shared Chromium.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		runChild()
		return
	}
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// runChild runs the app's main with the child's arguments. The parent
// holds the child's stdin: when it closes it, or dies, the child exits.
func runChild() {
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	main()
	os.Exit(0)
}

// chromiumPath returns the Chromium to run and whether the caller asked for
// it by SCIM_TEST_CHROMIUM, in which case it must work.
func chromiumPath() (path string, required bool) {
	if p := os.Getenv(chromiumEnv); p != "" {
		return p, true
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, false
		}
	}
	return "", false
}

// shared is the one Chromium process of the test binary.
var shared struct {
	once    sync.Once
	ctx     context.Context // the browser's first tab; new tabs derive from it
	cancel  func()          // stops the browser
	dir     string          // its --user-data-dir
	err     error
	outputs syncBuffer // Chromium's stdout and stderr
}

// startBrowser starts Chromium at path, headless, with the flags that keep
// it off the network (no background networking, component updates, sync
// or QUIC) and a fresh profile directory.
func startBrowser(path string) error {
	dir, err := os.MkdirTemp("", "saas-chromium-")
	if err != nil {
		return err
	}
	shared.dir = dir
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&shared.outputs),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	shared.ctx = ctx
	shared.cancel = func() { cancel(); allocCancel() }

	if err := attach(ctx, browserStartTimeout); err != nil {
		shared.cancel()
		return fmt.Errorf("starting %s: %w\n%s", path, err, shared.outputs.String())
	}
	return nil
}

// attach runs the first action of the chromedp context ctx, which starts
// its browser or opens its tab. chromedp binds the browser or the tab to
// the context of that first run, so it must not carry a deadline: a timer
// bounds the wait instead.
func attach(ctx context.Context, limit time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- chromedp.Do(ctx) }()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case err := <-errc:
		return err
	case <-timer.C:
		return fmt.Errorf("no answer from Chromium within %v", limit)
	}
}

// stopBrowser stops the shared Chromium, if it was started, and removes
// its profile directory.
func stopBrowser() {
	if shared.cancel != nil {
		shared.cancel()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
}

// newTab opens a tab in a new browser context of the shared Chromium: the
// tab has cookies of its own, so tests do not see each other's sessions.
// It skips the test when there is no Chromium and SCIM_TEST_CHROMIUM is
// unset, and fails it when the Chromium found does not start.
func newTab(t *testing.T) context.Context {
	t.Helper()
	path, required := chromiumPath()
	if path == "" {
		t.Skipf("no Chromium on PATH: install chromium, or set %s to its path", chromiumEnv)
	}
	shared.once.Do(func() { shared.err = startBrowser(path) })
	if shared.err != nil {
		if required {
			t.Fatalf("%s=%s: %v", chromiumEnv, path, shared.err)
		}
		t.Fatalf("Chromium found on PATH does not start (set %s to one that does): %v", chromiumEnv, shared.err)
	}
	tab, cancel := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := attach(tab, stepTimeout); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return tab
}

// do runs the browser actions in tab within stepTimeout, and fails the test
// with what if one fails.
func do(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs the browser action a in tab within stepTimeout and returns its
// value.
func get[T any](t *testing.T, tab context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// load runs the actions, which must cause one page load (a navigation, a
// click on a submit button), and returns the HTTP response of the page
// the browser shows after it, redirects followed.
func load(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) *network.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return resp
}

// open navigates tab to u and fails the test unless the page it lands on
// (redirects followed) answered status.
func open(t *testing.T, tab context.Context, u string, status int) *network.Response {
	t.Helper()
	resp := load(t, tab, "open "+u, chromedp.Navigate(u))
	if resp.Status != int64(status) {
		t.Fatalf("open %s: landed on %s with status %d, want %d\n%s", u, resp.URL, resp.Status, status, pageText(t, tab))
	}
	return resp
}

// awaitPromise makes Evaluate wait for the promise the expression returns.
func awaitPromise(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }

// eval evaluates the JavaScript expression in the page, awaiting a
// promise, and decodes its JSON value into T.
func eval[T any](t *testing.T, tab context.Context, what, expr string) T {
	t.Helper()
	return get(t, tab, what, chromedp.Evaluate[T](expr, awaitPromise))
}

// pageText is the text of the page the tab shows, as a reader sees it.
func pageText(t *testing.T, tab context.Context) string {
	t.Helper()
	return eval[string](t, tab, "reading the page's text", `document.body ? document.body.innerText : ""`)
}

// location is the URL of the page the tab shows.
func location(t *testing.T, tab context.Context) *url.URL {
	t.Helper()
	s := get(t, tab, "reading the location", chromedp.Location())
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("location %q: %v", s, err)
	}
	return u
}

// text is the visible text of the first element sel matches, trimmed; it
// waits for the element.
func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(get(t, tab, "reading "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// exists reports whether sel matches an element of the page now, without
// waiting.
func exists(t *testing.T, tab context.Context, sel string) bool {
	t.Helper()
	return eval[bool](t, tab, "looking for "+sel, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// button is an XPath selector for the submit button labelled label inside
// the element scope (an XPath expression such as //form[@id='x']), as a
// <button> or an <input type=submit>, so that the tests find buttons by
// the names the page shows.
func button(scope, label string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`%s//*[(self::button and normalize-space()=%q) or (self::input and @type='submit' and @value=%q)]`, scope, label, label))
}

// formXPath is the XPath of the form with the id.
func formXPath(id string) string { return fmt.Sprintf(`//form[@id=%q]`, id) }

// setChecked clicks the checkbox sel if it is not already in the state
// want, as a person does, and checks the state it ends in.
func setChecked(t *testing.T, tab context.Context, sel string, want bool) {
	t.Helper()
	if get(t, tab, "reading "+sel, chromedp.JavascriptAttribute[bool](chromedp.CSS(sel), "checked")) != want {
		do(t, tab, "clicking "+sel, chromedp.Click(chromedp.CSS(sel)))
	}
	if got := get(t, tab, "reading "+sel, chromedp.JavascriptAttribute[bool](chromedp.CSS(sel), "checked")); got != want {
		t.Fatalf("%s: checked %v after the click, want %v", sel, got, want)
	}
}

// cookies returns the tab's cookies for the page it shows.
func cookies(t *testing.T, tab context.Context) []*network.Cookie {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatalf("reading cookies: %v", err)
	}
	return res.Cookies
}

// disableScripts turns JavaScript off in tab, for the no-JS paths.
func disableScripts(t *testing.T, tab context.Context) {
	t.Helper()
	do(t, tab, "disabling JavaScript", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

// saas is a running app, started by startSaaS.
type saas struct {
	// URL is the app's root, http://127.0.0.1:PORT, taken from the sign-in
	// link it printed.
	URL string
	// AdminKey is the -admin-key it runs with.
	AdminKey string
	// SignIn is the sign-in link it printed.
	SignIn string
	// Output is what the app printed and logged so far.
	Output *syncBuffer
}

// startSaaS starts the app as a child process serving on 127.0.0.1:0 with
// an in-memory database, the admin key key and the extra flags args, waits
// for the sign-in link it prints and returns it running. Cleanup stops it
// and fails the test if it exited with an error (a race the detector found
// in the server, for one).
func startSaaS(t *testing.T, key string, args ...string) *saas {
	t.Helper()
	args = append([]string{"-addr", "127.0.0.1:0", "-store", "memory", "-admin-key", key}, args...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out := &syncBuffer{}
	cmd.Stderr = out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the app: %v", err)
	}
	exited := make(chan error, 1)
	links := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(out, line)
			if _, link, ok := strings.Cut(line, "Admin sign-in: "); ok {
				select {
				case links <- strings.TrimSpace(link):
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		stdin.Close()
		timer := time.NewTimer(appTimeout)
		defer timer.Stop()
		select {
		case err := <-exited:
			if err != nil && !t.Failed() {
				t.Errorf("the app exited with %v", err)
			}
		case <-timer.C:
			cmd.Process.Kill()
			<-exited
			t.Errorf("the app did not exit within %v of its stdin closing", appTimeout)
		}
		if t.Failed() {
			t.Logf("the app's output:\n%s", out)
		}
	})

	timer := time.NewTimer(appTimeout)
	defer timer.Stop()
	var link string
	select {
	case link = <-links:
	case err := <-exited:
		exited <- err
		t.Fatalf("the app exited before printing its sign-in link: %v", err)
	case <-timer.C:
		t.Fatalf("the app printed no %q line within %v", "Admin sign-in: ", appTimeout)
	}
	u, err := url.Parse(link)
	if err != nil || u.Path != "/login" || u.Query().Get("key") != key {
		t.Fatalf("sign-in link %q: want http://ADDR/login?key=%s (%v)", link, key, err)
	}
	return &saas{URL: u.Scheme + "://" + u.Host, AdminKey: key, SignIn: link, Output: out}
}

// scim returns a client that calls the app's SCIM endpoint as an identity
// provider does, with the Secret Token token.
func (s *saas) scim(t *testing.T, token string) *idp {
	return &idp{t: t, base: s.URL + "/scim/v2", token: token, ctype: "application/scim+json"}
}

// status sends GET /Users with token and returns the status: 200 for a
// live token, 401 for a revoked or unknown one.
func (s *saas) status(t *testing.T, token string) int {
	t.Helper()
	return s.scim(t, token).do("GET", "/Users?count=1", "").status
}

// post sends a form POST to the app as a browser would not: with the
// session cookie and the given Origin header ("" for none).
func (s *saas) post(t *testing.T, path, session, origin string, form url.Values) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), stepTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "saas_session", Value: session})
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return resp.StatusCode, readAll(t, resp)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Reset empties the buffer.
func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
