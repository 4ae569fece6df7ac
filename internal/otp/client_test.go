package otp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testKey    = "test-key"
	testSecret = "test-secret-value"
)

// recorded is one request as the fake API saw it.
type recorded struct {
	Method, Path, Timestamp, Sign, ContentType string
	Body                                       string
}

// fakeAPI serves answers from a script, one function call per request, and
// records every request.
type fakeAPI struct {
	t      *testing.T
	mu     sync.Mutex
	reqs   []recorded
	handle func(n int, w http.ResponseWriter, r *http.Request)
	srv    *httptest.Server
}

func newFakeAPI(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) *fakeAPI {
	f := &fakeAPI{t: t, handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{
			Method: r.Method, Path: r.URL.Path, Timestamp: r.Header.Get("Timestamp"),
			Sign: r.Header.Get("Sign"), ContentType: r.Header.Get("Content-Type"), Body: string(body),
		})
		n := len(f.reqs)
		f.mu.Unlock()
		handle(n, w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// tickingClock advances one second per reading, so that consecutive
// attempts carry different timestamps.
func tickingClock(start time.Time) func() time.Time {
	var n atomic.Int64
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Second) }
}

func newTestClient(t *testing.T, base string, mods ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:      base,
		APIKey:       testKey,
		APISecret:    testSecret,
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Now:          tickingClock(time.Now()),
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, v string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, v)
}

func status(code, reason string) string {
	return fmt.Sprintf(`{"status":%q,"reason":%q}`, code, reason)
}

const flowJSON = `{"flowId":10001,"name":"login-fallback","flow":[{"waitingTime":60,"status":1,"channel":"sms","channelCut":0}]}`

func okData(data string) string { return `{"status":"0","reason":"success","data":` + data + `}` }

var testInput = Flow{Name: "login-fallback", Nodes: []Node{{WaitingTime: 60, Status: 1, Channel: "sms"}}}

func TestRequestsAreSignedAndShaped(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, okData(flowJSON)) })
	c := newTestClient(t, api.srv.URL+"/otp/")
	ctx := context.Background()
	if _, err := c.Flows().Create(ctx, testInput); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Flows().Update(ctx, fmt.Sprint(10001), testInput); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Flows().Get(ctx, fmt.Sprint(10001)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Flows().List(ctx); err == nil {
		t.Fatal("a list answer holding an object, not an array, must be an error")
	}
	want := []struct{ method, path string }{
		{"POST", "/otp/flow/add"}, {"PUT", "/otp/flow/update/10001"}, {"GET", "/otp/flow/details/10001"}, {"GET", "/otp/flow/list"},
	}
	reqs := api.requests()
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(reqs), len(want))
	}
	for i, r := range reqs {
		if r.Method != want[i].method || r.Path != want[i].path {
			t.Errorf("request %d: %s %s, want %s %s", i, r.Method, r.Path, want[i].method, want[i].path)
		}
		ts, err := strconv.ParseInt(r.Timestamp, 10, 64)
		if err != nil {
			t.Fatalf("timestamp %q is not decimal seconds", r.Timestamp)
		}
		if r.Sign != Sign(testKey, testSecret, ts) {
			t.Errorf("request %d: bad signature", i)
		}
		if r.ContentType != "application/json;charset=UTF-8" {
			t.Errorf("content type %q", r.ContentType)
		}
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(reqs[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	node := body["flow"].([]any)[0].(map[string]any)
	if _, present := node["channelCut"]; present || body["name"] != "login-fallback" || node["waitingTime"] != 60.0 {
		t.Fatalf("create body %s", reqs[0].Body)
	}
}

func TestStatusCodes(t *testing.T) {
	tests := []struct {
		code     string
		is       func(error) bool
		attempts int
		advice   string
	}{
		{CodeAuth, IsAuth, 1, "check the API key and API secret"},
		{CodeIPRestricted, IsIPRestricted, 1, "IP allow-list"},
		{CodeTimestampExpired, IsTimestampExpired, 2, "clock"},
		{CodeSystemException, nil, 4, "transient"},
		{CodeDataExisting, IsNameTaken, 2, "already taken"}, // and one list, for the holder,
		{CodeValidation, nil, 1, "invalid"},
		{CodeParameter, nil, 1, "invalid"},
		{CodeDataCaps, nil, 1, "account limit"},
		{CodeNotFound, IsNotFound, 1, "does not exist"},
		{"-99", nil, 1, "status code table"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, status(tt.code, "vendor reason "+tt.code))
			})
			c := newTestClient(t, api.srv.URL)
			_, err := c.Flows().Update(context.Background(), fmt.Sprint(10001), testInput)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tt.code {
				t.Fatalf("want APIError %s, got %v", tt.code, err)
			}
			if tt.is != nil && !tt.is(err) {
				t.Fatalf("helper does not recognise %v", err)
			}
			msg := err.Error()
			for _, part := range []string{"update task flow 10001", tt.code, "vendor reason " + tt.code, tt.advice} {
				if !strings.Contains(msg, part) {
					t.Errorf("error %q lacks %q", msg, part)
				}
			}
			if n := len(api.requests()); n != tt.attempts {
				t.Fatalf("%d attempts, want %d", n, tt.attempts)
			}
		})
	}
}

