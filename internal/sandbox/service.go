package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// The OTP service over HTTP: its vendor routes (mounted with the signing,
// counters and faults every vendor route has), the sna URLs a phone
// fetches, and its control routes (messages, clock, numbers, settings).
// The service itself is the engine package; these read requests into its
// calls and its answers into the vendor's envelope.

// The service's types, as the sandbox's Go API gives them.
type (
	// Message is one attempt: what the phone received (or did not).
	Message = engine.Message
	// MessageFilter selects messages; empty fields select everything.
	MessageFilter = engine.MessageFilter
	// MessageVoice is the template's voice settings a call used.
	MessageVoice = engine.Voice
	// NumberOutcome is what the phone network does with the attempts to
	// one number.
	NumberOutcome = engine.NumberOutcome
	// ServiceSettings are an account's settings of what the vendor decides
	// about money and content.
	ServiceSettings = engine.Settings
)

// DefaultRetention is how many attempts (messages) an account keeps by
// default; older verifications are forgotten whole to stay under it.
const DefaultRetention = engine.DefaultRetention

// inService answers f's result, run on the account's service under its
// lock.
func inService[T any](a *account, f func(sv *engine.Service, cfg engine.Config) (T, error)) answer {
	return inAccount(a, func() (T, error) { return f(a.svc, a.config()) })
}

