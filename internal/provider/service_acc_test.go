package provider

import (
	"bytes"
	"crypto/md5" //nolint:gosec // the vendor's signature scheme
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// TestAccService_quickstart applies the quickstart through the CLI under
// test, then sends codes through the signed API as an application would
// and watches them through the sandbox's control routes: the code length,
// the expiry, the send limit per number and the flow's fallback follow the
// configuration, and, after an apply that changes them, the new one.
func TestAccService_quickstart(t *testing.T) {
	if realAccount() {
		t.Skip("needs the sandbox's clock and message log")
	}
	e, token, w := quickstartWorkspace(t)
	c := &serviceClient{t: t, base: e.base, key: e.key, secret: e.secret, token: token}

	var firstIDs map[string]any
	for _, round := range []struct {
		vars                             []string
		expiry, length, limit, firstWait int
	}{
		{nil, 5, 6, 5, 60},
		{[]string{"-var", "code_expiry=10", "-var", "code_length=8", "-var", "hourly_limit_per_number=3", "-var", "first_fallback_wait=45"}, 10, 8, 3, 45},
	} {
		w.must(nil, append([]string{"apply", "-auto-approve"}, round.vars...)...)
		var out struct {
			SendIDs struct {
				Value map[string]any `json:"value"`
			} `json:"send_ids"`
		}
		if err := json.Unmarshal([]byte(w.must(nil, "output", "-json")), &out); err != nil {
			t.Fatal(err)
		}
		ids := out.SendIDs.Value
		if firstIDs == nil {
			firstIDs = ids
		} else if fmt.Sprint(ids) != fmt.Sprint(firstIDs) {
			t.Fatalf("the change replaced objects: ids %v, then %v", firstIDs, ids)
		}
		send := func(to string, flow bool) (string, string) {
			// The outputs give the ids in the API's types: templateId and
			// flowId numbers, sent as they are.
			body := map[string]any{"appId": ids["appId"], "templateId": ids["templateId"], "to": to}
			if flow {
				body["flowId"] = ids["flowId"]
			}
			status, data := c.api("/verification/send", body)
			var d struct {
				VerificationID string `json:"verificationId"`
			}
			_ = json.Unmarshal(data, &d)
			return status, d.VerificationID
		}
		mustSend := func(to string, flow bool) string {
			status, id := send(to, flow)
			if status != "0" {
				t.Fatalf("send to %s: status %s", to, status)
			}
			return id
		}
		what := fmt.Sprintf("code_expiry %d, code_length %d, %d an hour per number, first wait %d s", round.expiry, round.length, round.limit, round.firstWait)

		// The code length, from the template.
		id := mustSend(c.number("4915"), false)
		code := c.messages(url.Values{"verificationId": {id}})[0].Code
		if len(code) != round.length || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("%s: code %q", what, code)
		}
		if m := c.verify(id, code); m != 0 {
			t.Fatalf("%s: the right code: matched %d", what, m)
		}

		// The expiry, from the app.
		early, late := mustSend(c.number("4915"), false), mustSend(c.number("4915"), false)
		c.advance(round.expiry*60 - 1)
		if m := c.verify(early, c.codeOf(early)); m != 0 {
			t.Fatalf("%s: a second before the expiry: matched %d, want 0", what, m)
		}
		c.advance(1)
		if m := c.verify(late, c.codeOf(late)); m != 5 {
			t.Fatalf("%s: at the expiry: matched %d, want 5", what, m)
		}

		// The send limit per number, from the app.
		to := c.number("4915")
		for range round.limit {
			mustSend(to, false)
		}
		if status, _ := send(to, false); status != "-28" {
			t.Fatalf("%s: send %d to one number in an hour: status %s, want -28", what, round.limit+1, status)
		}

		// The fallback, from the flow: on a number whose SMS fail, the SMS
		// again after the first wait, then a call 90 s later.
		id = mustSend(c.number("9991"), true)
		c.advance(round.firstWait - 1)
		if n := len(c.messages(url.Values{"verificationId": {id}})); n != 1 {
			t.Fatalf("%s: %d messages a second before the first step, want 1", what, n)
		}
		c.advance(1)
		c.advance(89)
		steps := c.messages(url.Values{"verificationId": {id}})
		if len(steps) != 2 || steps[1].Step != 1 || steps[1].Channel != "sms" || steps[1].Outcome != "failed" {
			t.Fatalf("%s: at the first step and 89 s after: %+v", what, steps)
		}
		c.advance(1)
		steps = c.messages(url.Values{"verificationId": {id}})
		if len(steps) != 3 || steps[2].Step != 2 || steps[2].Channel != "call" || steps[2].Code != steps[0].Code {
			t.Fatalf("%s: 90 s after the first step: %+v", what, steps)
		}
		at0, _ := time.Parse(time.RFC3339Nano, steps[0].At)
		at1, _ := time.Parse(time.RFC3339Nano, steps[1].At)
		if at1.Sub(at0) != time.Duration(round.firstWait)*time.Second {
			t.Fatalf("%s: the first step came %s after the send", what, at1.Sub(at0))
		}
	}
}

