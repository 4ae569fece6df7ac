package sandbox

import (
	"crypto/md5" //nolint:gosec // the vendor's signature scheme, not our choice
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// What every vendor route does around its own work: count the request,
// apply the account's faults, read the body, check the signature, answer
// HTTP 200 with the vendor's envelope, log one line.

// The vendor's status codes the sandbox answers with (the engine holds the
// whole table).
const (
	codeSuccess   = engine.CodeSuccess
	codeAuth      = engine.CodeAuth
	codeExpired   = engine.CodeExpired
	codeSystem    = engine.CodeSystem
	codeExisting  = engine.CodeExisting
	codeParameter = engine.CodeParameter
	codeCaps      = engine.CodeCaps
	codeNotFound  = engine.CodeNotFound
)

func reasonOf(code string) string { return engine.Reason(code) }

// DefaultWindow is how far a request's timestamp may be from the sandbox's
// clock. The vendor does not document its tolerance.
const DefaultWindow = 300 * time.Second

// maxBody is the largest request body the sandbox reads: a vendor body
// over it answers -22, a control body 413, saying so. Every body the API
// documents is a few hundred bytes.
const maxBody = 1 << 20

// maxDrain is how much of a body over maxBody the sandbox reads and throws
// away before it answers, so that the client, still sending, reads the
// answer rather than a reset connection.
const maxDrain = 64 << 20

// errTooLarge says a body was over maxBody.
var errTooLarge = fmt.Errorf("the request body is larger than the sandbox's limit of 1 MiB (%d bytes)", maxBody)

// readBody reads a request body of at most maxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBody {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxDrain))
		w.Header().Set("Connection", "close")
		return nil, errTooLarge
	}
	return b, nil
}

// answer is what a vendor handler produces.
type answer struct {
	code   string
	reason string // defaults to the table's reason
	data   any
}

func fail(code, detail string) answer {
	reason := reasonOf(code)
	if detail != "" {
		reason += ": " + detail
	}
	return answer{code: code, reason: reason}
}

func ok(data any) answer { return answer{code: codeSuccess, reason: reasonOf(codeSuccess), data: data} }

// refusal is a business error of the configuration routes: the API
// answers it with its code, the Go methods return it as an error. The
// engine's are *engine.Refusal.
type refusal struct{ code, detail string }

func (r *refusal) Error() string { return "sandbox: " + r.detail }

func refuse(code, format string, a ...any) *refusal {
	return &refusal{code: code, detail: fmt.Sprintf(format, a...)}
}

// reply turns what a handler did into the vendor's answer: a refusal with
// its code, anything else (the state file could not be written, the
// account was forgotten meanwhile) -18, which a client retries.
func reply[T any](v T, err error) answer {
	var r *refusal
	var er *engine.Refusal
	switch {
	case err == nil:
		return ok(v)
	case errors.As(err, &r):
		return fail(r.code, r.detail)
	case errors.As(err, &er):
		return fail(er.Code, er.Detail)
	case errors.Is(err, errForgotten):
		return fail(codeSystem, errForgotten.Error())
	default:
		return fail(codeSystem, "") // the state file could not be written; already logged
	}
}

// vendor wraps a signed route with what every vendor path does. The
// counters and faults are those of the account the Api-Key header names,
// before the signature is checked: a refused request is counted, and can
// be faulted, like any other.
func (s *Server) vendor(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		key := r.Header.Get("Api-Key")
		a, openErr := s.requestAccount(r)
		var faults Faults
		if a != nil && a.lock() {
			a.counts[rt.Name]++
			a.agents[r.UserAgent()] = true
			faults = a.faults.current()
			a.mu.Unlock()
		}
		if !faults.wait(r, s.stop) {
			return
		}
		// The account's signing clock, read without its lock: the skew is
		// the faults'.
		w.Header().Set("Date", s.opts.Now().Add(faults.skew()).UTC().Format(http.TimeFormat))
		logLine := func(httpStatus int, code string) {
			s.opts.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "key", key,
				"http", httpStatus, "status", code, "ms", time.Since(start).Milliseconds())
		}
		targeted := faults.targets(rt.Name)
		if targeted && a.inject(FaultBadGateway, faults.BadGatewayRate) {
			writeBadGateway(w)
			logLine(http.StatusBadGateway, "")
			return
		}
		body, err := readBody(w, r)
		var ans answer
		switch {
		case errors.Is(err, errTooLarge):
			ans = fail(codeParameter, err.Error())
		case err != nil:
			ans = fail(codeParameter, "the request body could not be read")
		case openErr != nil:
			ans = fail(codeCaps, openErr.Error())
		default:
			ans = s.authenticate(a, r)
		}
		if ans.code == "" && targeted && a.inject(FaultSystemError, faults.SystemErrorRate) {
			ans = fail(codeSystem, "")
		}
		if ans.code == "" {
			ans = rt.vendor(s, a, r, body)
		}
		if ans.code == codeSuccess && a.dropped(rt.op, faults) {
			logLine(0, "dropped")
			// The change is stored; the client never hears so.
			panic(http.ErrAbortHandler)
		}
		writeEnvelope(w, ans)
		logLine(http.StatusOK, ans.code)
	})
}

