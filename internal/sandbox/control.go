package sandbox

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
)

// The control surface under /_sandbox/: what every control route does
// around its own work (authenticate, find the account the request is
// about, read the body strictly, answer JSON), and the routes about an
// account as a whole (reset, request counters).

// ControlConventions is what every control route has in common, for the
// same readers as ControlRoutes.
const ControlConventions = `Every route but GET ` + HealthPath + ` and GET ` + OpenAPIPath + ` (which need no authentication) ` +
	`is about one account (but GET /_sandbox/accounts, about every account the credentials reach), and is authenticated in one of two ways. ` +
	`With the header "Authorization: Bearer <control token>", it reaches any account, named by the query parameter ?key=<API key> ` +
	`(401 without the token, 403 when the sandbox was started without one). ` +
	`Signed like the vendor API (the Api-Key, Timestamp and Sign headers of the account's key and secret), it reaches that account ` +
	`and no other, so that a job needs no control token to read its own codes (401 for a bad signature, 403 for a ?key= of another account). ` +
	`With the token, ?key= may be left out when the sandbox has one account, no open accounts, and no other account in its state file ` +
	`(it is refused, naming them, when the file holds others); with open accounts, a new key opens an empty account ` +
	`(so that a job can set its faults before its first request), up to -max-accounts (503 past that). ` +
	`400 for an unknown key, or for none where one is required. ` +
	`Every route that needs the token takes only the query parameters it lists and ?key=: ` +
	`any other is refused with 400, naming it and those the route takes, before the route does anything, ` +
	`so that a misspelt filter never selects (or deletes) everything. ` +
	`Bodies are JSON of at most 1 MiB (413 past that), decoded strictly: an unknown field, or anything after the JSON value, is an error. ` +
	`A failure answers {"error": "<why>"}, and so does a path no route has (404, or 405 for a method the path does not take); ` +
	`500 means the state file could not be written, and nothing was changed.`

// call is a control request, with the account it is about.
type call struct {
	a *account
	w http.ResponseWriter
	r *http.Request
	// keyless says the request, with the control token, named no account:
	// it is about the sole account of the sandbox (a is nil instead on a
	// route about every account: Route.AllAccounts).
	keyless bool
	// fresh says a is a new account not yet in the map, on a route that
	// opens it last (route.opensLast).
	fresh bool
}

// in runs f under the account's lock; false, having answered 503, when the
// account was forgotten meanwhile.
func (c call) in(f func(a *account)) bool {
	if !c.a.lock() {
		controlError(c.w, http.StatusServiceUnavailable, errForgotten)
		return false
	}
	defer c.a.mu.Unlock()
	f(c.a)
	return true
}

// serve answers a control request with what f makes of the account,
// under its lock: status and f's value as JSON, or f's failure (500 when
// the state file could not be written, and nothing changed).
func serve[T any](c call, status int, f func(a *account) (T, error)) {
	var v T
	var err error
	if !c.in(func(a *account) { v, err = f(a) }) {
		return
	}
	if err != nil {
		controlError(c.w, consoleStatus(err), err)
		return
	}
	controlJSON(c.w, status, v)
}

// control guards a control route: the control token or the account's
// signature, then the account the request is about.
func (s *Server) control(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := call{w: w, r: r}
		named := r.URL.Query().Get("key")
		var err error
		if r.Header.Get("Authorization") == "" && r.Header.Get("Api-Key") != "" {
			if c.a, c.fresh, err = s.signedAccount(r, rt.opensLast); err != nil {
				controlError(w, controlStatus(err), err)
				return
			}
			if named != "" && named != c.a.key {
				controlError(w, http.StatusForbidden, fmt.Errorf("a request signed by API key %q reaches that account only, not %q: "+
					"leave ?key= out, or use the control token", c.a.key, named))
				return
			}
		} else {
			if !s.tokenOK(w, r) {
				return
			}
			switch {
			case named != "" && rt.opensLast:
				c.a, c.fresh, err = s.findOrMake(named)
			case named != "":
				c.a, err = s.account(named)
			case rt.AllAccounts: // c.a stays nil: every account
			default:
				c.a, err = s.soleAccount()
				c.keyless = true
			}
			if err != nil {
				controlError(w, controlStatus(err), err)
				return
			}
		}
		rt.control(s, c)
	})
}