// serviceRoutes are the OTP service's vendor routes, in the order they are
// mounted.
func serviceRoutes() []route {
	appID := field("appId", TypeString).chars(appIDMin, appIDMax).means("an app of the account").required()
	verificationID := field("verificationId", TypeString).chars(1, verificationIDMaxChars).means("the id a send answered").required()
	channel := choice("channel", TypeString, Choice{engine.ChannelSMS, ""}, Choice{engine.ChannelCall, ""}, Choice{engine.ChannelSNA, ""}).
		def(engine.ChannelSMS)
	to := field("to", TypeString).pattern(phonePattern).means(engine.PhoneRule).required()
	sendFields := []Field{
		appID,
		field("templateId", TypeInteger).atLeast(1).means("a template of that app").required(),
		field("flowId", TypeInteger).atLeast(1).means("a task flow of the account, whose steps run when their triggers hold"),
		to,
		channel,
		field("orderId", TypeString).chars(0, orderIDMax).means("unique in the account: the order the verification belongs to"),
	}
	sent := answers(`{"verificationId", "to", "channel", "snaUrl" (sna only, else null)}`, engine.SendAnswer{})
	sendErrors := []Reply{
		refuses(codeParameter, "for a broken rule or a reference the account does not have"),
		refuses(codeExisting, "for an orderId in use"),
		refuses(engine.CodeSensitive, "for a sensitive word of the settings in the text"),
		refuses(engine.CodeTotalLimit, "for the app's periodTotalSendLimit"),
		refuses(engine.CodePhoneLimit, "for the app's periodPhoneSendLimit"),
		refuses(engine.CodeFee, "when the settings say feeFailure"),
		refuses(engine.CodeBalance, "when the settings say insufficientBalance"),
	}
	rule := slices.Clone(sendFields)
	rule[1] = field("templateId", TypeInteger).atLeast(1).means("a template of that app, whose text and voice carry the code; without it, " +
		`"` + engine.DefaultText + `"`)
	rule = append(rule, field("code", TypeString).chars(ruleCodeMin, codeMax).pattern(codePattern).means("the code to send: letters or digits").required())
	noData := answers("data null", nil)
	reportErrors := []Reply{refuses(codeParameter, "for a broken rule or an appId the account does not have")}
	routes := []route{
		{Route: Route{
			Method: "POST", Path: "/verification/send", Name: RouteSend,
			Does: "Sends a code made as the template says, to the number, by the channel.",
			Body: "a JSON object", Fields: sendFields, Replies: append([]Reply{sent}, sendErrors...),
		}, vendor: parsed(func(b []byte) (engine.SendRequest, string) { return parseSend(b, false) }, send)},
		{Route: Route{
			Method: "POST", Path: "/verification/sendRule", Name: RouteSendRule,
			Does: "Sends the caller's code (a \"routine OTP\").",
			Body: "a JSON object", Fields: rule, Replies: append([]Reply{sent}, sendErrors...),
		}, vendor: parsed(func(b []byte) (engine.SendRequest, string) { return parseSend(b, true) }, send)},
		{Route: Route{
			Method: "POST", Path: "/verification/verify", Name: RouteVerify,
			Does: "Checks a code.",
			Body: "a JSON object",
			Fields: []Field{verificationID,
				field("code", TypeString).chars(verifyCodeMin, codeMax).means("the code the user typed; letters in any case").required()},
			Replies: []Reply{
				answers(`{"verificationId", "to", "channel", "matched"}: matched 0 right, 2 wrong, 3 unknown id, 4 already checked, 5 expired or replaced`,
					engine.VerifyAnswer{}),
				refuses(codeParameter, "for a broken rule"),
			},
		}, vendor: parsed(parseVerify, func(_ *Server, a *account, _ *http.Request, req verifyRequest) answer {
			return inService(a, func(sv *engine.Service, cfg engine.Config) (engine.VerifyAnswer, error) {
				return sv.Verify(cfg, req.ID, req.Code)
			})
		})},
		{Route: Route{
			Method: "POST", Path: "/verification/resend", Name: RouteResend,
			Does: "Sends a verification's code again, under a new verificationId.",
			Body: "a JSON object", Fields: []Field{verificationID, channel},
			Replies: append([]Reply{
				answers(sent.When+", for the new verificationId", engine.SendAnswer{}),
				refuses(codeParameter, "for an unknown, checked or replaced verificationId"),
			}, sendErrors[2:]...),
		}, vendor: parsed(parseResend, func(_ *Server, a *account, _ *http.Request, req resendRequest) answer {
			return inService(a, func(sv *engine.Service, cfg engine.Config) (engine.SendAnswer, error) {
				return sv.Resend(cfg, req.ID, req.Channel)
			})
		})},
		{Route: Route{
			Method: "GET", Path: "/verification/record/{verificationId}", Name: RouteRecord,
			Does:   "The verification's state and its latest attempt.",
			Params: []Field{field("{verificationId}", TypeString).means("the id a send answered").required()},
			Replies: []Reply{answers(`{"verificationId", "verifications", and "sms", "call" or "sna" by the latest attempt's channel}`,
				engine.RecordAnswer{})},
		}, vendor: func(_ *Server, a *account, r *http.Request, _ []byte) answer {
			id := r.PathValue("verificationId")
			return inService(a, func(sv *engine.Service, cfg engine.Config) (engine.RecordAnswer, error) { return sv.Record(cfg, id) })
		}},
		{Route: Route{
			Method: "POST", Path: "/verification/orderId/record", Name: RouteOrderRecord,
			Does:   "An order's latest verification and every attempt of the order.",
			Body:   "a JSON object",
			Fields: []Field{appID, field("orderId", TypeString).chars(1, orderIDMax).required()},
			Replies: []Reply{
				answers(`{"orderId", "flowId", "verifications", "sms": [], "call": [], "sna": []}`, engine.OrderRecordAnswer{}),
				reportErrors[0],
			},
		}, vendor: parsed(parseOrderRecord, func(_ *Server, a *account, _ *http.Request, req orderRequest) answer {
			return inService(a, func(sv *engine.Service, cfg engine.Config) (engine.OrderRecordAnswer, error) {
				return sv.OrderRecord(cfg, req.AppID, req.OrderID)
			})
		})},
		{Route: Route{
			Method: "POST", Path: "/postback/backfill", Name: RouteBackfill,
			Does: "The customer reports a verified code: checked, acknowledged, not kept.",
			Body: "a JSON object",
			Fields: []Field{appID, verificationID,
				field("number", TypeString).pattern(phonePattern).means(engine.PhoneRule),
				either("time", field("", TypeString).format("date-time").means("ISO 8601 with an offset"),
					field("", TypeInteger).atLeast(1).means("Unix time in seconds or milliseconds")).required()},
			Replies: append([]Reply{noData}, reportErrors...),
		}, vendor: parsed(parseBackfill, func(_ *Server, a *account, _ *http.Request, f backfill) answer { return acknowledge(a, f.AppID) })},
		{Route: Route{
			Method: "POST", Path: "/backfillRate", Name: RouteBackfillRate,
			Does: "The customer reports its verification rate: checked, acknowledged, not kept.",
			Body: "a JSON object",
			Fields: []Field{appID,
				either("mcc", field("", TypeString).pattern("^[0-9]{3}$"), field("", TypeInteger).between(100, 999)).
					means("a mobile country code of 3 digits").required(),
				field("backfillNumber", TypeInteger).between(0, 1<<53),
				field("backfillCardinalNumber", TypeInteger).between(0, 1<<53),
				field("backfillNow", TypeNumber).between(0, 100).means("a percentage, at most 2 decimals").required(),
				field("callbackTime", TypeString).format("date-time").means("ISO 8601 with an offset").required()},
			Replies: append([]Reply{noData}, reportErrors...),
		}, vendor: parsed(parseBackfillRate, func(_ *Server, a *account, _ *http.Request, f backfillRate) answer { return acknowledge(a, f.AppID) })},
	}
	for i := range routes {
		routes[i].Auth = AuthSigned
		if routes[i].Name != vendorName(routes[i].Method, routes[i].Path) {
			panic("sandbox: the route name " + routes[i].Name + " is not its path's")
		}
	}
	return routes
}