func TestTransientFailuresAreRetriedAndResigned(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first func(w http.ResponseWriter)
	}{
		{"502 html", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>bad gateway</html>")
		}},
		{"429", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) }},
		{"-18", func(w http.ResponseWriter) { writeJSON(w, status(CodeSystemException, "port program unusual")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					tc.first(w)
					return
				}
				writeJSON(w, okData(flowJSON))
			})
			c := newTestClient(t, api.srv.URL)
			f, err := c.Flows().Get(context.Background(), fmt.Sprint(10001))
			if err != nil || f.ID != 10001 {
				t.Fatalf("GetFlow = %+v, %v", f, err)
			}
			reqs := api.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d attempts, want 2", len(reqs))
			}
			if reqs[0].Timestamp == reqs[1].Timestamp {
				t.Fatal("the retry reused the first attempt's timestamp")
			}
			for _, r := range reqs {
				ts, _ := strconv.ParseInt(r.Timestamp, 10, 64)
				if r.Sign != Sign(testKey, testSecret, ts) {
					t.Fatal("an attempt's signature does not match its timestamp")
				}
			}
		})
	}
}

func TestPermanentHTTPErrorsAreNotRetried(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "<html><title>403 Forbidden</title>\n</html>")
	})
	c := newTestClient(t, api.srv.URL)
	_, err := c.Flows().List(context.Background())
	var httpErr *HTTPError
	if !errors.As(err, &httpErr) || httpErr.StatusCode != 403 || !strings.Contains(err.Error(), "403 Forbidden") {
		t.Fatalf("got %v", err)
	}
	if n := len(api.requests()); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
}

func TestRetriesStopAtTheLimitAndOnCancel(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	c := newTestClient(t, api.srv.URL, func(cfg *Config) { cfg.MaxRetries = 2 })
	if _, err := c.Flows().List(context.Background()); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("got %v", err)
	}
	if n := len(api.requests()); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}

	slow := newTestClient(t, api.srv.URL, func(cfg *Config) {
		cfg.MaxRetries = 100
		cfg.RetryWaitMin = time.Second
		cfg.RetryWaitMax = time.Second
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := slow.Flows().List(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
	if time.Since(start) > 900*time.Millisecond {
		t.Fatal("the retry wait ignored the context")
	}
}

func TestUnreachableServerIsRetriedThenReported(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newTestClient(t, "http://"+addr+"/otp", func(cfg *Config) { cfg.MaxRetries = 1 })
	_, err = c.Flows().Create(context.Background(), testInput)
	if err == nil || !strings.Contains(err.Error(), "could not be reached") {
		t.Fatalf("got %v", err)
	}
}

func TestExpiredTimestampLearnsTheServerClock(t *testing.T) {
	serverAhead := 2 * time.Hour
	local := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		serverNow := local.Add(serverAhead)
		w.Header().Set("Date", serverNow.Format(http.TimeFormat))
		ts, _ := strconv.ParseInt(r.Header.Get("Timestamp"), 10, 64)
		if d := serverNow.Sub(time.Unix(ts, 0)); d > time.Minute || d < -time.Minute {
			writeJSON(w, status(CodeTimestampExpired, "timestamp expired"))
			return
		}
		writeJSON(w, okData("[]"))
	})
	c := newTestClient(t, api.srv.URL, func(cfg *Config) { cfg.Now = func() time.Time { return local } })
	if _, err := c.Flows().List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := c.ClockOffset(); got != serverAhead {
		t.Fatalf("offset %v, want %v", got, serverAhead)
	}
	if _, err := c.Flows().List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(api.requests()); n != 3 {
		t.Fatalf("%d requests, want 3 (one refused, one re-signed, one right first time)", n)
	}
}

