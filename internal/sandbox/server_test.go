package sandbox

import (
	"bytes"
	"crypto/md5" //nolint:gosec // vendor scheme
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	key    = "sandbox-key"
	secret = "sandbox-secret"
)

type env struct {
	t   *testing.T
	srv *Server
	hs  *httptest.Server
}

func newEnv(t *testing.T, mods ...func(*Options)) *env {
	t.Helper()
	opts := Options{Accounts: map[string]string{key: secret, "other-key": "other-secret"}}
	for _, m := range mods {
		m(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{t: t, srv: srv, hs: hs}
}

type reply struct {
	HTTP   int
	Status string          `json:"status"`
	Reason string          `json:"reason"`
	Data   json.RawMessage `json:"data"`
	Header http.Header
}

func sign(k, s, ts string) string {
	sum := md5.Sum([]byte(k + s + ts)) //nolint:gosec // vendor scheme
	return hex.EncodeToString(sum[:])
}

// call sends a request signed for account k with the given timestamp; a
// nil headers map means "sign correctly now".
func (e *env) call(method, path, body string, headers map[string]string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.hs.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if headers == nil {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		headers = map[string]string{"Api-Key": key, "Timestamp": ts, "Sign": sign(key, secret, ts)}
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{HTTP: resp.StatusCode, Header: resp.Header}
	if resp.StatusCode == http.StatusOK {
		// The status must be a JSON string, as documented.
		var probe struct {
			Status any `json:"status"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			e.t.Fatalf("answer is not JSON: %s", raw)
		}
		if _, isString := probe.Status.(string); !isString {
			e.t.Fatalf("status is not a string: %s", raw)
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			e.t.Fatal(err)
		}
	}
	return r
}

func (e *env) add(body string) reply { return e.call("POST", "/otp/flow/add", body, nil) }

const validBody = `{"name":"login-fallback","flow":[{"waitingTime":60,"status":1,"channel":"sms"},{"waitingTime":90,"status":2,"channel":"call","channelCut":1}]}`

func TestCreateReadListUpdate(t *testing.T) {
	e := newEnv(t)
	r := e.add(validBody)
	if r.Status != "0" || r.HTTP != 200 {
		t.Fatalf("add: %+v", r)
	}
	var f Flow
	if err := json.Unmarshal(r.Data, &f); err != nil {
		t.Fatal(err)
	}
	if f.FlowID < firstID || f.Name != "login-fallback" || len(f.Flow) != 2 || f.Flow[0].ChannelCut != 0 || f.Flow[1].ChannelCut != 1 {
		t.Fatalf("created %+v", f)
	}
	if !strings.Contains(string(r.Data), `"channelCut":0`) {
		t.Fatalf("channelCut must always be present in answers: %s", r.Data)
	}
	id := strconv.FormatInt(f.FlowID, 10)

	if d := e.call("GET", "/otp/flow/details/"+id, "", nil); d.Status != "0" || string(d.Data) != string(r.Data) {
		t.Fatalf("details %s, want %s", d.Data, r.Data)
	}
	second := e.add(`{"name":"signup-fallback","flow":[{"waitingTime":30,"status":1,"channel":"call"}]}`)
	var f2 Flow
	_ = json.Unmarshal(second.Data, &f2)
	if f2.FlowID <= f.FlowID {
		t.Fatalf("ids must increase: %d then %d", f.FlowID, f2.FlowID)
	}
	var list []Flow
	l := e.call("GET", "/otp/flow/list", "", nil)
	if err := json.Unmarshal(l.Data, &list); err != nil || len(list) != 2 || list[0].FlowID != f.FlowID {
		t.Fatalf("list %s", l.Data)
	}

	// Update is a full replacement, keeping one's own name is fine.
	u := e.call("PUT", "/otp/flow/update/"+id, `{"name":"login-fallback","flow":[{"waitingTime":120,"status":2,"channel":"call"}]}`, nil)
	if u.Status != "0" {
		t.Fatalf("update %+v", u)
	}
	var updated Flow
	_ = json.Unmarshal(u.Data, &updated)
	if updated.FlowID != f.FlowID || len(updated.Flow) != 1 || updated.Flow[0].WaitingTime != 120 {
		t.Fatalf("updated %+v", updated)
	}
	if u := e.call("PUT", "/otp/flow/update/"+id, `{"name":"signup-fallback","flow":[{"waitingTime":120,"status":2,"channel":"call"}]}`, nil); u.Status != "-20" {
		t.Fatalf("renaming onto another flow's name: %+v", u)
	}
	if u := e.call("POST", "/otp/flow/update/"+id, validBody, nil); u.HTTP != http.StatusMethodNotAllowed {
		t.Fatalf("update must be PUT: HTTP %d", u.HTTP)
	}
}

func TestNoDeleteEndpoint(t *testing.T) {
	e := newEnv(t)
	e.add(validBody)
	for _, m := range []string{"DELETE /otp/flow/delete/10001", "POST /otp/flow/delete/10001", "DELETE /otp/flow/details/10001"} {
		method, path, _ := strings.Cut(m, " ")
		if r := e.call(method, path, "", nil); r.HTTP == http.StatusOK {
			t.Fatalf("%s answered 200", m)
		}
	}
	if len(e.srv.Flows(key)) != 1 {
		t.Fatal("a flow was deleted through the API")
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Window = 60 * time.Second })
	now := time.Now().Unix()
	ts := func(d int64) string { return strconv.FormatInt(now+d, 10) }
	tests := []struct {
		name    string
		headers map[string]string
		want    string
	}{
		{"no headers", map[string]string{"Api-Key": ""}, "-1"},
		{"no sign", map[string]string{"Api-Key": key, "Timestamp": ts(0)}, "-1"},
		{"no timestamp", map[string]string{"Api-Key": key, "Sign": sign(key, secret, ts(0))}, "-1"},
		{"unknown key", map[string]string{"Api-Key": "nobody", "Timestamp": ts(0), "Sign": sign("nobody", secret, ts(0))}, "-1"},
		{"wrong secret", map[string]string{"Api-Key": key, "Timestamp": ts(0), "Sign": sign(key, "wrong", ts(0))}, "-1"},
		{"other account's secret", map[string]string{"Api-Key": key, "Timestamp": ts(0), "Sign": sign(key, "other-secret", ts(0))}, "-1"},
		{"sign of another timestamp", map[string]string{"Api-Key": key, "Timestamp": ts(0), "Sign": sign(key, secret, ts(1))}, "-1"},
		{"timestamp in milliseconds text", map[string]string{"Api-Key": key, "Timestamp": "abc", "Sign": sign(key, secret, "abc")}, "-1"},
		{"upper-case sign", map[string]string{"Api-Key": key, "Timestamp": ts(0), "Sign": strings.ToUpper(sign(key, secret, ts(0)))}, "0"},
		{"inside the window", map[string]string{"Api-Key": key, "Timestamp": ts(-50), "Sign": sign(key, secret, ts(-50))}, "0"},
		{"too old", map[string]string{"Api-Key": key, "Timestamp": ts(-120), "Sign": sign(key, secret, ts(-120))}, "-16"},
		{"too far ahead", map[string]string{"Api-Key": key, "Timestamp": ts(120), "Sign": sign(key, secret, ts(120))}, "-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call("GET", "/otp/flow/list", "", tt.headers)
			if r.HTTP != 200 || r.Status != tt.want {
				t.Fatalf("got HTTP %d status %q (%s), want %s", r.HTTP, r.Status, r.Reason, tt.want)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	node := `{"waitingTime":60,"status":1,"channel":"sms"}`
	withNode := func(n string) string { return `{"name":"abcd","flow":[` + node + `,` + n + `]}` }
	tests := []struct {
		name, body, reason string
	}{
		{"not JSON", `{`, "JSON object"},
		{"array body", `[]`, "JSON object"},
		{"no name", `{"flow":[` + node + `]}`, "name is required"},
		{"name not a string", `{"name":1234,"flow":[` + node + `]}`, "name must be a string"},
		{"name 3 chars", `{"name":"abc","flow":[` + node + `]}`, "name must be 4 to 32 characters"},
		{"name 33 chars", `{"name":"` + strings.Repeat("a", 33) + `","flow":[` + node + `]}`, "name must be 4 to 32 characters"},
		{"name 3 Chinese chars (9 bytes)", `{"name":"登录流","flow":[` + node + `]}`, "name must be 4 to 32 characters"},
		{"name 33 Chinese chars", `{"name":"` + strings.Repeat("流", 33) + `","flow":[` + node + `]}`, "name must be 4 to 32 characters"},
		{"no flow", `{"name":"abcd"}`, "flow is required"},
		{"null flow", `{"name":"abcd","flow":null}`, "flow is required"},
		{"flow not array", `{"name":"abcd","flow":{}}`, "flow must be an array"},
		{"empty flow", `{"name":"abcd","flow":[]}`, "at least one node"},
		{"node not object", withNode(`3`), "flow[1] must be an object"},
		{"waitingTime missing", withNode(`{"status":1,"channel":"sms"}`), "flow[1].waitingTime is required"},
		{"waitingTime 29", withNode(`{"waitingTime":29,"status":1,"channel":"sms"}`), "flow[1].waitingTime must be between 30 and 120"},
		{"waitingTime 121", withNode(`{"waitingTime":121,"status":1,"channel":"sms"}`), "flow[1].waitingTime must be between 30 and 120"},
		{"waitingTime string", withNode(`{"waitingTime":"60","status":1,"channel":"sms"}`), "flow[1].waitingTime must be an integer"},
		{"waitingTime fraction", withNode(`{"waitingTime":60.5,"status":1,"channel":"sms"}`), "flow[1].waitingTime must be an integer"},
		{"status missing", withNode(`{"waitingTime":60,"channel":"sms"}`), "flow[1].status is required"},
		{"status 0", withNode(`{"waitingTime":60,"status":0,"channel":"sms"}`), "flow[1].status must be 1"},
		{"status 3", withNode(`{"waitingTime":60,"status":3,"channel":"sms"}`), "flow[1].status must be 1"},
		{"channel missing", withNode(`{"waitingTime":60,"status":1}`), "flow[1].channel is required"},
		{"channel email", withNode(`{"waitingTime":60,"status":1,"channel":"email"}`), `flow[1].channel must be "sms" or "call"`},
		{"channel upper case", withNode(`{"waitingTime":60,"status":1,"channel":"SMS"}`), `flow[1].channel must be "sms" or "call"`},
		{"channelCut 2", withNode(`{"waitingTime":60,"status":1,"channel":"sms","channelCut":2}`), "flow[1].channelCut must be 0"},
		{"channelCut -1", withNode(`{"waitingTime":60,"status":1,"channel":"sms","channelCut":-1}`), "flow[1].channelCut must be 0"},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.add(tt.body)
			if r.Status != "-22" || !strings.Contains(r.Reason, tt.reason) {
				t.Fatalf("got %q %q, want -22 with %q", r.Status, r.Reason, tt.reason)
			}
		})
	}
	if n := len(e.srv.Flows(key)); n != 0 {
		t.Fatalf("%d invalid flows were stored", n)
	}
	for _, name := range []string{"登录流程", strings.Repeat("流", 32), "abcd", strings.Repeat("a", 32)} {
		if r := e.add(`{"name":"` + name + `","flow":[` + node + `]}`); r.Status != "0" {
			t.Fatalf("valid name %q refused: %s", name, r.Reason)
		}
	}
	// The same rules apply to update.
	if r := e.call("PUT", "/otp/flow/update/10001", `{"name":"abcd","flow":[]}`, nil); r.Status != "-22" {
		t.Fatalf("update with an empty flow: %+v", r)
	}
}

func TestNamesAreUniquePerAccount(t *testing.T) {
	e := newEnv(t)
	if r := e.add(validBody); r.Status != "0" {
		t.Fatal(r.Reason)
	}
	if r := e.add(validBody); r.Status != "-20" {
		t.Fatalf("duplicate name: %+v", r)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	other := map[string]string{"Api-Key": "other-key", "Timestamp": ts, "Sign": sign("other-key", "other-secret", ts)}
	r := e.call("POST", "/otp/flow/add", validBody, other)
	if r.Status != "0" {
		t.Fatalf("the same name in another account: %+v", r)
	}
	// Accounts do not see each other's flows.
	var f Flow
	_ = json.Unmarshal(r.Data, &f)
	if d := e.call("GET", "/otp/flow/details/"+strconv.FormatInt(f.FlowID, 10), "", nil); d.Status != "-24" {
		t.Fatalf("another account's flow: %+v", d)
	}
	if n := len(e.srv.Flows(key)); n != 1 {
		t.Fatalf("account has %d flows", n)
	}
}

func TestUnknownAndMalformedIDs(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{
		"/otp/flow/details/99999": "-24",
		"/otp/flow/details/1":     "-24",
		"/otp/flow/details/abc":   "-22",
		"/otp/flow/details/-5":    "-22",
	} {
		if r := e.call("GET", path, "", nil); r.Status != want {
			t.Errorf("%s: %q, want %s", path, r.Status, want)
		}
	}
	if r := e.call("PUT", "/otp/flow/update/99999", validBody, nil); r.Status != "-24" {
		t.Errorf("update unknown: %+v", r)
	}
}

func TestCountersAndReset(t *testing.T) {
	e := newEnv(t)
	e.add(validBody)
	e.call("GET", "/otp/flow/list", "", nil)
	e.call("GET", "/otp/flow/list", "", map[string]string{"Api-Key": ""})
	if ua := e.srv.UserAgents(); len(ua) != 1 || ua[0] != "Go-http-client/1.1" {
		t.Fatalf("user agents %v", ua)
	}
	c := e.srv.Counts()
	if c[RouteAdd] != 1 || c[RouteList] != 2 || e.srv.Total() != 3 {
		t.Fatalf("counts %v", c)
	}
	resp, err := http.Get(e.hs.URL + "/_sandbox/requests")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Counts map[string]int `json:"counts"`
		Total  int            `json:"total"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if got.Total != 3 || got.Counts[RouteList] != 2 {
		t.Fatalf("control counts %+v", got)
	}
	if resp, err := http.Post(e.hs.URL+"/_sandbox/reset", "", nil); err != nil || resp.StatusCode != 204 {
		t.Fatalf("reset: %v", err)
	}
	if e.srv.Total() != 0 || len(e.srv.Flows(key)) != 0 {
		t.Fatal("reset kept state")
	}
}

func TestFaults(t *testing.T) {
	t.Run("system error", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{SystemErrorRate: 1, Limit: 1})
		if r := e.add(validBody); r.Status != "-18" {
			t.Fatalf("got %+v", r)
		}
		if len(e.srv.Flows(key)) != 0 {
			t.Fatal("a -18 answer stored the flow")
		}
		if r := e.add(validBody); r.Status != "0" {
			t.Fatalf("limit not honoured: %+v", r)
		}
	})
	t.Run("bad gateway", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{BadGatewayRate: 1})
		r := e.call("GET", "/otp/flow/list", "", nil)
		if r.HTTP != http.StatusBadGateway {
			t.Fatalf("HTTP %d", r.HTTP)
		}
	})
	t.Run("rate is a fraction", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{SystemErrorRate: 0.5, Seed: 7})
		failed := 0
		for range 200 {
			if e.call("GET", "/otp/flow/list", "", nil).Status == "-18" {
				failed++
			}
		}
		if failed < 60 || failed > 140 {
			t.Fatalf("%d of 200 failed at rate 0.5", failed)
		}
	})
	t.Run("dropped create", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{DropCreateRate: 1, Limit: 1})
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest("POST", e.hs.URL+"/otp/flow/add", strings.NewReader(validBody))
		req.Header.Set("Api-Key", key)
		req.Header.Set("Timestamp", ts)
		req.Header.Set("Sign", sign(key, secret, ts))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatal("the answer was not dropped")
		}
		if len(e.srv.Flows(key)) != 1 {
			t.Fatal("the dropped create did not store the flow")
		}
	})
	t.Run("latency", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{LatencyMS: 150})
		start := time.Now()
		e.call("GET", "/otp/flow/list", "", nil)
		if time.Since(start) < 150*time.Millisecond {
			t.Fatal("no latency added")
		}
	})
	t.Run("clock skew", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{ClockSkewSeconds: 3600})
		r := e.call("GET", "/otp/flow/list", "", nil)
		if r.Status != "-16" {
			t.Fatalf("got %+v", r)
		}
		date, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil || time.Until(date) < 3500*time.Second {
			t.Fatalf("Date header %q does not show the skew", r.Header.Get("Date"))
		}
	})
	t.Run("control surface", func(t *testing.T) {
		e := newEnv(t)
		req, _ := http.NewRequest("PUT", e.hs.URL+"/_sandbox/faults", strings.NewReader(`{"systemErrorRate":2}`))
		if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 400 {
			t.Fatalf("rate 2 accepted: %d", resp.StatusCode)
		}
		req, _ = http.NewRequest("PUT", e.hs.URL+"/_sandbox/faults", strings.NewReader(`{"systemErrorRate":1,"limit":1}`))
		if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 200 {
			t.Fatalf("faults refused: %d", resp.StatusCode)
		}
		if r := e.call("GET", "/otp/flow/list", "", nil); r.Status != "-18" {
			t.Fatalf("fault not applied: %+v", r)
		}
	})
}