// parsed reads a route's body with its parser, answers -22 with the
// parser's reason, and otherwise does the route's work.
func parsed[T any](parse func([]byte) (T, string), do func(s *Server, a *account, r *http.Request, req T) answer) func(*Server, *account, *http.Request, []byte) answer {
	return func(s *Server, a *account, r *http.Request, body []byte) answer {
		req, reason := parse(body)
		if reason != "" {
			return fail(codeParameter, reason)
		}
		return do(s, a, r, req)
	}
}

func send(_ *Server, a *account, _ *http.Request, req engine.SendRequest) answer {
	return inService(a, func(sv *engine.Service, cfg engine.Config) (engine.SendAnswer, error) { return sv.Send(cfg, req) })
}

// acknowledge answers a report about an app of the account: checked, not kept.
func acknowledge(a *account, appID string) answer {
	return inService(a, func(sv *engine.Service, cfg engine.Config) (any, error) { return nil, sv.Acknowledge(cfg, appID) })
}

// snaPrefix starts the sna tokens of an account: the sandbox finds the
// account of a token by it, without asking every account.
func snaPrefix(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:6])
}

// snaRoute is the sna URLs: a phone fetching one completes its
// verification.
func snaRoute() route {
	return route{Route: Route{
		Method: "GET", Path: engine.SNAPath + "{token}", Auth: AuthNone,
		Does:   "What a phone's network fetches to complete an sna verification (the snaUrl a send by sna answered): unsigned.",
		Params: []Field{field("{token}", TypeString).means("the last segment of the snaUrl").required()},
		Replies: []Reply{
			replies(http.StatusOK, `{"verificationId", "matched": 0} the first time`, snaAnswer{}),
			replies(http.StatusConflict, "and matched 4 after that", snaAnswer{}),
			replies(http.StatusGone, "and matched 5 once the code expired", snaAnswer{}),
			replies(http.StatusNotFound, "for a token no verification has", nil),
			replies(http.StatusInternalServerError, "when the state file could not be written: nothing was changed", nil),
		},
	}, plain: func(s *Server, w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		var ans engine.VerifyAnswer
		found := false
		var err error
		for _, a := range s.snaCandidates(token) {
			if !a.lock() {
				continue
			}
			if a.svc.HasSNA(token) {
				ans, found, err = a.svc.CompleteSNA(a.config(), token)
				a.mu.Unlock()
				break
			}
			a.mu.Unlock()
		}
		status := http.StatusOK
		switch {
		case err != nil:
			controlError(w, http.StatusInternalServerError, err)
			return
		case !found:
			controlError(w, http.StatusNotFound, errors.New("no verification has this sna URL"))
			return
		case ans.Matched == engine.MatchedUsed:
			status = http.StatusConflict
		case ans.Matched == engine.MatchedExpired:
			status = http.StatusGone
		}
		controlJSON(w, status, snaAnswer{VerificationID: ans.VerificationID, Matched: ans.Matched})
	}}
}

// snaAnswer is what a phone that fetches an sna URL gets.
type snaAnswer struct {
	VerificationID string `json:"verificationId"`
	Matched        int    `json:"matched"`
}

// snaCandidates are the accounts that may have an sna token: the one its
// prefix names first, then (a token older than the prefixes, or one an
// import brought from another key) every other account.
func (s *Server) snaCandidates(token string) []*account {
	all := s.sortedAccounts()
	for i, a := range all {
		if strings.HasPrefix(token, snaPrefix(a.key)) {
			return append([]*account{a}, slices.Delete(all, i, i+1)...)
		}
	}
	return all
}

