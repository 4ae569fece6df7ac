package main

// The OTP service's scenarios of this benchmark (-only verify,memory):
//
//   - verify: complete verifications per second (send a code, read it from
//     GET /_sandbox/messages, check it), each step a request through the
//     signed API, from concurrent clients (-service-clients); beside a
//     calibration handler that only checks each request's signature (or
//     control token) and answers a fixed body of the same shape, driven by
//     the same clients. The target: the sandbox serves at least half the
//     calibration's request rate.
//   - memory: the heap after each checkpoint of a stream of sends (-sends),
//     with the account's retention cap (-retention): past the cap it must
//     stay flat.
//
// Both run the sandbox in this process on a loopback listener, the clients
// sharing the machine with it as they do with the calibration handler:
// the store scenario measures the otp-sandbox binary, these measure the
// service's code.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/md5" //nolint:gosec // the vendor's signature scheme
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// benchToken is the control token of the sandboxes this file starts.
const benchToken = "bench-token"

// signRequest signs a vendor request of the bench's account.
func signRequest(req *http.Request) { signAs(req, apiKey, apiSecret) }

// signAs signs a vendor request as the API requires.
func signAs(req *http.Request, key, secret string) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := md5.Sum([]byte(key + secret + ts)) //nolint:gosec // the vendor's scheme
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Api-Key", key)
	req.Header.Set("Timestamp", ts)
	req.Header.Set("Sign", hex.EncodeToString(sum[:]))
}

// target is a server under test: the sandbox, or the calibration handler.
type target struct {
	name    string
	base    string // http://127.0.0.1:port
	appID   string
	tplID   int64
	srv     *sandbox.Server
	stop    func()
	handler http.Handler
	numbers atomic.Int64 // the phone numbers sent to, each once
}

func serve(name string, h http.Handler) (*target, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return &target{name: name, base: "http://" + ln.Addr().String(), handler: h, stop: func() { _ = hs.Close() }}, nil
}

// newSandbox starts a sandbox with one account, an app without limits and
// a template of 6-digit codes.
func newSandbox(retention int) (*target, error) {
	srv, err := sandbox.New(sandbox.Options{
		Accounts: map[string]string{apiKey: apiSecret}, ControlToken: benchToken, Retention: retention,
	})
	if err != nil {
		return nil, err
	}
	app, err := srv.AddApp(apiKey, sandbox.App{Name: "bench-app"})
	if err != nil {
		return nil, err
	}
	tpl, err := srv.AddTemplate(apiKey, sandbox.Template{AppID: app.AppID, Name: "bench-sms", Text: "##code## is your code.", CodeLength: 6, SpeechRate: 50})
	if err != nil {
		return nil, err
	}
	t, err := serve("sandbox", srv)
	if err != nil {
		return nil, err
	}
	t.srv, t.appID, t.tplID = srv, app.AppID, tpl.TemplateID
	stop := t.stop
	t.stop = func() { stop(); _ = srv.Close() }
	return t, nil
}

// calibration only checks what every request must carry, the signature
// (or the control token), and answers a fixed body of the sandbox's shape.
func calibration() http.Handler {
	const id = "22603012000000000001"
	send := []byte(`{"status":"0","reason":"success","data":{"verificationId":"` + id + `","to":"4915100000001","channel":"sms","snaUrl":null}}` + "\n")
	verify := []byte(`{"status":"0","reason":"success","data":{"verificationId":"` + id + `","to":"4915100000001","channel":"sms","matched":0}}` + "\n")
	messages := []byte(`[{"verificationId":"` + id + `","to":"4915100000001","channel":"sms","text":"123456 is your code.","code":"123456","step":0,` +
		`"at":"2026-03-01T12:00:00Z","outcome":"delivered","via":"send","appId":"AAAAAAAA","templateId":20001,"flowId":null,"orderId":null,` +
		`"sender":"","voice":null,"snaUrl":null}]` + "\n")
	bad := []byte(`{"status":"-1","reason":"authentication error"}` + "\n")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		var body []byte
		switch {
		case strings.HasPrefix(r.URL.Path, "/_sandbox/"):
			if r.Header.Get("Authorization") != "Bearer "+benchToken {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			body = messages
		case !signed(r):
			body = bad
		case strings.HasSuffix(r.URL.Path, "/send"):
			body = send
		default:
			body = verify
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = w.Write(body)
	})
}

func signed(r *http.Request) bool {
	ts := r.Header.Get("Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || r.Header.Get("Api-Key") != apiKey {
		return false
	}
	if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false
	}
	sum := md5.Sum([]byte(apiKey + apiSecret + ts)) //nolint:gosec // the vendor's scheme
	return strings.EqualFold(r.Header.Get("Sign"), hex.EncodeToString(sum[:]))
}

// client is one of the concurrent clients of an account: a vendor API
// client and a control-route reader, over one keep-alive transport shared
// by all. It is safe for concurrent use.
type client struct {
	t           *target
	http        *http.Client
	key, secret string // the account
	// account names the account on the control routes (?key=), for a
	// sandbox of several; "" for one of one account.
	account string
}

func (c *client) number() string { return fmt.Sprintf("4915%09d", c.t.numbers.Add(1)%1_000_000_000) }

