package browser

import (
	"context"
	"crypto/md5" //nolint:gosec // the vendor's signature scheme
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/itniotech/terraform-provider-otp/internal/apicheck"
	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// The sandbox every test starts: two accounts and a control token.
const (
	token   = "browser-test-token"
	keyA    = "team-a"
	secretA = "secret-a"
	keyB    = "team-b"
	secretB = "secret-b"
)

// page is a sandbox and a browser tab on its web inbox. It records every
// request the tab makes and every problem the page reports (an uncaught
// exception, a console error, a violation of its Content-Security-Policy),
// and the test fails at its end if a request left the sandbox's address or
// a problem was reported.
type page struct {
	t   *testing.T
	srv *sandbox.Server
	url string // http://127.0.0.1:<port>
	ctx context.Context

	mu       sync.Mutex
	requests []string
	problems []string
	// expectedProblems are console errors a test causes on purpose (the
	// 401 of a wrong token), by a part of their text.
	expectedProblems []string
}

// chromium is the browser to drive, or "" (the test is skipped) when the
// browser tests were not asked for.
func chromium(t *testing.T) string {
	t.Helper()
	if os.Getenv("OTP_BROWSER_TESTS") == "" {
		t.Skip("browser tests: set OTP_BROWSER_TESTS=1 (make test-browser) to run them in headless Chromium")
	}
	if p := os.Getenv("OTP_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("OTP_BROWSER_TESTS is set, and no Chromium was found: apt-get install chromium (Debian), or set OTP_CHROMIUM to a Chrome or Chromium binary")
	return ""
}

// newPage starts a sandbox, a browser, and a tab on the inbox, not signed
// in yet.
func newPage(t *testing.T, mods ...func(*sandbox.Options)) *page {
	t.Helper()
	exe := chromium(t)
	opts := sandbox.Options{Accounts: map[string]string{keyA: secretA, keyB: secretB}, ControlToken: token}
	for _, m := range mods {
		m(&opts)
	}
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	// Every request the page makes, and every answer it gets, is held to
	// the sandbox's OpenAPI document, as in the sandbox's own tests: the
	// page is a client of the control surface like any other.
	hs := httptest.NewServer(apicheck.Handler(t, sandbox.OpenAPI(srv.Prefix(), sandbox.DefaultURL), srv.Prefix(), srv))
	p := &page{t: t, srv: srv, url: hs.URL}

	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// What Chromium would otherwise fetch on its own is refused on a
		// closed network, and is no part of the page.
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
	)
	if os.Geteuid() == 0 {
		flags = append(flags, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancelTab := chromedp.NewContext(alloc, chromedp.WithListener(p.listen))
	p.ctx = ctx
	t.Cleanup(func() {
		p.checkNothingLeft()
		cancelTab()
		cancelAlloc()
		hs.Close()
		_ = srv.Close()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatal(err)
	}
	// Before the page's own scripts: a record of CSP violations, of the
	// messages as they arrive (when, on the wall clock), and an id of the
	// document, which a reload would change.
	_, err = chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.__test = { loadId: String(Math.random()), violations: [], arrivals: {} };
		// What a person sees, not what the DOM says: the hidden attribute
		// is only a default style, which any display rule overrides, so an
		// element is shown when it and its ancestors are rendered (display,
		// visibility, opacity) and it has a box of some size.
		window.__test.visible = (id) => {
			const el = document.getElementById(id);
			if (!el) throw new Error('no element #' + id);
			const box = el.getBoundingClientRect();
			return el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) && box.width > 0 && box.height > 0;
		};
		document.addEventListener('securitypolicyviolation', (e) => window.__test.violations.push(e.violatedDirective + ' ' + e.blockedURI));
		document.addEventListener('DOMContentLoaded', () => {
			new MutationObserver((records) => {
				const at = performance.timeOrigin + performance.now();
				for (const r of records) for (const n of r.addedNodes) {
					if (n.dataset && n.dataset.key && !(n.dataset.key in window.__test.arrivals)) window.__test.arrivals[n.dataset.key] = at;
				}
			}).observe(document.getElementById('messages'), { childList: true });
		});`})
	if err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.Navigate(p.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-form")))
	return p
}

// signedInPage is a page signed in with the control token, on team-a,
// which has the objects to send with.
func signedInPage(t *testing.T) (*page, objects) {
	t.Helper()
	p := newPage(t)
	o := p.seed(keyA)
	p.signInWithToken(token)
	p.signedIn()
	return p, o
}

// listen runs in the tab's event loop: it records, and returns at once.
func (p *page) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		p.problems = append(p.problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			p.problems = append(p.problems, fmt.Sprintf("console.%s: %v", ev.Type, ev.Args))
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			p.problems = append(p.problems, fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

// expectProblem says a console error containing text is the test's doing.
func (p *page) expectProblem(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expectedProblems = append(p.expectedProblems, text)
}

// checkNothingLeft fails the test for a request that left the sandbox's
// address, a CSP violation, an uncaught exception or a console error.
func (p *page) checkNothingLeft() {
	own, _ := url.Parse(p.url)
	if v, err := run(p, chromedp.Evaluate[[]string](`window.__test ? window.__test.violations : []`)); err == nil && len(v) > 0 {
		p.t.Errorf("the page broke its Content-Security-Policy: %v", v)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.requests) == 0 {
		p.t.Error("no request was recorded: the recorder is broken")
	}
	for _, r := range p.requests {
		u, err := url.Parse(r)
		if err != nil || u.Scheme != own.Scheme || u.Host != own.Host {
			p.t.Errorf("the page made a request off the sandbox's address (%s): %s", p.url, r)
		}
	}
problems:
	for _, pr := range p.problems {
		for _, ok := range p.expectedProblems {
			if strings.Contains(pr, ok) {
				continue problems
			}
		}
		p.t.Errorf("the page reported a problem: %s", pr)
	}
}

// Requests are the addresses the tab requested so far.
func (p *page) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// do runs steps, each test step bounded so that a broken page fails
// rather than hangs.
func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if _, err := run(p, chromedp.Steps(steps...)); err != nil {
		p.t.Fatal(err)
	}
}

func run[T any](p *page, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// eval evaluates a JavaScript expression in the page (a promise is
// awaited).
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := run(p, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor waits until a JavaScript expression is true in the page, for
// at most within.
func (p *page) waitFor(expr string, within time.Duration) {
	p.t.Helper()
	_, err := run(p, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(within)))
	if err != nil {
		p.t.Fatalf("waiting %s for %s: %v\nthe page shows:\n%s", within, expr, err, p.shown())
	}
}

// shown is the text the page shows.
func (p *page) shown() string {
	v, _ := run(p, chromedp.Evaluate[string](`document.body.innerText`))
	return v
}

// message is the text of the card of a verification's attempt at step,
// once it is shown.
func (p *page) message(verificationID string, step int) string {
	p.t.Helper()
	sel := fmt.Sprintf(`document.querySelector('[data-key="%s/%d"]')`, verificationID, step)
	p.waitFor(sel+` !== null`, 5*time.Second)
	return eval[string](p, sel+`.innerText`)
}

// signInWithToken signs in through the form, as a person does.
func (p *page) signInWithToken(tok string) {
	p.t.Helper()
	p.do(
		chromedp.Click(chromedp.CSS(`input[name="mode"][value="token"]`)),
		chromedp.SendKeys(chromedp.ID("token"), tok),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
	)
}

func (p *page) signInWithKey(key, secret string) {
	p.t.Helper()
	p.do(
		chromedp.Click(chromedp.CSS(`input[name="mode"][value="key"]`)),
		chromedp.SendKeys(chromedp.ID("api-key"), key),
		chromedp.SendKeys(chromedp.ID("api-secret"), secret),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
	)
}

// signedIn waits until the inbox shows an account live.
func (p *page) signedIn() {
	p.t.Helper()
	p.waitFor(`window.__test.visible('app') && document.body.dataset.live === 'waiting'`, 10*time.Second)
}

// visible says whether the element of this id is shown (window.__test.visible).
func (p *page) visible(id string) bool {
	p.t.Helper()
	return eval[bool](p, fmt.Sprintf(`window.__test.visible(%q)`, id))
}

// shows fails the test unless the elements of the ids in shown are
// visible and those in hidden are not.
func (p *page) shows(what string, shown, hidden []string) {
	p.t.Helper()
	var wrong []string
	for _, id := range shown {
		if !p.visible(id) {
			wrong = append(wrong, "#"+id+" is not shown")
		}
	}
	for _, id := range hidden {
		if p.visible(id) {
			wrong = append(wrong, "#"+id+" is shown")
		}
	}
	if len(wrong) > 0 {
		p.t.Fatalf("%s: %s; the page shows:\n%s", what, strings.Join(wrong, ", "), p.shown())
	}
}

// click clicks a button by its id.
func (p *page) click(id string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.ID(id)))
}

// ---- the sandbox, as an application and a test script use it ----

// objects are the ids an application sends a code with.
type objects struct {
	AppID      string
	TemplateID int64
	FlowID     int64
}

// seed gives an account an app, a template of 6-digit codes and a flow
// that calls 60 seconds after an SMS that failed.
func (p *page) seed(key string) objects {
	p.t.Helper()
	var o objects
	var app struct {
		AppID string `json:"appId"`
	}
	p.controlJSON("POST", "/_sandbox/apps?key="+key, `{"name":"login-app","codeExpiry":5}`, &app)
	o.AppID = app.AppID
	var tpl struct {
		TemplateID int64 `json:"templateId"`
	}
	p.controlJSON("POST", "/_sandbox/templates?key="+key, `{"appId":"`+o.AppID+`","name":"login-sms","text":"Your Shop code is ##code##.","codeLength":6}`, &tpl)
	o.TemplateID = tpl.TemplateID
	var flow struct {
		FlowID int64 `json:"flowId"`
	}
	p.controlJSON("POST", "/_sandbox/flows?key="+key, `{"name":"call-fallback","flow":[{"waitingTime":60,"status":1,"channel":"call"}]}`, &flow)
	o.FlowID = flow.FlowID
	return o
}

// controlJSON sends a control request with the token and decodes its
// answer (into v, unless nil).
func (p *page) controlJSON(method, path, body string, v any) {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		p.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			p.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// send sends a code through the signed API, as an application does, and
// returns its verificationId.
func (p *page) send(key, secret string, o objects, to string, withFlow bool) string {
	p.t.Helper()
	body := fmt.Sprintf(`{"appId":%q,"templateId":%d,"to":%q}`, o.AppID, o.TemplateID, to)
	if withFlow {
		body = fmt.Sprintf(`{"appId":%q,"templateId":%d,"flowId":%d,"to":%q}`, o.AppID, o.TemplateID, o.FlowID, to)
	}
	var data struct {
		VerificationID string `json:"verificationId"`
	}
	p.api(key, secret, "/verification/send", body, &data)
	return data.VerificationID
}

// verify checks a code through the signed API, and returns matched.
func (p *page) verify(key, secret, verificationID, code string) int {
	p.t.Helper()
	var data struct {
		Matched int `json:"matched"`
	}
	p.api(key, secret, "/verification/verify", fmt.Sprintf(`{"verificationId":%q,"code":%q}`, verificationID, code), &data)
	return data.Matched
}

// api sends a signed POST to the vendor API and decodes the data of its
// answer, which must succeed.
func (p *page) api(key, secret, path, body string, data any) {
	p.t.Helper()
	req, _ := http.NewRequest("POST", p.url+"/otp"+path, strings.NewReader(body))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := md5.Sum([]byte(key + secret + ts)) //nolint:gosec // the vendor's signature scheme
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Api-Key", key)
	req.Header.Set("Timestamp", ts)
	req.Header.Set("Sign", hex.EncodeToString(sum[:]))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Status string          `json:"status"`
		Reason string          `json:"reason"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Status != "0" {
		p.t.Fatalf("%s %s: %v %+v", path, body, err, env)
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		p.t.Fatalf("%s: %v", path, err)
	}
}

// code is a verification's code, as the sandbox has it.
func (p *page) code(key, verificationID string) string {
	p.t.Helper()
	ms := p.srv.Messages(key, sandbox.MessageFilter{VerificationID: verificationID})
	if len(ms) == 0 {
		p.t.Fatalf("no message of %s", verificationID)
	}
	return ms[0].Code
}

// arrival is when the page first showed a message, on the wall clock.
func (p *page) arrival(verificationID string, step int) time.Time {
	p.t.Helper()
	ms := eval[float64](p, fmt.Sprintf(`window.__test.arrivals[%q] || 0`, fmt.Sprintf("%s/%d", verificationID, step)))
	if ms == 0 {
		p.t.Fatalf("no arrival recorded for %s/%d", verificationID, step)
	}
	return time.Unix(0, int64(ms*float64(time.Millisecond)))
}

// screenshot is the page as it looks, as a PNG.
func (p *page) screenshot() []byte {
	p.t.Helper()
	b, err := run(p, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}
