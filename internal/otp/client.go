package otp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultBaseURL is the vendor's OTP API; paths are appended to it.
const DefaultBaseURL = "https://api.itniotech.com/otp"

// Defaults used when Config leaves a field zero.
const (
	DefaultMaxRetries   = 4
	DefaultRetryWaitMin = 250 * time.Millisecond
	DefaultRetryWaitMax = 8 * time.Second
	DefaultTimeout      = 30 * time.Second
	// maxBody caps what is read of an answer: a list of every flow in an
	// account is small, and a proxy page is not worth more.
	maxBody = 8 << 20
	// skewThreshold is how far the server's clock must be from ours before
	// we correct our timestamps; the Date header only has 1 s resolution
	// and the vendor's tolerance window is undocumented.
	skewThreshold = time.Minute
)

// LogFunc receives one structured line per attempt. It never receives the
// secret or the signature.
type LogFunc func(ctx context.Context, msg string, fields map[string]any)

// Config holds everything a Client needs. The zero value of each optional
// field selects its default.
type Config struct {
	BaseURL   string
	APIKey    string
	APISecret Secret
	// HTTPClient is used as given, except that a nil one gets DefaultTimeout.
	// TLS verification is never turned off by this package.
	HTTPClient *http.Client
	UserAgent  string
	// MaxRetries is how many times a transient failure is retried; negative
	// disables retries.
	MaxRetries   int
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// Now is the clock seam for tests.
	Now func() time.Time
	Log LogFunc
}

// Client talks to the OTP API. It is safe for concurrent use.
type Client struct {
	base *url.URL
	key  string
	// secret is behind a pointer so that even a print of a dereferenced
	// Client (whose unexported fields fmt shows raw) shows an address.
	secret     *Secret
	http       *http.Client
	userAgent  string
	maxRetries int
	waitMin    time.Duration
	waitMax    time.Duration
	now        func() time.Time
	log        LogFunc // nil: nothing is logged, and no line is built
	// offset is added to the local clock when signing, in nanoseconds; it
	// is learnt from the server's Date header after a -16 answer.
	offset atomic.Int64
	// refused is the API's -1 or -2 answer, once one came: the credentials
	// and the machine's address do not change during a client's life, so
	// every later call fails at once with it instead of asking again.
	refused atomic.Pointer[APIError]
}

// New validates cfg and builds a Client.
func New(cfg Config) (*Client, error) {
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := ParseBaseURL(raw)
	if err != nil {
		return nil, err
	}
	if cfg.APIKey == "" {
		return nil, errors.New("otp: the API key is empty")
	}
	if cfg.APISecret == "" {
		return nil, errors.New("otp: the API secret is empty")
	}
	c := &Client{
		base:       base,
		key:        cfg.APIKey,
		secret:     &cfg.APISecret,
		http:       cfg.HTTPClient,
		userAgent:  cfg.UserAgent,
		maxRetries: cfg.MaxRetries,
		waitMin:    cfg.RetryWaitMin,
		waitMax:    cfg.RetryWaitMax,
		now:        cfg.Now,
		log:        cfg.Log,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultTimeout}
	}
	if c.userAgent == "" {
		c.userAgent = "terraform-provider-otp"
	}
	if c.maxRetries == 0 {
		c.maxRetries = DefaultMaxRetries
	} else if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if c.waitMin <= 0 {
		c.waitMin = DefaultRetryWaitMin
	}
	if c.waitMax < c.waitMin {
		c.waitMax = max(DefaultRetryWaitMax, c.waitMin)
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// ParseBaseURL accepts an absolute http or https URL without query or
// fragment and strips a trailing slash, so that paths can be appended.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("otp: base URL %q is not a URL: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("otp: base URL %q must be an absolute http:// or https:// URL, such as %s", raw, DefaultBaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("otp: base URL %q must not contain credentials, a query or a fragment", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// String keeps the credentials out of %v and %s prints of a client: the
// provider's schema marks the key sensitive too.
func (c *Client) String() string {
	return fmt.Sprintf("otp.Client{BaseURL: %s, APIKey: %s, APISecret: %s}", c.base, redacted, redacted)
}

// GoString keeps the secret out of %#v prints.
func (c *Client) GoString() string { return c.String() }

// Format keeps the secret out of every other verb.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// String keeps the credentials out of prints of a Config.
func (cfg Config) String() string {
	return fmt.Sprintf("otp.Config{BaseURL: %s, APIKey: %s, APISecret: %s, UserAgent: %s, MaxRetries: %d}",
		cfg.BaseURL, redacted, redacted, cfg.UserAgent, cfg.MaxRetries)
}

// GoString keeps the secret out of %#v prints.
func (cfg Config) GoString() string { return cfg.String() }

// Format keeps the secret out of every other verb.
func (cfg Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, cfg.String()) }

// BaseURL returns the URL paths are appended to.
func (c *Client) BaseURL() string { return c.base.String() }