func TestConsoleEditsAndDeletes(t *testing.T) {
	e := newEnv(t)
	r := e.add(validBody)
	var f Flow
	_ = json.Unmarshal(r.Data, &f)
	id := strconv.FormatInt(f.FlowID, 10)

	req, _ := http.NewRequest("PATCH", e.hs.URL+"/_sandbox/flows/"+id, strings.NewReader(`{"name":"edited-in-console"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("edit: %v %v", err, resp.Status)
	}
	if d := e.call("GET", "/otp/flow/details/"+id, "", nil); !strings.Contains(string(d.Data), "edited-in-console") {
		t.Fatalf("edit not visible: %s", d.Data)
	}
	req, _ = http.NewRequest("PATCH", e.hs.URL+"/_sandbox/flows/"+id, strings.NewReader(`{"flow":[{"waitingTime":5,"status":1,"channel":"sms"}]}`))
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 400 {
		t.Fatalf("an invalid edit was accepted: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("DELETE", e.hs.URL+"/_sandbox/flows/"+id, nil)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if d := e.call("GET", "/otp/flow/details/"+id, "", nil); d.Status != "-24" {
		t.Fatalf("deleted flow still readable: %+v", d)
	}
	if err := e.srv.DeleteFlow(f.FlowID); !errors.Is(err, ErrNoSuchFlow) {
		t.Fatalf("second delete: %v", err)
	}
	resp, _ = http.Post(e.hs.URL+"/_sandbox/flows?key="+key, "application/json", strings.NewReader(`{"name":"from-console","flow":[{"waitingTime":30,"status":2,"channel":"call","channelCut":1}]}`))
	if resp.StatusCode != 201 {
		t.Fatalf("console add: %d", resp.StatusCode)
	}
	if fl := e.srv.Flows(key); len(fl) != 1 || fl[0].Name != "from-console" {
		t.Fatalf("flows %+v", fl)
	}
}

func TestStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, func(o *Options) { o.StateFile = path })
	e.add(validBody)
	e.add(`{"name":"second","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`)
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}

	again := newEnv(t, func(o *Options) { o.StateFile = path })
	if fl := again.srv.Flows(key); len(fl) != 2 || fl[1].Name != "second" {
		t.Fatalf("reloaded %+v", fl)
	}
	r := again.add(`{"name":"third","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`)
	var f Flow
	_ = json.Unmarshal(r.Data, &f)
	if f.FlowID != firstID+2 {
		t.Fatalf("id after reload %d, want %d", f.FlowID, firstID+2)
	}

	corrupt := []byte(`{"nextId": 5, "accounts": {`)
	if err := os.WriteFile(path, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{Accounts: map[string]string{key: secret}, StateFile: path})
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corrupt state: %v", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, corrupt) {
		t.Fatal("the corrupt file was overwritten")
	}
}

func TestNewRequiresAnAccount(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("no accounts accepted")
	}
	if _, err := New(Options{Accounts: map[string]string{"k": ""}}); err == nil {
		t.Fatal("empty secret accepted")
	}
}