// tokenOK checks the control token, and answers when it is not right.
func (s *Server) tokenOK(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.ControlToken == "" {
		controlError(w, http.StatusForbidden, errors.New("the control token is disabled: start the sandbox with one (Options.ControlToken; "+
			"otp-sandbox -control-token or $OTP_SANDBOX_CONTROL_TOKEN), or sign the request with the account's API key and secret"))
		return false
	}
	if header := r.Header.Get("Authorization"); !tokenMatches(header, s.opts.ControlToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="otp-sandbox control"`)
		controlError(w, http.StatusUnauthorized, wrongToken(header))
		return false
	}
	return true
}

// wrongToken says why a request's Authorization header was refused: a
// person who sent a token wants to hear that the token is wrong, not that
// the header is missing. Neither the header nor the token is echoed.
func wrongToken(header string) error {
	const otherwise = `or the account's signature (Api-Key, Timestamp and Sign, as on the vendor API)`
	scheme, token, _ := strings.Cut(strings.TrimSpace(header), " ")
	switch {
	case header == "":
		return errors.New(`the control surface requires the header "Authorization: Bearer <control token>", ` + otherwise)
	case strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != "":
		return errors.New(`the control token does not match: the header "Authorization: Bearer …" carries a token that is not ` +
			`this sandbox's (the one it printed at start, or was given with -control-token or $OTP_SANDBOX_CONTROL_TOKEN; ` +
			`-token-file writes it to a file); use that token, ` + otherwise)
	default:
		return errors.New(`the Authorization header is not of the form "Authorization: Bearer <control token>"; ` +
			`send the control token that way, ` + otherwise)
	}
}

// signedAccount is the account whose signature a control request carries;
// with opensLast, a new key's account is fresh, not yet opened.
func (s *Server) signedAccount(r *http.Request, opensLast bool) (a *account, fresh bool, err error) {
	key := r.Header.Get("Api-Key")
	a = s.lookup(key)
	if a == nil && s.opts.OpenAccounts && signatureMatches(key, s.opts.SharedSecret, r.Header.Get("Timestamp"), r.Header.Get("Sign")) {
		if opensLast {
			a, fresh, err = s.findOrMake(key)
		} else {
			a, err = s.account(key)
		}
		if err != nil {
			return nil, false, err
		}
	}
	if a != nil {
		a.touch()
	}
	if ans := s.authenticate(a, r); ans.code != "" {
		return nil, false, errBadSignature{ans.reason}
	}
	return a, fresh, nil
}

// errBadSignature is a signed control request whose signature is not the
// account's.
type errBadSignature struct{ reason string }

func (e errBadSignature) Error() string { return "the request's signature is refused: " + e.reason }

// controlStatus is the HTTP status of a failure to find the account.
func controlStatus(err error) int {
	switch {
	case errors.As(err, &errFull{}), errors.Is(err, errForgotten):
		return http.StatusServiceUnavailable
	case errors.As(err, &errBadSignature{}):
		return http.StatusUnauthorized
	default:
		return http.StatusBadRequest
	}
}

// tokenMatches compares in constant time; hashing first hides the lengths too.
func tokenMatches(header, token string) bool {
	const scheme = "Bearer "
	if len(header) < len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return false
	}
	got, want := sha256.Sum256([]byte(header[len(scheme):])), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// accountRoutes are the control routes about an account as a whole.
func accountRoutes() []route {
	return []route{
		{Route: Route{
			Method: "POST", Path: "/_sandbox/reset", Auth: AuthControl,
			Does: "Forgets the account's objects, request counters and faults, and its OTP service's verifications, messages, " +
				"number outcomes and settings (its clock goes back to real time), and saves that (to the state file, if there is one); " +
				"other accounts keep everything. Ids keep counting: they are unique across the sandbox. " +
				"With the control token and without ?key=, on a sandbox of one account (see above), forgets everything and empties the " +
				"state file: ids start over, as in a new sandbox.",
			Replies: []Reply{replies(http.StatusNoContent, "", nil)},
		}, control: func(s *Server, c call) {
			var err error
			if c.keyless {
				err = s.Reset()
			} else if !c.in(func(a *account) { err = s.resetAccount(a) }) {
				return
			}
			if err != nil {
				controlError(c.w, http.StatusInternalServerError, err)
				return
			}
			c.w.WriteHeader(http.StatusNoContent)
		}},
		{Route: Route{
			Method: "GET", Path: "/_sandbox/requests", Auth: AuthControl,
			Does: "The requests each vendor route has received from the account since the start or the last reset of the counters, " +
				"refused and faulted ones included; and the faults injected since the faults were last set, by fault (" +
				strings.Join(faultKinds, ", ") + ").",
			Replies: []Reply{replies(http.StatusOK,
				`{"counts": {"<route>": <requests>}, "total": <requests>, "faultsInjected": {"<fault>": <injections>}}`, requestsAnswer{})},
		}, control: func(s *Server, c call) {
			serve(c, http.StatusOK, func(a *account) (requestsAnswer, error) {
				return requestsAnswer{Counts: maps.Clone(a.counts), Total: total(a.counts), FaultsInjected: maps.Clone(a.faults.injected)}, nil
			})
		}},
		{Route: Route{
			Method: "DELETE", Path: "/_sandbox/requests", Auth: AuthControl,
			Does:    "Zeroes the account's request counters (not the faults injected).",
			Replies: []Reply{replies(http.StatusNoContent, "", nil)},
		}, control: func(s *Server, c call) {
			if c.in((*account).resetCounts) {
				c.w.WriteHeader(http.StatusNoContent)
			}
		}},
	}
}

// requestsAnswer is what GET /_sandbox/requests answers.
type requestsAnswer struct {
	Counts         map[string]int `json:"counts"`
	Total          int            `json:"total"`
	FaultsInjected map[string]int `json:"faultsInjected"`
}

// controlBody reads a control route's body strictly into a T and checks
// it (check may be nil); on failure it answers 400 (413 for a body over
// the limit) and says so.
func controlBody[T any](w http.ResponseWriter, r *http.Request, check func(*T) error) (T, bool) {
	var v T
	err := decodeStrict(w, r, &v)
	if err == nil && check != nil {
		err = check(&v)
	}
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		controlError(w, status, err)
		return v, false
	}
	return v, true
}

// decodeStrict reads a body of at most maxBody bytes as exactly one JSON
// value: an unknown field, or anything but white space after the value, is
// an error.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	return decodeStrictBytes(b, v)
}

func decodeStrictBytes(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid JSON body: something follows the JSON value at offset %d", dec.InputOffset())
	}
	return nil
}

func controlJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "<token>" reads better than "\u003ctoken\u003e" in a terminal
	_ = enc.Encode(v)
}

func controlError(w http.ResponseWriter, status int, err error) {
	controlJSON(w, status, map[string]string{"error": err.Error()})
}