// ClockOffset returns the correction currently applied to the local clock.
func (c *Client) ClockOffset() time.Duration { return time.Duration(c.offset.Load()) }

func (c *Client) timestamp() int64 {
	return c.now().Add(c.ClockOffset()).Unix()
}

// call is one logical request: it may take several attempts.
type call struct {
	op     string // for errors: "create task flow"
	method string
	path   string
	body   any
}

// attemptError wraps the failure of one attempt with what the retry loop
// needs to know about it.
type attemptError struct {
	err error
	// transient failures are retried.
	transient bool
	// maybeSent is true when the request may have reached the server
	// although no answer was read: the outcome is unknown.
	maybeSent bool
	// retryAfter is the server's hint, if any.
	retryAfter time.Duration
}

// do runs a call with retries and returns the envelope of the successful
// answer. hooks, if set, may end the call after a failed attempt.
func (c *Client) do(ctx context.Context, cl call, hooks *callHooks) (envelope, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return envelope{}, fmt.Errorf("%s: encoding the request: %w", cl.op, err)
		}
	}
	if first := c.refused.Load(); first != nil {
		return envelope{}, &APIError{Operation: cl.op, Code: first.Code, Reason: first.Reason, HTTPStatus: first.HTTPStatus, NotSent: true}
	}
	resignedForClock := false
	for attempt := 0; ; attempt++ {
		env, aerr := c.attempt(ctx, cl, payload, attempt)
		if aerr == nil {
			return env, nil
		}
		var apiErr *APIError
		if errors.As(aerr.err, &apiErr) && (apiErr.Code == CodeAuth || apiErr.Code == CodeIPRestricted) {
			c.refused.CompareAndSwap(nil, apiErr)
		}
		if hooks != nil && hooks.afterFailure != nil {
			if done, err := hooks.afterFailure(ctx, attempt, aerr); done {
				return envelope{}, err
			}
		}
		if IsTimestampExpired(aerr.err) && !resignedForClock {
			// Re-sign once: the first request may have sat in a queue, or
			// the clock may be off (the offset was learnt in attempt).
			resignedForClock = true
			continue
		}
		if !aerr.transient || attempt >= c.maxRetries {
			return envelope{}, aerr.err
		}
		wait, ok := c.retryWait(attempt, aerr.retryAfter, rand.N[int64])
		if !ok {
			return envelope{}, fmt.Errorf("%w; the OTP API asked to wait %s before retrying, longer than the %s this provider waits",
				aerr.err, wait.Round(time.Second), MaxRetryAfter)
		}
		if err := sleep(ctx, wait); err != nil {
			return envelope{}, fmt.Errorf("%s: gave up waiting to retry after: %w (%w)", cl.op, aerr.err, err)
		}
	}
}

// callHooks lets an operation intervene between attempts: afterFailure sees
// every failed attempt and, by returning done, ends the call with err (nil
// meaning the hook found the result itself).
type callHooks struct {
	afterFailure func(ctx context.Context, attempt int, aerr *attemptError) (done bool, err error)
}

func (c *Client) attempt(ctx context.Context, cl call, payload []byte, attempt int) (envelope, *attemptError) {
	u := *c.base
	u.Path += cl.path
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return envelope{}, &attemptError{err: fmt.Errorf("%s: building the request: %w", cl.op, err)}
	}
	ts := c.timestamp()
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Api-Key", c.key)
	req.Header.Set("Timestamp", strconv.FormatInt(ts, 10))
	sign := Sign(c.key, c.secret.Reveal(), ts)
	req.Header.Set("Sign", sign)

	start := time.Now()
	// logAttempt writes the attempt's line; status 0 means no answer.
	logAttempt := func(msg string, status int, err error) {
		if c.log == nil {
			return
		}
		// The signing time is a string: the CLI re-reads every field of a
		// provider's log line as a float and would print 1.79e+09. Not
		// "timestamp", which the CLI adds to every line itself.
		fields := map[string]any{"method": cl.method, "url": u.String(), "attempt": attempt + 1,
			"signed_at_unix": strconv.FormatInt(ts, 10), "duration_ms": time.Since(start).Milliseconds()}
		if status != 0 {
			fields["status"] = status
		}
		if err != nil {
			fields["error"] = err.Error()
		}
		c.log(ctx, msg, fields)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		logAttempt("OTP API request failed", 0, err)
		if ctx.Err() != nil {
			return envelope{}, &attemptError{err: fmt.Errorf("%s: %w", cl.op, ctx.Err()), maybeSent: !isDialError(err)}
		}
		return envelope{}, &attemptError{
			err:       fmt.Errorf("%s: the OTP API could not be reached: %w", cl.op, err),
			transient: true,
			maybeSent: !isDialError(err),
		}
	}
	defer resp.Body.Close()
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if readErr == nil && len(raw) > maxBody {
		// A cut answer would not parse; say why instead, and do not ask
		// for the same oversized answer again.
		logAttempt("OTP API answer is too large", resp.StatusCode, nil)
		return envelope{}, &attemptError{
			err:       &DecodeError{Operation: cl.op, Err: fmt.Errorf("the answer is larger than %d MiB", maxBody>>20)},
			maybeSent: true,
		}
	}
	if readErr != nil {
		logAttempt("OTP API answer could not be read", resp.StatusCode, readErr)
		return envelope{}, &attemptError{
			err:       fmt.Errorf("%s: reading the OTP API's answer: %w", cl.op, readErr),
			transient: true,
			maybeSent: true,
		}
	}
	env, err := decodeEnvelope(cl.op, resp.StatusCode, raw)
	if err == nil {
		logAttempt("OTP API request succeeded", resp.StatusCode, nil)
		return env, nil
	}
	c.scrubError(err, raw, sign)
	logAttempt("OTP API request answered with an error", resp.StatusCode, err)
	aerr := &attemptError{err: err, retryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	var httpErr *HTTPError
	switch {
	case errors.As(err, &httpErr):
		aerr.transient = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		// A gateway error says nothing of whether the API acted.
		aerr.maybeSent = resp.StatusCode >= 500
	case env.Status == CodeSystemException:
		aerr.transient = true
	case env.Status == CodeTimestampExpired:
		c.learnClock(ctx, resp.Header.Get("Date"))
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		aerr.transient = true
		aerr.maybeSent = true
	}
	return envelope{}, aerr
}