// waitMessages lists the selected messages, waiting up to wait for one
// when there is none.
func (s *Server) waitMessages(ctx context.Context, a *account, f MessageFilter, wait time.Duration) ([]Message, error) {
	var msgs []Message
	err := s.waitFor(ctx, a, wait, func(a *account) (bool, error) {
		var err error
		msgs, err = a.svc.Messages(a.config(), f)
		return len(msgs) > 0, err
	})
	return msgs, err
}

// waitFor runs look under the account's lock until it says done, for up
// to wait: it looks again when the account's service saves a change, when
// its next flow step falls due on the real clock, and once more when the
// time is up. The sandbox stopping, or the request ending, ends the wait
// at once: look's last answer stands.
func (s *Server) waitFor(ctx context.Context, a *account, wait time.Duration, look func(a *account) (done bool, err error)) error {
	deadline := time.Now().Add(wait)
	for {
		if !a.lock() {
			return errForgotten
		}
		done, err := look(a)
		if err != nil || done {
			// Before NextWake reads the clock: a failed look leaves the
			// clock as it was, with the rest of the account.
			a.mu.Unlock()
			return err
		}
		next, due := a.svc.NextWake()
		changed := a.svc.Changed()
		a.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 {
			return nil
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
			return nil
		case <-s.stop:
			timer.Stop()
			return nil
		}
		timer.Stop()
	}
}

// Messages lists an account's messages that f selects, oldest first
// (none when the account does not exist, or they cannot be read).
func (s *Server) Messages(key string, f MessageFilter) []Message {
	a := s.lookup(key)
	if a == nil || !a.lock() {
		return []Message{}
	}
	defer a.mu.Unlock()
	msgs, err := a.svc.Messages(a.config(), f)
	if err != nil {
		return []Message{}
	}
	return msgs
}

// AdvanceClock moves an account's service clock forward by d and runs the
// flow steps that fall due; it returns how many ran.
func (s *Server) AdvanceClock(key string, d time.Duration) (int, error) {
	if d < 0 {
		return 0, errors.New("sandbox: the clock only moves forward")
	}
	a, err := s.account(key)
	if err != nil {
		return 0, err
	}
	if !a.lock() {
		return 0, errForgotten
	}
	defer a.mu.Unlock()
	return a.svc.Advance(a.config(), d)
}

// maxWaitSeconds bounds a wait on the messages.
const maxWaitSeconds = 300

// maxAdvanceSeconds bounds one advance of the clock: ten years.
const maxAdvanceSeconds = 10 * 366 * 86400

// filterParams are the messages routes' selection parameters.
var filterParams = []Field{
	field("?to=", TypeString).means("only the messages to this number"),
	field("?verificationId=", TypeString).means("only the messages of this verification"),
	choice("?channel=", TypeString, Choice{engine.ChannelSMS, ""}, Choice{engine.ChannelCall, ""}, Choice{engine.ChannelSNA, ""}).
		means("only the messages of this channel"),
	field("?step=", TypeInteger).atLeast(0).means("only the messages of this step: 0 for sends and resends, n for the nth node of a task flow"),
}

// messageParams reads the selection and the ?wait= of a route that lists
// messages, or answers 400.
func messageParams(c call) (MessageFilter, time.Duration, bool) {
	f, err := messageFilter(c.r)
	var wait time.Duration
	if err == nil {
		wait, err = waitParam(c.r)
	}
	if err != nil {
		controlError(c.w, http.StatusBadRequest, err)
		return f, 0, false
	}
	return f, wait, true
}