func TestSmallSkewIsNotCorrected(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Date", time.Now().Add(20*time.Second).UTC().Format(http.TimeFormat))
		writeJSON(w, status(CodeTimestampExpired, "timestamp expired"))
	})
	c := newTestClient(t, api.srv.URL, func(cfg *Config) { cfg.Now = time.Now })
	if _, err := c.Flows().List(context.Background()); !IsTimestampExpired(err) {
		t.Fatalf("got %v", err)
	}
	if c.ClockOffset() != 0 || len(api.requests()) != 2 {
		t.Fatalf("offset %v after %d requests; want 0 after 2", c.ClockOffset(), len(api.requests()))
	}
}

// abort closes the connection without an answer, as when the network
// breaks after the request was sent.
func abort(w http.ResponseWriter) {
	hj, _ := w.(http.Hijacker)
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestLostCreate(t *testing.T) {
	const listWithFlow = `[` + flowJSON + `]`
	const listWithOther = `[{"flowId":20002,"name":"login-fallback","flow":[{"waitingTime":90,"status":2,"channel":"call","channelCut":1}]}]`
	tests := []struct {
		name string
		// answers per request, by path
		script    []func(w http.ResponseWriter)
		wantID    int64
		wantErr   string
		wantPaths []string
	}{
		{
			name: "answer lost after store: adopt it",
			script: []func(http.ResponseWriter){
				abort,
				func(w http.ResponseWriter) { writeJSON(w, okData(listWithFlow)) },
			},
			wantID:    10001,
			wantPaths: []string{"/flow/add", "/flow/list"},
		},
		{
			name: "answer lost before store: retry",
			script: []func(http.ResponseWriter){
				abort,
				func(w http.ResponseWriter) { writeJSON(w, okData(`[]`)) },
				func(w http.ResponseWriter) { writeJSON(w, okData(flowJSON)) },
			},
			wantID:    10001,
			wantPaths: []string{"/flow/add", "/flow/list", "/flow/add"},
		},
		{
			name: "502 after store: adopt it",
			script: []func(http.ResponseWriter){
				func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
				func(w http.ResponseWriter) { writeJSON(w, okData(listWithFlow)) },
			},
			wantID:    10001,
			wantPaths: []string{"/flow/add", "/flow/list"},
		},
		{
			name: "-18 then -20 on the retry: the first attempt stored it",
			script: []func(http.ResponseWriter){
				func(w http.ResponseWriter) { writeJSON(w, status(CodeSystemException, "port program unusual")) },
				func(w http.ResponseWriter) { writeJSON(w, status(CodeDataExisting, "data existing")) },
				func(w http.ResponseWriter) { writeJSON(w, okData(listWithFlow)) },
			},
			wantID:    10001,
			wantPaths: []string{"/flow/add", "/flow/add", "/flow/list"},
		},
		{
			name: "-20 first time: a real conflict, with the holder's id",
			script: []func(http.ResponseWriter){
				func(w http.ResponseWriter) { writeJSON(w, status(CodeDataExisting, "data existing")) },
				func(w http.ResponseWriter) { writeJSON(w, okData(listWithFlow)) },
			},
			wantErr:   "belongs to task flow 10001",
			wantPaths: []string{"/flow/add", "/flow/list"},
		},
		{
			name: "lost, then -20 for a different flow of that name",
			script: []func(http.ResponseWriter){
				abort,
				func(w http.ResponseWriter) { writeJSON(w, okData(listWithOther)) },
				func(w http.ResponseWriter) { writeJSON(w, status(CodeDataExisting, "data existing")) },
				func(w http.ResponseWriter) { writeJSON(w, okData(listWithOther)) },
			},
			wantErr:   "belongs to task flow 20002",
			wantPaths: []string{"/flow/add", "/flow/list", "/flow/add", "/flow/list"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n > len(tt.script) {
					t.Errorf("unexpected request %d", n)
					w.WriteHeader(http.StatusTeapot)
					return
				}
				tt.script[n-1](w)
			})
			c := newTestClient(t, api.srv.URL)
			f, err := c.Flows().Create(context.Background(), testInput)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !IsNameTaken(err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
			} else if err != nil || f.ID != tt.wantID {
				t.Fatalf("got %+v, %v; want id %d", f, err, tt.wantID)
			}
			var paths []string
			for _, r := range api.requests() {
				paths = append(paths, r.Path)
			}
			if strings.Join(paths, " ") != strings.Join(tt.wantPaths, " ") {
				t.Fatalf("requests %v, want %v", paths, tt.wantPaths)
			}
		})
	}
}

