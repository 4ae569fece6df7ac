package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The OTP service over HTTP: its vendor routes (mounted with the signing,
// counters and faults every vendor route has), the sna URLs a phone
// fetches, the envelope for unknown paths, and its control routes.

// accountConfig is the service's view of an account's configuration: its
// objects in the kinds' collections. The caller holds the server's lock.
type accountConfig struct {
	st  *state
	key string
}

func (c accountConfig) app(id string) (App, bool) { return find(appKind, c.st, c.key, id) }

func (c accountConfig) template(id int64) (Template, bool) {
	return find(templateKind, c.st, c.key, strconv.FormatInt(id, 10))
}

func (c accountConfig) flow(id int64) (Flow, bool) {
	return find(flowKind, c.st, c.key, strconv.FormatInt(id, 10))
}

func find[T any](k *kind[T], st *state, key, id string) (T, bool) {
	var zero T
	i := k.index(st, key, id)
	if i < 0 {
		return zero, false
	}
	return k.coll(st).Accounts[key][i], true
}

// serviceLocked is the account's service, ready for use, and the
// configuration it reads.
func (s *Server) serviceLocked(a *account) (*service, serviceConfig) {
	sv := s.makeServiceLocked(a)
	sv.rebuild()
	return sv, accountConfig{s.state, a.key}
}

// makeServiceLocked makes the account's service on first use, on the
// server's clock, ids, logger and state file.
func (s *Server) makeServiceLocked(a *account) *service {
	if a.svc != nil {
		return a.svc
	}
	key := a.key
	a.svc = newService(serviceHooks{
		ids:    &s.verificationIDs,
		logger: s.opts.Logger.With("key", key),
		save: func(v *verification) error {
			rec, err := verificationRecord(key, v)
			if err != nil {
				return err
			}
			return s.save(rec)
		},
		forget: func(v *verification) error {
			return s.save(record{Op: opDelete, Key: key, Kind: journalVerification, ID: v.ID})
		},
	}, s.opts.Now, s.opts.Retention)
	return a.svc
}

// withService runs f on the account's service, under the lock.
func (s *Server) withService(a *account, f func(*service, serviceConfig) answer) answer {
	var ans answer
	s.inService(a, func(sv *service, cfg serviceConfig) { ans = f(sv, cfg) })
	return ans
}

// inService runs f on the account's service, under the lock.
func (s *Server) inService(a *account, f func(*service, serviceConfig)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.serviceLocked(a))
}

// snaBase is where the phone fetches sna URLs: the host the request was
// sent to.
func snaBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// serviceHandler answers a route of the service for a signed-in account.
type serviceHandler func(s *Server, a *account, r *http.Request, body []byte) answer

// parsed reads a route's body with its parser, answers -22 with the
// parser's reason, and otherwise does the route's work.
func parsed[T any](parse func([]byte) (T, string), do func(s *Server, a *account, r *http.Request, req T) answer) serviceHandler {
	return func(s *Server, a *account, r *http.Request, body []byte) answer {
		req, reason := parse(body)
		if reason != "" {
			return fail(codeParameter, reason)
		}
		return do(s, a, r, req)
	}
}

// serviceHandlers answer the service's vendor routes, by route name.
var serviceHandlers = map[string]serviceHandler{
	RouteSend:     parsed(func(b []byte) (sendRequest, string) { return parseSend(b, false) }, send),
	RouteSendRule: parsed(func(b []byte) (sendRequest, string) { return parseSend(b, true) }, send),
	RouteVerify: parsed(parseVerify, func(s *Server, a *account, _ *http.Request, req verifyRequest) answer {
		return s.withService(a, func(sv *service, cfg serviceConfig) answer { return reply(sv.verify(cfg, req.ID, req.Code)) })
	}),
	RouteResend: parsed(parseResend, func(s *Server, a *account, r *http.Request, req resendRequest) answer {
		return s.withService(a, func(sv *service, cfg serviceConfig) answer {
			return reply(sv.resend(cfg, req.ID, req.Channel, snaBase(r)))
		})
	}),
	RouteRecord: func(s *Server, a *account, r *http.Request, _ []byte) answer {
		id := r.PathValue("verificationId")
		return s.withService(a, func(sv *service, cfg serviceConfig) answer { return ok(sv.record(cfg, id)) })
	},
	RouteOrderRecord: parsed(parseOrderRecord, func(s *Server, a *account, _ *http.Request, req orderRequest) answer {
		return s.withService(a, func(sv *service, cfg serviceConfig) answer { return reply(sv.orderRecord(cfg, req.AppID, req.OrderID)) })
	}),
	RouteBackfill: parsed(parseBackfill, func(s *Server, a *account, _ *http.Request, f backfill) answer {
		return s.acknowledge(a, f.AppID)
	}),
	RouteBackfillRate: parsed(parseBackfillRate, func(s *Server, a *account, _ *http.Request, f backfillRate) answer {
		return s.acknowledge(a, f.AppID)
	}),
}