// waitParam reads ?wait=: seconds, 0 to maxWaitSeconds; none is 0.
func waitParam(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, nil
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs < 0 || secs > maxWaitSeconds {
		return 0, fmt.Errorf("wait must be a number of seconds from 0 to %d (got %q)", maxWaitSeconds, v)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

func messageFilter(r *http.Request) (MessageFilter, error) {
	q := r.URL.Query()
	f := MessageFilter{To: q.Get("to"), VerificationID: q.Get("verificationId"), Channel: q.Get("channel")}
	if f.Channel != "" && !slices.Contains(engine.Channels, f.Channel) {
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

// advance is the body of POST /_sandbox/clock: one of the two.
type advance struct {
	AdvanceSeconds *int64 `json:"advanceSeconds"`
	ToNextStep     bool   `json:"toNextStep"`
}

// deletedAnswer is what DELETE /_sandbox/messages answers.
type deletedAnswer struct {
	Deleted int `json:"deleted"`
}

// numberAnswer is a number's outcome and where it comes from.
type numberAnswer struct {
	To string `json:"to"`
	NumberOutcome
	// Source is "override", "range 9991…" or "default".
	Source string `json:"source"`
}

// serviceControlRoutes are the service's control routes.
func serviceControlRoutes() []route {
	toParam := field("{to}", TypeString).pattern(phonePattern).means("a phone number: " + engine.PhoneRule).required()
	outcomeFields := []Field{
		choice("sms", TypeString, Choice{"delivered", ""}, Choice{"failed", ""}).means("what happens to SMS to the number"),
		choice("call", TypeString, Choice{"answered", ""}, Choice{"failed", "not answered"}).means("what happens to calls to the number"),
		field("delaySeconds", TypeInteger).between(0, engine.MaxDelaySeconds).
			means(`how long each attempt is "sending" before that, on the sandbox's clock`),
		either("code",
			field("", TypeString).chars(engine.FixedCodeMin, engine.FixedCodeMax).pattern(codePattern).means("a fixed code"),
			choice("", TypeString, Choice{"", "no fixed code: random codes again"})).
			means("with a fixed code, every send and resend to the number carries it instead of a random one, so that a UI test can type it. " +
				"It must fit the template's codeType and codeLength, or the send is refused -22, naming the number's code and the template's rule. " +
				"A sendRule keeps the caller's code. Without one, codes are random"),
	}
	badNumber := replies(http.StatusBadRequest, "for a number that is not one", nil)
	routes := []route{
		{Route: Route{
			Method: "GET", Path: "/_sandbox/messages",
			Does: "Lists what the account's sends, resends and flow steps sent (one message per attempt), oldest first, for tests to " +
				"read the codes. Each message: verificationId, to, channel (sms, call or sna), text (as delivered: the template's text " +
				"with the code), code, step (0 for a send or resend, n for the nth node of the task flow), at (the sandbox's clock, " +
				"RFC 3339 in UTC), outcome (delivered, answered, failed, sending, or sent for sna), via (send, sendRule, resend, flow), " +
				"appId, templateId, flowId, orderId (null when none), sender, voice (calls: language, speechRate, repeatCnt, " +
				"maxDuration; else null) and snaUrl (sna only; else null). Flow steps that fell due run first.",
			Params: append(slices.Clone(filterParams),
				field("?wait=", TypeNumber).between(0, maxWaitSeconds).means("seconds: when nothing matches yet, hold the request until a "+
					"matching message exists (a new send, a flow step falling due on the clock, an import that brings one) or the time is up, then answer what there is; "+
					"a sandbox that stops answers what there is at once")),
			Replies: []Reply{
				replies(http.StatusOK, "a JSON array of messages ([] when none)", []Message{}),
				replies(http.StatusBadRequest, "for a bad parameter", nil),
			},
		}, control: func(s *Server, c call) {
			f, wait, ok := messageParams(c)
			if !ok {
				return
			}
			msgs, err := s.waitMessages(c.r.Context(), c.a, f, wait)
			if err != nil {
				controlError(c.w, consoleStatus(err), err)
				return
			}
			controlJSON(c.w, http.StatusOK, msgs)
		}},
		{Route: Route{
			Method: "DELETE", Path: "/_sandbox/messages",
			Does: "Takes the messages the parameters select (all the account's without any) out of the list, and saves that as one " +
				"record, however many it takes. The verifications stay: their codes still check, and their records still show every attempt.",
			Params: filterParams,
			Replies: []Reply{
				replies(http.StatusOK, `{"deleted": <messages>}`, deletedAnswer{}),
				replies(http.StatusBadRequest, "for a bad parameter", nil),
			},
		}, control: func(s *Server, c call) {
			f, err := messageFilter(c.r)
			if err != nil {
				controlError(c.w, http.StatusBadRequest, err)
				return
			}
			serve(c, http.StatusOK, func(a *account) (deletedAnswer, error) {
				n, err := a.svc.Purge(a.config(), f)
				return deletedAnswer{Deleted: n}, err
			})
		}},
		{Route: Route{
			Method: "GET", Path: "/_sandbox/clock",
			Does:    "The account's service clock: real time plus the offset the advances added. Flow steps that fell due run first.",
			Replies: []Reply{replies(http.StatusOK, `{"now": "<RFC 3339, UTC>", "offsetSeconds": <seconds>}`, clockAnswer{})},
		}, control: func(s *Server, c call) {
			serve(c, http.StatusOK, func(a *account) (clockAnswer, error) {
				now, err := a.svc.Now(a.config())
				return clockAnswer{Now: engine.ControlTime(now), OffsetSeconds: int64(a.clock.Offset() / time.Second)}, err
			})
		}},
		{Route: Route{
			Method: "POST", Path: "/_sandbox/clock",
			Does: "Moves the account's service clock forward: code expiries, send-limit windows and task-flow steps follow it. " +
				"Every flow step that falls due by the new time runs, each at its own due time, in due-time order, before the answer; " +
				"the new offset and the steps are saved together. Signatures keep to real time: moving this clock never makes one stale.",
			Body: "a JSON object",
			Fields: []Field{
				field("advanceSeconds", TypeInteger).between(0, maxAdvanceSeconds).means("seconds to move the clock forward").alternative(),
				field("toNextStep", TypeBoolean).means("when true, move the clock to the account's next flow step, exactly to its due time, and run it " +
					"(and every step due at that instant); with no step pending, the clock stays and stepsRun is 0").alternative(),
			},
			Replies: []Reply{
				replies(http.StatusOK, `{"now": "<RFC 3339, UTC>", "offsetSeconds": <seconds>, "stepsRun": <flow steps run>}`, clockAnswer{}),
				replies(http.StatusBadRequest, "for invalid JSON, a negative advanceSeconds, both fields or neither", nil),
			},
		}, control: func(s *Server, c call) {
			body, ok := controlBody(c.w, c.r, func(b *advance) error {
				if (b.AdvanceSeconds != nil) == b.ToNextStep {
					return errors.New(`give one of advanceSeconds and "toNextStep": true`)
				}
				if b.AdvanceSeconds != nil && (*b.AdvanceSeconds < 0 || *b.AdvanceSeconds > maxAdvanceSeconds) {
					return fmt.Errorf("advanceSeconds must be an integer from 0 to %d: the clock only moves forward", maxAdvanceSeconds)
				}
				return nil
			})
			if !ok {
				return
			}
			serve(c, http.StatusOK, func(a *account) (clockAnswer, error) {
				var ran int
				var err error
				if body.ToNextStep {
					ran, _, err = a.svc.AdvanceToNextStep(a.config())
				} else {
					ran, err = a.svc.Advance(a.config(), time.Duration(*body.AdvanceSeconds)*time.Second)
				}
				return clockAnswer{Now: engine.ControlTime(a.clock.Service()), OffsetSeconds: int64(a.clock.Offset() / time.Second), StepsRun: &ran}, err
			})
		}},
		{Route: Route{
			Method: "GET", Path: "/_sandbox/numbers",
			Does:    "The numbers of the account whose outcome was set with PUT, and their outcomes. " + engine.NumberRanges(),
			Replies: []Reply{replies(http.StatusOK, `{"<to>": {"sms": …, "call": …, "delaySeconds": …}}`, map[string]NumberOutcome{})},
		}, control: func(s *Server, c call) {
			serve(c, http.StatusOK, func(a *account) (map[string]NumberOutcome, error) { return a.svc.Outcomes(), nil })
		}},
		{Route: Route{
			Method: "PUT", Path: "/_sandbox/numbers/{to}",
			Does: "Sets what happens to the account's next SMS and calls to one number, over the outcome of its range, and the code " +
				"its sends carry, if it is to be fixed; saved, like every change. Only the fields sent change: the others keep what " +
				"the number has now (an earlier PUT's, else its range's, else the default's), so that {\"code\": \"424242\"} on a " +
				"number of 9991… fixes its code and its SMS still fail. DELETE gives it back its range's outcome.",
			Params: []Field{toParam},
			Body:   "a JSON object; a field left out, or null, keeps the number's current value",
			Fields: outcomeFields,
			Replies: []Reply{
				replies(http.StatusOK, `the number's whole outcome now, the fields sent and those kept: {"to": …, "sms": …, "call": …, "delaySeconds": …, `+
					`"code": … (when fixed), "source": "override"}`, numberAnswer{}),
				replies(http.StatusBadRequest, "for a number that is not one, invalid JSON, an unknown field or value", nil),
			},
		}, control: func(s *Server, c call) {
			to, ok := controlNumber(c)
			if !ok {
				return
			}
			if change, ok := controlBody(c.w, c.r, engine.CheckOutcomeChange); ok {
				serve(c, http.StatusOK, func(a *account) (numberAnswer, error) {
					o, err := a.svc.ChangeOutcome(a.config(), to, change)
					return numberAnswer{To: to, NumberOutcome: o, Source: "override"}, err
				})
			}
		}},
		{Route: Route{
			Method: "GET", Path: "/_sandbox/numbers/{to}",
			Does:   "What happens to the account's SMS and calls to one number, and why: an override set with PUT, its range, or the default.",
			Params: []Field{toParam},
			Replies: []Reply{
				replies(http.StatusOK, `{"to": …, "sms": …, "call": …, "delaySeconds": …, "source": "override" | "range 9991…" | "default"}`, numberAnswer{}),
				badNumber,
			},
		}, control: func(s *Server, c call) {
			to, ok := controlNumber(c)
			if !ok {
				return
			}
			var ans numberAnswer
			if c.in(func(a *account) {
				o, source := a.svc.Outcome(to)
				ans = numberAnswer{To: to, NumberOutcome: o, Source: source}
			}) {
				controlJSON(c.w, http.StatusOK, ans)
			}
		}},
		{Route: Route{
			Method: "DELETE", Path: "/_sandbox/numbers/{to}",
			Does:    "Gives a number back the outcome of its range (or the default).",
			Params:  []Field{toParam},
			Replies: []Reply{replies(http.StatusNoContent, "", nil), badNumber},
		}, control: func(s *Server, c call) {
			to, ok := controlNumber(c)
			var err error
			switch {
			case !ok, !c.in(func(a *account) { err = a.svc.ClearOutcome(a.config(), to) }):
			case err != nil:
				controlError(c.w, consoleStatus(err), err)
			default:
				c.w.WriteHeader(http.StatusNoContent)
			}
		}},
		{Route: Route{
			Method: "GET", Path: "/_sandbox/settings",
			Does:    "The account's settings of what the vendor decides about money and content.",
			Replies: []Reply{replies(http.StatusOK, "the settings, in the fields PUT takes", ServiceSettings{})},
		}, control: func(s *Server, c call) {
			serve(c, http.StatusOK, func(a *account) (ServiceSettings, error) { return a.svc.Settings(), nil })
		}},
		{Route: Route{
			Method: "PUT", Path: "/_sandbox/settings",
			Does: "Replaces the account's settings. A field left out is false or empty: {} is a funded account with no word refused. " +
				"They apply to sends, sendRules, resends and flow steps.",
			Body: "a JSON object",
			Fields: []Field{
				field("insufficientBalance", TypeBoolean).means("every send answers -10 (balance insufficient)"),
				field("feeFailure", TypeBoolean).means("every send answers -26 (getting fee fail)"),
				field("sensitiveWords", TypeArray).chars(0, maxSensitiveWords).item(field("", TypeString).chars(1, maxSensitiveWordChars)).
					means("a send whose text contains one, in any case, answers -29 (sensitive words)"),
			},
			Replies: []Reply{
				replies(http.StatusOK, "the settings as set", ServiceSettings{}),
				replies(http.StatusBadRequest, "for invalid JSON, an unknown field, a word too long or empty, too many words", nil),
			},
		}, control: func(s *Server, c call) {
			set, ok := controlBody(c.w, c.r, checkSettings)
			if !ok {
				return
			}
			if set.SensitiveWords == nil {
				set.SensitiveWords = []string{}
			}
			serve(c, http.StatusOK, func(a *account) (ServiceSettings, error) { return set, a.svc.SetSettings(a.config(), set) })
		}},
	}
	for i := range routes {
		routes[i].Auth = AuthControl
	}
	return routes
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
func controlNumber(c call) (string, bool) {
	to := c.r.PathValue("to")
	if !engine.IsPhoneNumber(to) {
		controlError(c.w, http.StatusBadRequest, fmt.Errorf("the number must be %s (got %q)", engine.PhoneRule, to))
		return "", false
	}
	return to, true
}
