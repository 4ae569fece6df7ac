// Command check tests that the OTP service does what the quickstart's
// configuration says, as an application's test would: it sends codes
// through the signed API, reads them from the sandbox's message log, checks
// them, and moves the sandbox's clock to see the expiry, the fallback steps
// and the send limit at work. It reads the configuration from the
// quickstart's outputs:
//
//	terraform output -json | go run ./check
//
// with OTP_BASE_URL, OTP_API_KEY and OTP_API_SECRET set as for the
// provider, and OTP_SANDBOX_CONTROL_TOKEN for the sandbox's control
// routes. It needs only Go's standard library, and the sandbox (the clock
// and the message log are the sandbox's, not the vendor's).
package main

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // the vendor's signature scheme
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// outputs are the quickstart's outputs, as terraform output -json gives them.
type outputs struct {
	SendIDs struct {
		Value struct {
			AppID      string `json:"appId"`
			TemplateID int64  `json:"templateId"`
			FlowID     int64  `json:"flowId"`
		} `json:"value"`
	} `json:"send_ids"`
	Settings struct {
		Value settings `json:"value"`
	} `json:"settings"`
}

type settings struct {
	CodeExpiry     int    `json:"code_expiry"`
	CodeType       string `json:"code_type"`
	CodeLength     int    `json:"code_length"`
	Text           string `json:"text"`
	PhoneSendLimit *struct {
		Unit   string `json:"unit"`
		Period int    `json:"period"`
		Limit  int    `json:"limit"`
	} `json:"phone_send_limit"`
	Fallback []struct {
		WaitingTime int    `json:"waiting_time"`
		Status      int    `json:"status"`
		Channel     string `json:"channel"`
		ChannelCut  int    `json:"channel_cut"`
	} `json:"fallback"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}

func run() error {
	var out outputs
	if err := json.NewDecoder(os.Stdin).Decode(&out); err != nil {
		return fmt.Errorf("reading terraform output -json on stdin: %w", err)
	}
	ids, cfg := out.SendIDs.Value, out.Settings.Value
	if ids.AppID == "" || cfg.CodeLength == 0 {
		return errors.New("stdin has no send_ids and settings outputs: pipe terraform output -json of examples/quickstart")
	}
	c, err := newClient()
	if err != nil {
		return err
	}
	templateID, flowID := ids.TemplateID, ids.FlowID
	send := func(to string, flow bool) (string, string, error) {
		body := map[string]any{"appId": ids.AppID, "templateId": templateID, "to": to}
		if flow {
			body["flowId"] = flowID
		}
		var data struct {
			VerificationID string `json:"verificationId"`
		}
		status, err := c.api("POST", "/verification/send", body, &data)
		return data.VerificationID, status, err
	}
	mustSend := func(to string, flow bool) (string, error) {
		id, status, err := send(to, flow)
		if err == nil && status != "0" {
			err = fmt.Errorf("send to %s answered status %s", to, status)
		}
		return id, err
	}
	check := func(id, code string) (int, error) {
		var data struct {
			Matched int `json:"matched"`
		}
		status, err := c.api("POST", "/verification/verify", map[string]any{"verificationId": id, "code": code}, &data)
		if err == nil && status != "0" {
			err = fmt.Errorf("verify answered status %s", status)
		}
		return data.Matched, err
	}
	expect := func(what string, got, want int) error {
		if got != want {
			return fmt.Errorf("%s: matched %d, want %d", what, got, want)
		}
		return nil
	}

	// The code: the template's length and characters, in the template's text.
	id, err := mustSend(number("9990"), false)
	if err != nil {
		return err
	}
	msgs, err := c.messages(url.Values{"verificationId": {id}, "wait": {"5"}})
	if err != nil {
		return err
	}
	if len(msgs) != 1 {
		return fmt.Errorf("%d messages for one send, want 1", len(msgs))
	}
	code := msgs[0].Code
	if len(code) != cfg.CodeLength || strings.Trim(code, alphabets[cfg.CodeType]) != "" {
		return fmt.Errorf("code %q is not %d characters of a %s code", code, cfg.CodeLength, cfg.CodeType)
	}
	if want := strings.ReplaceAll(cfg.Text, "##code##", code); msgs[0].Text != want {
		return fmt.Errorf("SMS %q, want %q", msgs[0].Text, want)
	}
	fmt.Printf("ok: a %d-character %s code in the template's text: %q\n", cfg.CodeLength, cfg.CodeType, msgs[0].Text)

	// Checks: a wrong code, the right one, the right one again.
	for _, c := range []struct {
		code string
		want int
		what string
	}{{wrongCode(code), 2, "a wrong code"}, {code, 0, "the right code"}, {code, 4, "the right code again"}} {
		m, err := check(id, c.code)
		if err != nil {
			return err
		}
		if err := expect(c.what, m, c.want); err != nil {
			return err
		}
	}
	fmt.Println("ok: a wrong code is matched 2, the right one 0, then 4 (already used)")

	// The expiry: valid until code_expiry minutes have passed, not after.
	early, err := mustSend(number("9990"), false)
	if err != nil {
		return err
	}
	late, err := mustSend(number("9990"), false)
	if err != nil {
		return err
	}
	if err := c.advance(cfg.CodeExpiry*60 - 1); err != nil {
		return err
	}
	if err := checkCode(c, check, early, 0, "a second before code_expiry"); err != nil {
		return err
	}
	if err := c.advance(1); err != nil {
		return err
	}
	if err := checkCode(c, check, late, 5, "at code_expiry"); err != nil {
		return err
	}
	fmt.Printf("ok: a code is valid for %d minutes, expired (matched 5) after\n", cfg.CodeExpiry)

	// The fallback, to a number whose SMS never arrive (calls do): each
	// step when its waiting_time has passed since the step before, when its
	// trigger holds.
	to := number("9991")
	id, err = mustSend(to, true)
	if err != nil {
		return err
	}
	last, elapsed, step := "sms", 0, 0
	for i, node := range cfg.Fallback {
		elapsed += node.WaitingTime
		if err := c.advance(node.WaitingTime - 1); err != nil {
			return err
		}
		if n, err := c.count(id); err != nil || n != step+1 {
			return fmt.Errorf("step %d ran early: %d messages, want %d (%w)", i+1, n, step+1, err)
		}
		if err := c.advance(1); err != nil {
			return err
		}
		lastFailed := last == "sms" // on this number
		sends := elapsed < cfg.CodeExpiry*60 && (node.Status == 2 || lastFailed)
		msgs, err := c.messages(url.Values{"verificationId": {id}, "step": {strconv.Itoa(i + 1)}})
		if err != nil {
			return err
		}
		if !sends {
			if len(msgs) != 0 {
				return fmt.Errorf("step %d sent, but its trigger did not hold", i+1)
			}
			fmt.Printf("ok: step %d (status %d) did not send: its trigger did not hold\n", i+1, node.Status)
			continue
		}
		channel := node.Channel
		if node.ChannelCut == 1 {
			channel = last
		}
		if len(msgs) != 1 || msgs[0].Channel != channel || msgs[0].Code != c.codeOf(id) {
			return fmt.Errorf("step %d: messages %+v, want one %s with the send's code", i+1, msgs, channel)
		}
		fmt.Printf("ok: step %d, %d s after the step before: the code again by %s (%s)\n", i+1, node.WaitingTime, channel, msgs[0].Outcome)
		last, step = channel, step+1
	}

	// The limit of sends to one phone number.
	if l := cfg.PhoneSendLimit; l != nil && l.Limit <= 50 {
		to := number("9990")
		for range l.Limit {
			if _, err := mustSend(to, false); err != nil {
				return err
			}
		}
		_, status, err := send(to, false)
		if err != nil {
			return err
		}
		if status != "-28" {
			return fmt.Errorf("send %d to one number in %d %s: status %s, want -28", l.Limit+1, l.Period, l.Unit, status)
		}
		if err := c.advance(l.Period * units[l.Unit]); err != nil {
			return err
		}
		if _, err := mustSend(to, false); err != nil {
			return fmt.Errorf("a period later: %w", err)
		}
		fmt.Printf("ok: at most %d codes in %d %s to one number (-28 after), and again a period later\n", l.Limit, l.Period, l.Unit)
	}
	return nil
}

var alphabets = map[string]string{
	"numeric": "0123456789", "alpha": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	"alphanumeric": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "hex": "0123456789ABCDEF",
}

var units = map[string]int{"day": 86400, "hour": 3600, "minute": 60, "second": 1}

func checkCode(c *client, check func(id, code string) (int, error), id string, want int, what string) error {
	m, err := check(id, c.codeOf(id))
	if err != nil {
		return err
	}
	if m != want {
		return fmt.Errorf("the right code %s: matched %d, want %d", what, m, want)
	}
	return nil
}

// wrongCode is a code of the same shape that is not code.
func wrongCode(code string) string {
	if strings.HasPrefix(code, "0") {
		return "1" + code[1:]
	}
	return "0" + code[1:]
}

// number is a phone number of the sandbox's range prefix with random digits,
// so that runs against one sandbox never share a number's send limit.
func number(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	n := uint64(0)
	for _, x := range b {
		n = n<<8 | uint64(x)
	}
	return fmt.Sprintf("%s%09d", prefix, n%1_000_000_000)
}

// client speaks the vendor API (signed) and the sandbox's control routes.
type client struct {
	base, key, secret, token, control string
	http                              *http.Client
}

func newClient() (*client, error) {
	c := &client{
		base: strings.TrimSuffix(os.Getenv("OTP_BASE_URL"), "/"), key: os.Getenv("OTP_API_KEY"),
		secret: os.Getenv("OTP_API_SECRET"), token: os.Getenv("OTP_SANDBOX_CONTROL_TOKEN"),
		http: &http.Client{Timeout: 30 * time.Second},
	}
	if c.base == "" || c.key == "" || c.secret == "" || c.token == "" {
		return nil, errors.New("set OTP_BASE_URL (the sandbox's http://host:port/otp), OTP_API_KEY, OTP_API_SECRET and OTP_SANDBOX_CONTROL_TOKEN")
	}
	c.control = strings.TrimSuffix(c.base, "/otp") + "/_sandbox"
	return c, nil
}

// api makes a signed request and decodes data; it returns the envelope's status.
func (c *client) api(method, path string, body, data any) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.base+path, bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := md5.Sum([]byte(c.key + c.secret + ts)) //nolint:gosec // the vendor's scheme
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Api-Key", c.key)
	req.Header.Set("Timestamp", ts)
	req.Header.Set("Sign", hex.EncodeToString(sum[:]))
	var env struct {
		Status string          `json:"status"`
		Reason string          `json:"reason"`
		Data   json.RawMessage `json:"data"`
	}
	if err := c.do(req, &env); err != nil {
		return "", fmt.Errorf("%s %s: %w", method, path, err)
	}
	if env.Status == "0" && data != nil {
		if err := json.Unmarshal(env.Data, data); err != nil {
			return "", err
		}
	}
	return env.Status, nil
}

type message struct {
	VerificationID string `json:"verificationId"`
	Channel        string `json:"channel"`
	Text           string `json:"text"`
	Code           string `json:"code"`
	Step           int    `json:"step"`
	Outcome        string `json:"outcome"`
}

// messages reads the sandbox's message log of the account.
func (c *client) messages(q url.Values) ([]message, error) {
	q.Set("key", c.key)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, c.control+"/messages?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var out []message
	return out, c.do(req, &out)
}

func (c *client) count(id string) (int, error) {
	msgs, err := c.messages(url.Values{"verificationId": {id}})
	return len(msgs), err
}

func (c *client) codeOf(id string) string {
	msgs, err := c.messages(url.Values{"verificationId": {id}})
	if err != nil || len(msgs) == 0 {
		return ""
	}
	return msgs[0].Code
}

// advance moves the account's clock; the steps that fall due run before
// it answers.
func (c *client) advance(seconds int) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, c.control+"/clock?key="+url.QueryEscape(c.key), strings.NewReader(fmt.Sprintf(`{"advanceSeconds":%d}`, seconds)))
	if err != nil {
		return err
	}
	return c.do(req, nil)
}

func (c *client) do(req *http.Request, v any) error {
	if strings.HasPrefix(req.URL.String(), c.control) {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(b, v)
}