func send(s *Server, a *account, r *http.Request, req sendRequest) answer {
	req.snaBase = snaBase(r)
	return s.withService(a, func(sv *service, cfg serviceConfig) answer { return reply(sv.send(cfg, req)) })
}

// acknowledge answers a report about an app of the account: checked, not kept.
func (s *Server) acknowledge(a *account, appID string) answer {
	return s.withService(a, func(sv *service, cfg serviceConfig) answer {
		sv.tick(cfg)
		if _, found := cfg.app(appID); !found {
			return fail(codeParameter, fmt.Sprintf("appId %q does not exist in this account", appID))
		}
		return ok(nil)
	})
}

// mountService mounts the service's vendor routes, the sna URLs, and the
// envelope for every other path under the prefix.
func (s *Server) mountService(m router) {
	for _, route := range serviceRoutes {
		method, path, _ := strings.Cut(route, " ")
		pattern := method + " " + s.opts.Prefix + path
		if route == RouteRecord {
			pattern += "/{verificationId}"
		}
		h := serviceHandlers[route]
		m.Handle(pattern, s.vendor(route, opService, func(a *account, r *http.Request, body []byte) answer { return h(s, a, r, body) }))
	}
	m.Handle("GET "+snaPath+"{token}", http.HandlerFunc(s.handleSNA))
	m.Handle(s.opts.Prefix+"/", http.HandlerFunc(s.unknownPath))
}

// handleSNA is a phone fetching an sna URL.
func (s *Server) handleSNA(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	s.mu.Lock()
	var ans verifyAnswer
	var err error
	found := false
	for _, a := range s.accounts {
		if a.svc == nil {
			continue // no verification at all
		}
		if sv, cfg := s.serviceLocked(a); sv.sna[token] != nil {
			ans, found, err = sv.completeSNA(cfg, token)
			break
		}
	}
	s.mu.Unlock()
	status := http.StatusOK
	switch {
	case err != nil:
		controlError(w, http.StatusInternalServerError, err)
		return
	case !found:
		controlError(w, http.StatusNotFound, errors.New("no verification has this sna URL"))
		return
	case ans.Matched == matchedUsed:
		status = http.StatusConflict
	case ans.Matched == matchedExpired:
		status = http.StatusGone
	}
	controlJSON(w, status, map[string]any{"verificationId": ans.VerificationID, "matched": ans.Matched})
}

// unknownPath answers a path under the prefix that no route has in the
// vendor's envelope (HTTP 404, status -22), so that a client that mistypes
// a path reads why; a known path asked with another method gets 405 and
// the methods it takes.
func (s *Server) unknownPath(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, s.opts.Prefix)
	var methods []string
	for _, route := range routeNames() {
		method, p, _ := strings.Cut(route, " ")
		if path == p || len(path) > len(p)+1 && strings.HasPrefix(path, p+"/") && !strings.Contains(path[len(p)+1:], "/") && takesID(route) {
			methods = append(methods, method)
		}
	}
	status, reason := http.StatusNotFound, reasons[codeParameter]+": no route "+r.Method+" "+r.URL.Path
	if len(methods) > 0 {
		slices.Sort(methods)
		methods = slices.Compact(methods)
		status = http.StatusMethodNotAllowed
		reason = fmt.Sprintf("%s: %s takes %s, not %s", reasons[codeParameter], r.URL.Path, strings.Join(methods, " or "), r.Method)
		w.Header().Set("Allow", strings.Join(methods, ", "))
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": codeParameter, "reason": reason})
}

// takesID says whether a route takes an id as its last path segment.
func takesID(route string) bool {
	return route == RouteRecord || strings.HasSuffix(route, "/update") || strings.HasSuffix(route, "/details")
}

// waitMessages lists the selected messages, waiting up to wait for one
// when there is none: it wakes on a new attempt, and when the next flow
// step falls due on the real clock.
func (s *Server) waitMessages(ctx context.Context, a *account, f MessageFilter, wait time.Duration) []Message {
	deadline := time.Now().Add(wait)
	for {
		s.mu.Lock()
		sv, cfg := s.serviceLocked(a)
		msgs := sv.messages(cfg, f)
		next, due := sv.nextWake()
		changed := sv.changed
		s.mu.Unlock()
		left := time.Until(deadline)
		if len(msgs) > 0 || left <= 0 {
			return msgs
		}
		if due && next < left {
			left = next + time.Millisecond
		}
		timer := time.NewTimer(left)
		select {
		case <-changed:
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return msgs
		}
		timer.Stop()
	}
}