func TestLostCreateThatCannotBeSettled(t *testing.T) {
	api := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/flow/list") {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		abort(w)
	})
	c := newTestClient(t, api.srv.URL, func(cfg *Config) { cfg.MaxRetries = -1 })
	_, err := c.Flows().Create(context.Background(), testInput)
	var unconfirmed *UnconfirmedCreateError
	if !errors.As(err, &unconfirmed) || unconfirmed.Name != testInput.Name || !strings.Contains(err.Error(), "may have created the task flow") {
		t.Fatalf("got %v, want an UnconfirmedCreateError", err)
	}
	if n := len(api.requests()); n != 2 {
		t.Fatalf("%d requests, want a create and a list", n)
	}

	// When the list answers and the flow is absent, the failure is plain:
	// nothing was created.
	api = newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/flow/list") {
			writeJSON(w, okData(`[]`))
			return
		}
		abort(w)
	})
	c = newTestClient(t, api.srv.URL, func(cfg *Config) { cfg.MaxRetries = -1 })
	if _, err := c.Flows().Create(context.Background(), testInput); err == nil || errors.As(err, &unconfirmed) {
		t.Fatalf("got %v, want a plain error", err)
	}
}

func TestGetFlowNotFound(t *testing.T) {
	tests := []struct {
		name     string
		details  string
		list     string
		notFound bool
		wantID   int64
		requests int
	}{
		{"-24", status(CodeNotFound, "Data unexisting"), "", true, 0, 1},
		{"empty success, absent from list", okData(`null`), okData(`[]`), true, 0, 2},
		{"empty object, present in list", okData(`{}`), okData(`[` + flowJSON + `]`), false, 10001, 2},
		{"-22, absent from list", status(CodeParameter, "parameter exception"), okData(`[]`), true, 0, 2},
		{"-22, present in list", status(CodeParameter, "parameter exception"), okData(`[` + flowJSON + `]`), false, 10001, 2},
		{"HTML 404, absent from list", "<html>404 Not Found</html>", okData(`[]`), true, 0, 2},
		{"-1 is not read as not found", status(CodeAuth, "authentication error"), okData(`[]`), false, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/flow/list") {
					writeJSON(w, tt.list)
					return
				}
				if strings.HasPrefix(tt.details, "<html>") {
					w.WriteHeader(http.StatusNotFound)
				}
				writeJSON(w, tt.details)
			})
			c := newTestClient(t, api.srv.URL)
			f, err := c.Flows().Get(context.Background(), fmt.Sprint(10001))
			if tt.notFound != IsNotFound(err) {
				t.Fatalf("IsNotFound(%v) = %v, want %v", err, IsNotFound(err), tt.notFound)
			}
			switch {
			case tt.notFound:
			case tt.wantID != 0 && (err != nil || f.ID != tt.wantID):
				t.Fatalf("got %+v, %v", f, err)
			case tt.wantID == 0 && !IsAuth(err):
				// The one case that must stay an error of its own.
				t.Fatalf("got %+v, %v; want the authentication error itself", f, err)
			}
			if n := len(api.requests()); n != tt.requests {
				t.Fatalf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{BaseURL: "api.itniotech.com/otp", APIKey: "k", APISecret: "s"},
		{BaseURL: "ftp://x/otp", APIKey: "k", APISecret: "s"},
		{BaseURL: "https://x/otp?a=b", APIKey: "k", APISecret: "s"},
		{APIKey: "", APISecret: "s"},
		{APIKey: "k", APISecret: ""},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%v) accepted a bad config", cfg)
		}
	}
	c, err := New(Config{APIKey: "k", APISecret: "s"})
	if err != nil || c.BaseURL() != DefaultBaseURL {
		t.Fatalf("default base URL: %v %v", c, err)
	}
}