func (c *client) signedPost(path string, body any, data any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, c.t.base+"/otp"+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	signAs(req, c.key, c.secret)
	var env struct {
		Status string          `json:"status"`
		Reason string          `json:"reason"`
		Data   json.RawMessage `json:"data"`
	}
	if err := c.do(req, http.StatusOK, &env); err != nil {
		return err
	}
	if env.Status != "0" {
		return fmt.Errorf("%s as %s: status %s, %s", path, c.key, env.Status, env.Reason)
	}
	return json.Unmarshal(env.Data, data)
}

// control sends a control request about the account, with the token.
func (c *client) control(method, path, body string, want int, v any) error {
	url := c.t.base + path
	if c.account != "" {
		url += map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + "key=" + c.account
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchToken)
	return c.do(req, want, v)
}

func (c *client) do(req *http.Request, want int, v any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: HTTP %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, v)
}

func (c *client) send() (string, error) {
	var d struct {
		VerificationID string `json:"verificationId"`
	}
	err := c.signedPost("/verification/send", map[string]any{"appId": c.t.appID, "templateId": c.t.tplID, "to": c.number()}, &d)
	return d.VerificationID, err
}

// verification is one complete verification: send, read, check.
func (c *client) verification() error {
	id, err := c.send()
	if err != nil {
		return err
	}
	var msgs []struct {
		Code string `json:"code"`
	}
	if err := c.control(http.MethodGet, "/_sandbox/messages?verificationId="+id, "", http.StatusOK, &msgs); err != nil {
		return err
	}
	if len(msgs) != 1 {
		return fmt.Errorf("%d messages for %s", len(msgs), id)
	}
	var v struct {
		Matched int `json:"matched"`
	}
	if err := c.signedPost("/verification/verify", map[string]any{"verificationId": id, "code": msgs[0].Code}, &v); err != nil {
		return err
	}
	if v.Matched != 0 {
		return fmt.Errorf("%s: matched %d", id, v.Matched)
	}
	return nil
}

func clientsFor(t *target, n int) []*client {
	tr := &http.Transport{MaxIdleConns: 2 * n, MaxIdleConnsPerHost: 2 * n, IdleConnTimeout: time.Minute}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	out := make([]*client, n)
	for i := range out {
		out[i] = &client{t: t, http: hc, key: apiKey, secret: apiSecret}
	}
	return out
}

// drive runs f on every client until d has passed, and counts the calls.
func drive(cs []*client, d time.Duration, f func(*client) error) (int64, time.Duration, error) {
	var done atomic.Int64
	var first error
	var once sync.Once
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if err := f(c); err != nil {
					once.Do(func() { first = err })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return done.Load(), time.Since(start), first
}

func benchVerify(out io.Writer, clients int, d time.Duration, reps int) error {
	sb, err := newSandbox(sandbox.DefaultRetention)
	if err != nil {
		return err
	}
	defer sb.stop()
	cal, err := serve("calibration", calibration())
	if err != nil {
		return err
	}
	defer cal.stop()
	cal.appID, cal.tplID = sb.appID, sb.tplID
	rates := map[string][]float64{}
	// A warm-up of each, then the measured runs, taking turns going first.
	for i := -1; i < reps; i++ {
		order := []*target{sb, cal}
		if i%2 != 0 {
			order = []*target{cal, sb}
		}
		for _, t := range order {
			length := d
			if i < 0 {
				length = d / 5
			}
			n, took, err := drive(clientsFor(t, clients), length, (*client).verification)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			if i >= 0 {
				rates[t.name] = append(rates[t.name], float64(n)/took.Seconds())
			}
		}
	}
	s, c := median(rates["sandbox"]), median(rates["calibration"])
	fmt.Fprintf(out, "| server | verifications/s | requests/s | ratio to the calibration | target |\n")
	fmt.Fprintf(out, "| --- | ---: | ---: | ---: | --- |\n")
	fmt.Fprintf(out, "| calibration (signature check, fixed answers) | %.0f | %.0f | 1.00 | |\n", c, 3*c)
	mark := "✓"
	if s < c/2 {
		mark = "✗"
	}
	fmt.Fprintf(out, "| sandbox | %.0f | %.0f | %.2f | ≥ 0.50 %s |\n\n", s, 3*s, s/c, mark)
	return nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func benchMemory(out io.Writer, clients, sends, retention int) error {
	sb, err := newSandbox(retention)
	if err != nil {
		return err
	}
	defer sb.stop()
	cs := clientsFor(sb, clients)
	checkpoints := []int{0, retention / 2, retention, 2 * retention, sends / 4, sends / 2, sends}
	checkpoints = slices.Compact(slices.SortedFunc(slices.Values(checkpoints), cmp.Compare[int]))
	fmt.Fprintf(out, "| sends | messages kept | heap in use (MiB) |\n| ---: | ---: | ---: |\n")
	sent := 0
	for _, cp := range checkpoints {
		if cp > sends {
			continue
		}
		if err := sendN(cs, cp-sent); err != nil {
			return err
		}
		sent = cp
		kept := len(sb.srv.Messages(apiKey, sandbox.MessageFilter{}))
		fmt.Fprintf(out, "| %d | %d | %.1f |\n", sent, kept, heapMiB())
	}
	fmt.Fprintln(out)
	return nil
}

// sendN makes n sends, spread over the clients.
func sendN(cs []*client, n int) error {
	var left atomic.Int64
	left.Store(int64(n))
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if _, err := c.send(); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// profile writes a CPU profile to path until the returned func is called.
func profile(path string) (func(), error) {
	f, err := os.Create(path) //nolint:gosec // the user names the file
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

func heapMiB() float64 {
	var m runtime.MemStats
	for range 2 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}