// Messages lists an account's messages that f selects, oldest first.
func (s *Server) Messages(key string, f MessageFilter) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key]
	if a == nil {
		return []Message{}
	}
	sv, cfg := s.serviceLocked(a)
	return sv.messages(cfg, f)
}

// AdvanceClock moves an account's service clock forward by d and runs the
// flow steps that fall due; it returns how many ran.
func (s *Server) AdvanceClock(key string, d time.Duration) (int, error) {
	if d < 0 {
		return 0, errors.New("sandbox: the clock only moves forward")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.accountLocked(key)
	if err != nil {
		return 0, err
	}
	sv, cfg := s.serviceLocked(a)
	return sv.advance(cfg, d), nil
}

// maxWaitSeconds bounds a wait on the messages.
const maxWaitSeconds = 300

// maxAdvanceSeconds bounds one advance of the clock: ten years.
const maxAdvanceSeconds = 10 * 366 * 86400

// filterParams are the messages routes' selection parameters.
var filterParams = []Field{
	{Name: "?to=", Values: "only the messages to this number"},
	{Name: "?verificationId=", Values: "only the messages of this verification"},
	{Name: "?channel=", Values: `only "sms", "call" or "sna" messages`},
	{Name: "?step=", Values: "only the messages of this step: 0 for sends and resends, n for the nth node of a task flow"},
}

func messageFilter(r *http.Request) (MessageFilter, error) {
	q := r.URL.Query()
	f := MessageFilter{To: q.Get("to"), VerificationID: q.Get("verificationId"), Channel: q.Get("channel")}
	if f.Channel != "" && !slices.Contains(channels, f.Channel) {
		return f, fmt.Errorf(`channel must be "sms", "call" or "sna" (got %q)`, f.Channel)
	}
	if v := q.Get("step"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, fmt.Errorf("step must be 0 or a positive integer (got %q)", v)
		}
		f.Step = &n
	}
	return f, nil
}

// clockAnswer is what the clock routes answer.
type clockAnswer struct {
	Now           string `json:"now"`
	OffsetSeconds int64  `json:"offsetSeconds"`
	StepsRun      *int   `json:"stepsRun,omitempty"`
}

// advance is the body of POST /_sandbox/clock.
type advance struct {
	AdvanceSeconds *int64 `json:"advanceSeconds"`
}

// numberAnswer is a number's outcome and where it comes from.
type numberAnswer struct {
	To string `json:"to"`
	NumberOutcome
	// Source is "override", "range 9991…" or "default".
	Source string `json:"source"`
}