// newServiceEnv is an acceptance environment whose sandbox has its control
// surface on, with the token it returns.
func newServiceEnv(t *testing.T) (*accEnv, string) {
	t.Helper()
	e := &accEnv{t: t, suffix: randomSuffix()}
	e.key, e.secret = "acc-key-"+e.suffix, "acc-secret-"+randomSuffix()
	token := "acc-token-" + randomSuffix()
	sb, err := sandbox.New(sandbox.Options{Accounts: map[string]string{e.key: e.secret}, ControlToken: token})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(checkedSandbox(t, sb))
	t.Cleanup(hs.Close)
	e.sb, e.base = sb, hs.URL+sb.Prefix()
	return e, token
}

// serviceClient is an application (signed requests) and its test (control
// routes).
type serviceClient struct {
	t                        *testing.T
	base, key, secret, token string
	n                        int
}

// number is a fresh number with the prefix, so that no two checks share a
// number's send limit.
func (c *serviceClient) number(prefix string) string {
	c.n++
	return fmt.Sprintf("%s%08d", prefix, c.n)
}

func (c *serviceClient) api(path string, body any) (string, json.RawMessage) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(c.signed("POST", path, b), &env); err != nil {
		c.t.Fatal(err)
	}
	return env.Status, env.Data
}

// signed sends a request signed as the application signs it, and returns
// the answer's body.
func (c *serviceClient) signed(method, path string, body []byte) []byte {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := md5.Sum([]byte(c.key + c.secret + ts)) //nolint:gosec // the vendor's scheme
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Api-Key", c.key)
	req.Header.Set("Timestamp", ts)
	req.Header.Set("Sign", hex.EncodeToString(sum[:]))
	var b json.RawMessage
	c.do(req, &b)
	return b
}

// quickstartWorkspace is a workspace of the quickstart against a sandbox
// whose control surface is on, with its token.
func quickstartWorkspace(t *testing.T) (*accEnv, string, *cliWorkspace) {
	t.Helper()
	e, token := newServiceEnv(t)
	w := newCLIWorkspace(t, e, nil)
	w.copyDir("../../examples/quickstart")
	w.must(nil, "get")
	return e, token, w
}

func (c *serviceClient) verify(id, code string) int {
	c.t.Helper()
	status, data := c.api("/verification/verify", map[string]string{"verificationId": id, "code": code})
	var d struct {
		Matched int `json:"matched"`
	}
	if err := json.Unmarshal(data, &d); status != "0" || err != nil {
		c.t.Fatalf("verify: status %s, %v", status, err)
	}
	return d.Matched
}

type sentMessage struct {
	Code    string `json:"code"`
	Channel string `json:"channel"`
	Step    int    `json:"step"`
	Outcome string `json:"outcome"`
	At      string `json:"at"`
}

func (c *serviceClient) messages(q url.Values) []sentMessage {
	c.t.Helper()
	req, err := http.NewRequest("GET", strings.TrimSuffix(c.base, "/otp")+"/_sandbox/messages?"+q.Encode(), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	var out []sentMessage
	c.do(req, &out)
	return out
}

func (c *serviceClient) codeOf(id string) string {
	c.t.Helper()
	ms := c.messages(url.Values{"verificationId": {id}})
	if len(ms) == 0 {
		c.t.Fatalf("no message for %s", id)
	}
	return ms[0].Code
}

func (c *serviceClient) advance(seconds int) {
	c.t.Helper()
	req, err := http.NewRequest("POST", strings.TrimSuffix(c.base, "/otp")+"/_sandbox/clock", strings.NewReader(fmt.Sprintf(`{"advanceSeconds":%d}`, seconds)))
	if err != nil {
		c.t.Fatal(err)
	}
	c.do(req, nil)
}

func (c *serviceClient) do(req *http.Request, v any) {
	c.t.Helper()
	if strings.Contains(req.URL.Path, "/_sandbox/") {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode/100 != 2 {
		c.t.Fatalf("%s %s: HTTP %d %s", req.Method, req.URL, resp.StatusCode, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: %v in %s", req.Method, req.URL, err, b)
		}
	}
}