// requestAccount is the account a vendor request is counted, faulted and
// signed in as: the one its Api-Key names; in open mode, a new one for a
// new key whose signature is the shared secret's (an error when the
// sandbox holds its most accounts); on a one-account sandbox, that account
// whatever the key, so that every request is counted. nil when the key
// names none.
func (s *Server) requestAccount(r *http.Request) (*account, error) {
	key := r.Header.Get("Api-Key")
	if a := s.lookup(key); a != nil {
		a.touch()
		return a, nil
	}
	if s.opts.OpenAccounts && key != "" && signatureMatches(key, s.opts.SharedSecret, r.Header.Get("Timestamp"), r.Header.Get("Sign")) {
		a, err := s.account(key)
		if errors.As(err, &errFull{}) {
			return nil, err
		}
		return a, nil
	}
	if sole, err := s.soleAccount(); err == nil {
		return sole, nil
	}
	return nil, nil
}

func writeEnvelope(w http.ResponseWriter, a answer) {
	env := map[string]any{"status": a.code, "reason": a.reason}
	if a.code == codeSuccess {
		env["data"] = a.data
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(env)
}

// authenticate checks the headers as the vendor documents them, for the
// request's account (nil when its key names none). An empty answer means
// the request may proceed.
func (s *Server) authenticate(a *account, r *http.Request) answer {
	key, ts, sign := r.Header.Get("Api-Key"), r.Header.Get("Timestamp"), r.Header.Get("Sign")
	if key == "" || ts == "" || sign == "" {
		return fail(codeAuth, "the Api-Key, Timestamp and Sign headers are required")
	}
	var secret string
	var now time.Time
	if a != nil && a.key == key && a.lock() {
		secret, now = a.secret, a.clock.Signing()
		a.mu.Unlock()
	}
	if secret == "" {
		return fail(codeAuth, "unknown Api-Key")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fail(codeAuth, "Timestamp must be Unix time in seconds")
	}
	if !signatureMatches(key, secret, ts, sign) {
		return fail(codeAuth, "the signature does not match")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > s.opts.Window || d < -s.opts.Window {
		return fail(codeExpired, staleReason(sec, now, s.opts.Window))
	}
	return answer{}
}

// staleReason says why a timestamp is outside the window. A timestamp in
// milliseconds (or micro-, nanoseconds) is the likeliest mistake, and the
// vendor's -16 alone reads as a clock off by a few minutes, so it is named.
// The code stays -16, the vendor's for a timestamp it does not take: a
// client's handling of -16 is what a test of it should meet.
func staleReason(sec int64, now time.Time, window time.Duration) string {
	for _, u := range []struct {
		per  int64
		name string
	}{{1_000, "milliseconds"}, {1_000_000, "microseconds"}, {1_000_000_000, "nanoseconds"}} {
		if d := now.Sub(time.Unix(sec/u.per, 0)); sec > 1e11 && d <= window+time.Second && d >= -window-time.Second {
			return fmt.Sprintf("Timestamp must be in seconds since 1970, got %d, which looks like %s: send %d", sec, u.name, sec/u.per)
		}
	}
	return fmt.Sprintf("Timestamp %d is %s from the sandbox's clock (%d), more than its window of %s: check the clock, "+
		"and send Unix time in seconds", sec, now.Sub(time.Unix(sec, 0)).Round(time.Second).Abs(), now.Unix(), window)
}

func signatureMatches(key, secret, ts, sign string) bool {
	sum := md5.Sum([]byte(key + secret + ts)) //nolint:gosec // vendor scheme
	return strings.EqualFold(sign, hex.EncodeToString(sum[:]))
}