// serviceControlTable is the service's control routes; controlTable
// appends them to the one table.
func serviceControlTable() []controlRoute {
	toParam := Field{Name: "{to}", Values: "a phone number: " + phoneRule}
	outcomeFields := []Field{
		{Name: "sms", Values: `"delivered" (the default) or "failed": what happens to SMS to the number`},
		{Name: "call", Values: `"answered" (the default) or "failed" (not answered): what happens to calls to the number`},
		{Name: "delaySeconds", Values: fmt.Sprintf("integer, 0 to %d: how long each attempt is \"sending\" before that, on the sandbox's clock; default 0", maxDelaySeconds)},
	}
	return []controlRoute{
		{ControlRoute{
			Method: "GET", Path: "/_sandbox/messages",
			Does: "Lists what the account's sends, resends and flow steps sent (one message per attempt), oldest first, for tests to " +
				"read the codes. Each message: verificationId, to, channel (sms, call or sna), text (as delivered: the template's text " +
				"with the code), code, step (0 for a send or resend, n for the nth node of the task flow), at (the sandbox's clock, " +
				"RFC 3339 in UTC), outcome (delivered, answered, failed, sending, or sent for sna), via (send, sendRule, resend, flow), " +
				"appId, templateId, flowId, orderId (null when none), sender, voice (calls: language, speechRate, repeatCnt, " +
				"maxDuration; else null) and snaUrl (sna only; else null). Flow steps that fell due run first.",
			Params: append(slices.Clone(filterParams),
				Field{Name: "?wait=", Values: fmt.Sprintf("seconds, 0 to %d: when nothing matches yet, hold the request until a matching message exists "+
					"(a new send, or a flow step falling due on the clock) or the time is up, then answer what there is", maxWaitSeconds)}),
			Answer: "200 and a JSON array of messages ([] when none)",
			Errors: "400 for a bad parameter",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			f, err := messageFilter(r)
			if err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			var wait time.Duration
			if v := r.URL.Query().Get("wait"); v != "" {
				secs, err := strconv.ParseFloat(v, 64)
				if err != nil || secs < 0 || secs > maxWaitSeconds {
					controlError(w, http.StatusBadRequest, fmt.Errorf("wait must be a number of seconds from 0 to %d (got %q)", maxWaitSeconds, v))
					return
				}
				wait = time.Duration(secs * float64(time.Second))
			}
			controlJSON(w, http.StatusOK, s.waitMessages(r.Context(), a, f, wait))
		}},
		{ControlRoute{
			Method: "DELETE", Path: "/_sandbox/messages",
			Does: "Takes the messages the parameters select (all the account's without any) out of the list. The verifications " +
				"stay: their codes still check, and their records still show every attempt.",
			Params: filterParams,
			Answer: `200 and {"deleted": <messages>}`,
			Errors: "400 for a bad parameter",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			f, err := messageFilter(r)
			if err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			var n int
			s.inService(a, func(sv *service, cfg serviceConfig) { n = sv.clearMessages(cfg, f) })
			controlJSON(w, http.StatusOK, map[string]int{"deleted": n})
		}},
		{ControlRoute{
			Method: "GET", Path: "/_sandbox/clock",
			Does:   "The account's service clock: real time plus the offset the advances added.",
			Answer: `200 and {"now": "<RFC 3339, UTC>", "offsetSeconds": <seconds>}`,
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			var ans clockAnswer
			s.inService(a, func(sv *service, cfg serviceConfig) {
				ans = clockAnswer{Now: controlTime(sv.tick(cfg)), OffsetSeconds: int64(sv.clock.offset / time.Second)}
			})
			controlJSON(w, http.StatusOK, ans)
		}},
		{ControlRoute{
			Method: "POST", Path: "/_sandbox/clock",
			Does: "Moves the account's service clock forward: code expiries, send-limit windows and task-flow steps follow it. " +
				"Every flow step that falls due by the new time runs, each at its own due time, in due-time order, before the answer. " +
				"Signatures keep to real time: moving this clock never makes one stale.",
			Body:   "a JSON object",
			Fields: []Field{{Name: "advanceSeconds", Values: fmt.Sprintf("integer, 0 to %d: seconds to move the clock forward; required", maxAdvanceSeconds)}},
			Answer: `200 and {"now": "<RFC 3339, UTC>", "offsetSeconds": <seconds>, "stepsRun": <flow steps run>}`,
			Errors: "400 for invalid JSON, a negative or missing advanceSeconds",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			body, ok := controlBody(w, r, func(b *advance) error {
				if b.AdvanceSeconds == nil || *b.AdvanceSeconds < 0 || *b.AdvanceSeconds > maxAdvanceSeconds {
					return fmt.Errorf("advanceSeconds must be an integer from 0 to %d: the clock only moves forward", maxAdvanceSeconds)
				}
				return nil
			})
			if !ok {
				return
			}
			var ans clockAnswer
			s.inService(a, func(sv *service, cfg serviceConfig) {
				ran := sv.advance(cfg, time.Duration(*body.AdvanceSeconds)*time.Second)
				ans = clockAnswer{Now: controlTime(sv.clock.now()), OffsetSeconds: int64(sv.clock.offset / time.Second), StepsRun: &ran}
			})
			controlJSON(w, http.StatusOK, ans)
		}},
		{ControlRoute{
			Method: "GET", Path: "/_sandbox/numbers",
			Does:   "The numbers of the account whose outcome was set with PUT, and their outcomes. " + numberRangesDoc(),
			Answer: `200 and {"<to>": {"sms": …, "call": …, "delaySeconds": …}}`,
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			var list map[string]NumberOutcome
			s.inService(a, func(sv *service, _ serviceConfig) { list = sv.network.list() })
			controlJSON(w, http.StatusOK, list)
		}},
		{ControlRoute{
			Method: "PUT", Path: "/_sandbox/numbers/{to}",
			Does:   "Sets what happens to the account's next SMS and calls to one number, over the outcome of its range.",
			Params: []Field{toParam},
			Body:   "a JSON object; a field left out takes its default",
			Fields: outcomeFields,
			Answer: `200 and {"to": …, "sms": …, "call": …, "delaySeconds": …, "source": "override"}`,
			Errors: "400 for a number that is not one, invalid JSON, an unknown field or value",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			to, ok := controlNumber(w, r)
			if !ok {
				return
			}
			o, ok := controlBody(w, r, checkOutcome)
			if !ok {
				return
			}
			s.inService(a, func(sv *service, _ serviceConfig) { sv.network.set(to, o) })
			controlJSON(w, http.StatusOK, numberAnswer{To: to, NumberOutcome: o, Source: "override"})
		}},
		{ControlRoute{
			Method: "GET", Path: "/_sandbox/numbers/{to}",
			Does:   "What happens to the account's SMS and calls to one number, and why: an override set with PUT, its range, or the default.",
			Params: []Field{toParam},
			Answer: `200 and {"to": …, "sms": …, "call": …, "delaySeconds": …, "source": "override" | "range 9991…" | "default"}`,
			Errors: "400 for a number that is not one",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			to, ok := controlNumber(w, r)
			if !ok {
				return
			}
			var o NumberOutcome
			var source string
			s.inService(a, func(sv *service, _ serviceConfig) { o, source = sv.network.outcome(to) })
			controlJSON(w, http.StatusOK, numberAnswer{To: to, NumberOutcome: o, Source: source})
		}},
		{ControlRoute{
			Method: "DELETE", Path: "/_sandbox/numbers/{to}",
			Does:   "Gives a number back the outcome of its range (or the default).",
			Params: []Field{toParam},
			Answer: "204",
			Errors: "400 for a number that is not one",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			to, ok := controlNumber(w, r)
			if !ok {
				return
			}
			s.inService(a, func(sv *service, _ serviceConfig) { sv.network.clear(to) })
			w.WriteHeader(http.StatusNoContent)
		}},
		{ControlRoute{
			Method: "GET", Path: "/_sandbox/settings",
			Does:   "The account's settings of what the vendor decides about money and content.",
			Answer: "200 and the settings, in the fields PUT takes",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			var set ServiceSettings
			s.inService(a, func(sv *service, _ serviceConfig) {
				set = sv.settings
				set.SensitiveWords = slices.Clone(set.SensitiveWords)
			})
			if set.SensitiveWords == nil {
				set.SensitiveWords = []string{}
			}
			controlJSON(w, http.StatusOK, set)
		}},
		{ControlRoute{
			Method: "PUT", Path: "/_sandbox/settings",
			Does: "Replaces the account's settings. A field left out is false or empty: {} is a funded account with no word refused. " +
				"They apply to sends, sendRules, resends and flow steps.",
			Body: "a JSON object",
			Fields: []Field{
				{Name: "insufficientBalance", Values: "true or false: every send answers -10 (balance insufficient)"},
				{Name: "feeFailure", Values: "true or false: every send answers -26 (getting fee fail)"},
				{Name: "sensitiveWords", Values: fmt.Sprintf("array of up to %d strings of 1 to %d characters: a send whose text contains one, "+
					"in any case, answers -29 (sensitive words)", maxSensitiveWords, maxSensitiveWordChars)},
			},
			Answer: "200 and the settings as set",
			Errors: "400 for invalid JSON, an unknown field, a word too long or empty, too many words",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			set, ok := controlBody(w, r, checkSettings)
			if !ok {
				return
			}
			if set.SensitiveWords == nil {
				set.SensitiveWords = []string{}
			}
			s.inService(a, func(sv *service, _ serviceConfig) { sv.settings = set })
			controlJSON(w, http.StatusOK, set)
		}},
	}
}

const (
	maxSensitiveWords     = 1000
	maxSensitiveWordChars = 64
)

func checkSettings(set *ServiceSettings) error {
	if len(set.SensitiveWords) > maxSensitiveWords {
		return fmt.Errorf("sensitiveWords may hold at most %d words (got %d)", maxSensitiveWords, len(set.SensitiveWords))
	}
	for _, w := range set.SensitiveWords {
		if n := len([]rune(w)); n < 1 || n > maxSensitiveWordChars {
			return fmt.Errorf("each of sensitiveWords must be 1 to %d characters (got %q)", maxSensitiveWordChars, w)
		}
	}
	return nil
}

// controlNumber reads the {to} of a numbers route, or answers 400.
func controlNumber(w http.ResponseWriter, r *http.Request) (string, bool) {
	to := r.PathValue("to")
	if !isPhoneNumber(to) {
		controlError(w, http.StatusBadRequest, fmt.Errorf("the number must be %s (got %q)", phoneRule, to))
		return "", false
	}
	return to, true
}