// scrubError masks the API key, the secret and the request's signature in
// what an error quotes of the answer (a proxy's page, the reason of an
// envelope): it reaches diagnostics and logs, and a page that echoes the
// request must not carry them along. A page is masked before it is cut to
// a snippet, so that no prefix of a credential survives the cut.
func (c *Client) scrubError(err error, raw []byte, sign string) {
	var httpErr *HTTPError
	var apiErr *APIError
	switch {
	case errors.As(err, &httpErr):
		httpErr.Snippet = snippet([]byte(c.scrub(string(raw), sign)))
	case errors.As(err, &apiErr):
		apiErr.Reason = c.scrub(apiErr.Reason, sign)
	}
}

// scrub masks the credentials and the signature (in either case: the
// vendor calls the hex case-insensitive) in text. Strings too short to be
// credentials (a test's "k") are left alone: masking them would mangle the
// text around them.
func (c *Client) scrub(text, sign string) string {
	for _, s := range []string{c.key, c.secret.Reveal(), sign, strings.ToUpper(sign)} {
		if len(s) >= minScrubbed && strings.Contains(text, s) {
			text = strings.ReplaceAll(text, s, redacted)
		}
	}
	return text
}

// minScrubbed is the shortest string scrub masks; the vendor's keys and
// secrets are 8 characters.
const minScrubbed = 6

// logf writes one line, if anything is logged at all.
func (c *Client) logf(ctx context.Context, msg string, fields map[string]any) {
	if c.log != nil {
		c.log(ctx, msg, fields)
	}
}

// learnClock compares the server's Date header with the local clock and
// keeps the difference when it is larger than the header's resolution and
// any plausible network delay could explain.
func (c *Client) learnClock(ctx context.Context, date string) {
	if date == "" {
		return
	}
	server, err := http.ParseTime(date)
	if err != nil {
		return
	}
	off := server.Sub(c.now())
	if off > -skewThreshold && off < skewThreshold {
		return
	}
	c.offset.Store(int64(off.Round(time.Second)))
	c.logf(ctx, "OTP API clock differs from the local clock; correcting request timestamps",
		map[string]any{"offset_seconds": int64(off.Round(time.Second) / time.Second)})
}

// MaxRetryAfter is the longest wait a server's Retry-After may ask for.
// Beyond it the client gives up at once instead of holding an apply for
// that long: the error says what the server asked for.
const MaxRetryAfter = time.Minute

// retryWait is the one retry rule: retry n (from 0) waits a random time
// between half and all of min(waitMax, waitMin·2^n), so a wait never exceeds
// waitMax; a server's Retry-After is a floor, never cut, so a retry never
// comes before the server allows; a Retry-After above MaxRetryAfter ends
// the retries (ok false). draw(n) returns a number in [0, n).
func (c *Client) retryWait(attempt int, hint time.Duration, draw func(int64) int64) (time.Duration, bool) {
	if hint > MaxRetryAfter {
		return hint, false
	}
	ceiling := c.waitMax
	if attempt < 32 {
		if d := c.waitMin << attempt; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	half := ceiling / 2
	wait := half + time.Duration(draw(int64(ceiling-half)+1))
	return max(wait, hint), true
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// isDialError reports a failure to connect at all: the request was never
// sent, so retrying cannot duplicate anything.
func isDialError(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}