// TestAttemptLogLine: each attempt logs one line whose signing time is the
// Timestamp header as a decimal string, under a name of its own (the CLI
// adds "timestamp" to every line, and prints numbers as floats).
func TestAttemptLogLine(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"status":"0","reason":"success","data":[]}`)
	})
	var mu sync.Mutex
	var lines []map[string]any
	c := newTestClient(t, api.srv.URL, func(cfg *Config) {
		cfg.Log = func(_ context.Context, msg string, fields map[string]any) {
			mu.Lock()
			defer mu.Unlock()
			fields["msg"] = msg
			lines = append(lines, fields)
		}
	})
	if _, err := c.Flows().List(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	if len(lines) != 1 || len(reqs) != 1 {
		t.Fatalf("%d log lines for %d requests, want 1 each: %v", len(lines), len(reqs), lines)
	}
	line := lines[0]
	if _, clash := line["timestamp"]; clash {
		t.Errorf("the line has a timestamp field, which the CLI's own timestamp hides: %v", line)
	}
	if got, ok := line["signed_at_unix"].(string); !ok || got != reqs[0].Timestamp {
		t.Errorf("signed_at_unix = %#v, want the Timestamp header %q as a string", line["signed_at_unix"], reqs[0].Timestamp)
	}
	if line["msg"] != "OTP API request succeeded" || line["status"] != http.StatusOK || line["attempt"] != 1 {
		t.Errorf("unexpected line %v", line)
	}
}

// TestNoLogBuildsNoLine: a client without a log function builds no log
// line, which the provider relies on when the CLI keeps no DEBUG logs.
func TestNoLogBuildsNoLine(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"status":"0","reason":"success","data":[]}`)
	})
	quiet := newTestClient(t, api.srv.URL)
	logging := newTestClient(t, api.srv.URL, func(cfg *Config) {
		cfg.Log = func(context.Context, string, map[string]any) {}
	})
	allocs := func(c *Client) float64 {
		return testing.AllocsPerRun(20, func() {
			if _, err := c.Flows().List(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
	// A line costs its map and its formatted values: several allocations.
	if q, l := allocs(quiet), allocs(logging); q > l-3 {
		t.Fatalf("a request allocates %.0f times without a log and %.0f with one: the line is built anyway", q, l)
	}
}

// TestRefusedCredentialsAreNotSentAgain: after a -1 (or -2) every later
// call of the same client fails at once with that answer, so a plan of many
// resources with a wrong secret sends one request, not one per resource.
func TestRefusedCredentialsAreNotSentAgain(t *testing.T) {
	for _, code := range []string{CodeAuth, CodeIPRestricted} {
		api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `{"status":%q,"reason":"refused"}`, code)
		})
		c := newTestClient(t, api.srv.URL)
		_, first := c.Flows().List(context.Background())
		_, second := c.Templates().Get(context.Background(), "20001")
		_, third := c.Apps().Create(context.Background(), App{Name: "shop-login", CodeExpiry: 5})
		if n := len(api.requests()); n != 1 {
			t.Fatalf("%s: %d requests, want 1", code, n)
		}
		for _, err := range []error{first, second, third} {
			if !hasCode(err, code) {
				t.Fatalf("%s: %v does not carry the code", code, err)
			}
		}
		var apiErr *APIError
		if !errors.As(second, &apiErr) || !apiErr.NotSent || !strings.Contains(second.Error(), "not sent") {
			t.Fatalf("%s: the second call's error does not say it was not sent: %v", code, second)
		}
	}
}

// TestErrorsMaskCredentials: an answer that quotes the request (a proxy's
// error page, a reason that echoes the headers) reaches the error, and from
// there diagnostics and logs, without the key, the secret or the signature.
func TestErrorsMaskCredentials(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   func(r *http.Request) string
	}{
		{"proxy page", http.StatusBadGateway, func(r *http.Request) string {
			return fmt.Sprintf("<html>Bad gateway for Api-Key: %s Sign: %s secret=%s</html>", r.Header.Get("Api-Key"),
				strings.ToUpper(r.Header.Get("Sign")), testSecret)
		}},
		{"envelope reason", http.StatusOK, func(r *http.Request) string {
			return status(CodeParameter, fmt.Sprintf("bad headers: Api-Key=%s Sign=%s", r.Header.Get("Api-Key"), r.Header.Get("Sign")))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sign string
			f := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				sign = r.Header.Get("Sign")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body(r))
			})
			c := newTestClient(t, f.srv.URL, func(cfg *Config) { cfg.MaxRetries = -1 })
			_, err := c.Flows().List(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			for what, s := range map[string]string{"key": testKey, "secret": string(testSecret), "signature": sign, "SIGNATURE": strings.ToUpper(sign)} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the error shows the %s: %v", what, err)
				}
			}
			if !strings.Contains(err.Error(), redacted) {
				t.Errorf("the error does not say what was masked: %v", err)
			}
		})
	}
}
