package engine

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"
)

// verification is one verificationId: a code sent to a number, the attempts
// that carried it, and the flow steps still to run. It is what the state
// file keeps, field for field.
type verification struct {
	ID         string `json:"verificationId"`
	Seq        int64  `json:"seq"` // creation order in the account
	Via        string `json:"via"`
	AppID      string `json:"appId"`
	TemplateID int64  `json:"templateId,omitempty"` // 0: a sendRule without one
	FlowID     int64  `json:"flowId,omitempty"`
	To         string `json:"to"`
	OrderID    string `json:"orderId,omitempty"`
	Code       string `json:"code"`
	Text       string `json:"text"`
	Voice      Voice  `json:"voice"`
	Sender     string `json:"sender,omitempty"`
	// LegacySNAURL is the sna URL as state files kept it before the
	// sandbox had -public-url: read, never written; the URL is made from
	// the token and the public address.
	LegacySNAURL string    `json:"snaUrl,omitempty"`
	SNAToken     string    `json:"snaToken,omitempty"`
	Created      time.Time `json:"created"`
	ExpiresAt    time.Time `json:"expiresAt"`
	// Nodes are the flow's nodes as they were at the send: a flow edited
	// later changes the sends after, not this one.
	Nodes  []Node    `json:"nodes,omitempty"`
	Next   int       `json:"next"`            // the next node to run; len(Nodes) when the flow is over
	NextAt time.Time `json:"nextAt,omitzero"` // when it falls due
	// Checked says a check failed (wrong or expired code) before any
	// success, for the record's matched.
	Checked      bool       `json:"checked,omitempty"`
	VerifiedAt   time.Time  `json:"verifiedAt,omitzero"`
	SupersededBy string     `json:"supersededBy,omitempty"` // the resend that replaced it
	ResendOf     string     `json:"resendOf,omitempty"`
	Attempts     []*attempt `json:"attempts"`

	gone bool // forgotten (retention) or reset: stale due entries skip it
}

// attempt is one SMS, call or sna URL that carried the code.
type attempt struct {
	Seq     int64         `json:"seq"`  // order in the account's message log
	Step    int           `json:"step"` // 0 for the send, n for the nth flow node
	Channel string        `json:"channel"`
	At      time.Time     `json:"at"`
	Failed  bool          `json:"failed,omitempty"`
	Delay   time.Duration `json:"delay,omitempty"`
	// Hidden is set by a purge of the messages: the attempt stays in its
	// verification's records, out of the message log.
	Hidden bool `json:"hidden,omitempty"`

	v *verification
}

// outcome is the attempt's state at t.
func (a *attempt) outcome(t time.Time) string {
	switch {
	case a.Channel == ChannelSNA:
		return outcomeSent
	case t.Before(a.At.Add(a.Delay)):
		return outcomeSending
	case a.Failed:
		return outcomeFailed
	case a.Channel == ChannelCall:
		return outcomeAnswered
	default:
		return outcomeDelivered
	}
}

func (a *attempt) doneAt(t time.Time) time.Time {
	if a.outcome(t) == outcomeSending {
		return time.Time{}
	}
	return a.At.Add(a.Delay)
}

func (v *verification) last() *attempt { return v.Attempts[len(v.Attempts)-1] }

func (v *verification) verified() bool { return !v.VerifiedAt.IsZero() }

// expired says no code is accepted any more: replaced by a resend, or past
// its expiry.
func (v *verification) expired(now time.Time) bool {
	return v.SupersededBy != "" || !now.Before(v.ExpiresAt)
}

// snaURL is where the phone fetches the verification's sna URL.
func (s *Service) snaURL(v *verification) string { return s.opts.SNABase + SNAPath + v.SNAToken }

// SendAnswer is the data of a send, sendRule or resend.
type SendAnswer struct {
	VerificationID string  `json:"verificationId"`
	To             string  `json:"to"`
	Channel        string  `json:"channel"`
	SNAURL         *string `json:"snaUrl"`
}

func (s *Service) answerOf(v *verification) SendAnswer {
	a := SendAnswer{VerificationID: v.ID, To: v.To, Channel: v.last().Channel}
	if a.Channel == ChannelSNA {
		url := s.snaURL(v)
		a.SNAURL = &url
	}
	return a
}

// Send checks a send or sendRule against the account's configuration, in
// this order: the app, the template (one of the app's), the flow, the
// orderId, then admit's checks; and sends the code.
func (s *Service) Send(cfg Config, req SendRequest) (SendAnswer, error) {
	var ans SendAnswer
	err := s.run(cfg, func(now time.Time) error {
		app, found := cfg.App(req.AppID)
		if !found {
			return refuse(CodeParameter, "appId %q does not exist in this account", req.AppID)
		}
		text, vc, sender := defaultText, DefaultVoice, ""
		var tpl Template
		if req.TemplateID != 0 {
			if tpl, found = cfg.Template(req.TemplateID); !found {
				return refuse(CodeParameter, "templateId %d does not exist in this account", req.TemplateID)
			}
			if tpl.AppID != app.ID {
				return refuse(CodeParameter, "templateId %d belongs to appId %q, not %q", req.TemplateID, tpl.AppID, app.ID)
			}
			text, sender, vc = tpl.Text, tpl.Sender, tpl.Voice
		}
		var nodes []Node
		if req.FlowID != 0 {
			if nodes, found = cfg.Flow(req.FlowID); !found {
				return refuse(CodeParameter, "flowId %d does not exist in this account", req.FlowID)
			}
		}
		if prev := s.orders[req.OrderID]; req.OrderID != "" && len(prev) > 0 {
			return refuse(CodeExisting, "orderId %q was already used, by verificationId %s", req.OrderID, prev[0].ID)
		}
		via, code := viaSendRule, req.Code
		if !req.Rule {
			via = viaSend
			if code = s.fixedCode(req.To); code == "" {
				code = s.makeCode(tpl.CodeType, tpl.CodeLength)
			} else if err := fitsTemplate(req.To, code, tpl); err != nil {
				return err
			}
		}
		text = strings.ReplaceAll(text, CodePlaceholder, code)
		if err := s.admit(app, req.To, text, now); err != nil {
			return err
		}
		v := &verification{
			Via: via, AppID: app.ID, TemplateID: req.TemplateID, FlowID: req.FlowID, To: req.To, OrderID: req.OrderID,
			Code: code, Text: text, Voice: vc, Sender: sender, Created: now, ExpiresAt: now.Add(app.CodeExpiry),
			Nodes: append([]Node(nil), nodes...),
		}
		s.add(v, req.Channel, now)
		s.countLimits(app, req.To, now)
		ans = s.answerOf(v)
		return nil
	})
	return ans, err
}

// add gives a new verification its id, its first attempt and its flow, and
// puts it in the service.
func (s *Service) add(v *verification, channel string, now time.Time) {
	v.ID = s.opts.IDs.next(now)
	s.seq++
	v.Seq = s.seq
	if channel == ChannelSNA {
		var b [16]byte
		for i := range 2 {
			binary.LittleEndian.PutUint64(b[i*8:], s.rng.Uint64())
		}
		v.SNAToken = s.opts.SNAPrefix + hex.EncodeToString(b[:])
	}
	if len(v.Nodes) > 0 {
		v.NextAt = now.Add(time.Duration(v.Nodes[0].WaitingTime) * time.Second)
	}
	s.tx.added = append(s.tx.added, v)
	s.verifs[v.ID] = v
	s.byAge = append(s.byAge, v)
	s.index(v)
	s.send(v, 0, channel, now)
}

// index puts a verification in the indexes by sna token, by orderId, and
// of the flow steps to run.
func (s *Service) index(v *verification) {
	if v.SNAToken != "" {
		s.sna[v.SNAToken] = v
	}
	if v.OrderID != "" {
		s.orders[v.OrderID] = append(s.orders[v.OrderID], v)
	}
	if v.Next < len(v.Nodes) {
		s.due.add(v)
	}
}

// admit applies what the vendor checks of every send besides its fields,
// in this order: sensitive words (-29), the app's limit (-27), the
// number's limit (-28), the fee (-26), the balance (-10). The caller counts
// the send in the limits once it is made.
func (s *Service) admit(app App, to, text string, now time.Time) error {
	lower := strings.ToLower(text)
	for _, w := range s.settings.SensitiveWords {
		if strings.Contains(lower, strings.ToLower(w)) {
			return refuse(CodeSensitive, "the text contains the sensitive word %q", w)
		}
	}
	if err := s.checkLimits(app, to, now); err != nil {
		return err
	}
	if s.settings.FeeFailure {
		return refuse(CodeFee, "the sandbox's settings say so (feeFailure)")
	}
	if s.settings.InsufficientBalance {
		return refuse(CodeBalance, "the sandbox's settings say so (insufficientBalance)")
	}
	return nil
}

// fixedCode is the code a test fixed for a number (PUT
// /_sandbox/numbers/{to}), or "".
func (s *Service) fixedCode(to string) string { return s.network.overrides[to].Code }

// fitsTemplate refuses a number's fixed code that the template could not
// have made: a test that types it would pass against the sandbox and fail
// against the vendor.
func fitsTemplate(to, code string, t Template) error {
	if why := fits(code, t); why != "" {
		return refuse(CodeParameter, "the number %s has the fixed code %q (PUT /_sandbox/numbers/%s), which does not fit: %s; "+
			"fix a code that does, or send with a template that makes such codes", to, code, to, why)
	}
	return nil
}

// fromRule says whether a verification carries a code its caller gave (a
// sendRule, or a resend of one), which a number's fixed code does not
// replace.
func (s *Service) fromRule(v *verification) bool {
	for v.Via == viaResend {
		prev := s.verifs[v.ResendOf]
		if prev == nil {
			return false // forgotten: the number's code applies
		}
		v = prev
	}
	return v.Via == viaSendRule
}

// codeAlphabets are the characters of each codeType: 1 numeric, 2 alpha,
// 3 alphanumeric, 4 hex. Letters are capitals; a check ignores case.
var codeAlphabets = map[int]string{
	1: "0123456789",
	2: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	3: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	4: "0123456789ABCDEF",
}

func (s *Service) makeCode(codeType, length int) string {
	alphabet := codeAlphabets[codeType]
	b := make([]byte, length)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// send sends the code once more, by channel, at at: the network decides
// its outcome now. The attempt joins the message log; it is logged and
// announced once saved.
func (s *Service) send(v *verification, step int, channel string, at time.Time) {
	out, _ := s.network.outcome(v.To)
	failed, delay := out.result(channel)
	s.seq++
	a := &attempt{Seq: s.seq, Step: step, Channel: channel, At: at, Failed: failed, Delay: delay, v: v}
	v.Attempts = append(v.Attempts, a)
	s.log = append(s.log, a)
	s.attempts++
	s.tx.sent = append(s.tx.sent, a)
}

// VerifyAnswer is the data of a check.
type VerifyAnswer struct {
	VerificationID string  `json:"verificationId"`
	To             *string `json:"to"`
	Channel        *string `json:"channel"`
	Matched        int     `json:"matched"`
}

// Verify checks a code: 3 for an unknown id, 4 once checked successfully
// (whatever the code), 5 once expired or replaced by a resend (whatever the
// code), 2 for a wrong code (the verification stays open: no attempt
// limit), 0 for the right one, letters in any case. A check that fails
// marks the verification for its record (matched 2), once.
func (s *Service) Verify(cfg Config, id, code string) (VerifyAnswer, error) {
	var ans VerifyAnswer
	err := s.run(cfg, func(now time.Time) error {
		v := s.verifs[id]
		if v == nil {
			ans = VerifyAnswer{VerificationID: id, Matched: MatchedUnknown}
			return nil
		}
		ans = checkAnswer(v)
		switch {
		case v.verified():
			ans.Matched = MatchedUsed
			return nil
		case v.expired(now):
			ans.Matched = MatchedExpired
		case !strings.EqualFold(code, v.Code):
			ans.Matched = MatchedWrong
		default:
			ans.Matched = MatchedOK
			s.complete(v, now)
			return nil
		}
		if !v.Checked {
			s.touch(v)
			v.Checked = true
		}
		return nil
	})
	if err != nil {
		return VerifyAnswer{}, err
	}
	return ans, nil
}

// checkAnswer is a check's answer about v, with copies of its fields: the
// answer is written after the account's lock is released.
func checkAnswer(v *verification) VerifyAnswer {
	to, channel := v.To, v.last().Channel
	return VerifyAnswer{VerificationID: v.ID, To: &to, Channel: &channel}
}

// complete marks a verification checked successfully; its flow ends.
func (s *Service) complete(v *verification, now time.Time) {
	s.touch(v)
	s.endFlow(v)
	v.VerifiedAt = now
}

// Resend sends a verification's code again under a new verificationId,
// which the answer gives; the expiry restarts (the app's codeExpiry now),
// the old id then answers matched 5, and its flow ends (the new id has
// none). Refused for an unknown id, one checked successfully, and one
// already replaced (name the newest).
func (s *Service) Resend(cfg Config, id, channel string) (SendAnswer, error) {
	var ans SendAnswer
	err := s.run(cfg, func(now time.Time) error {
		old := s.verifs[id]
		switch {
		case old == nil:
			return refuse(CodeParameter, "verificationId %s does not exist", id)
		case old.verified():
			return refuse(CodeParameter, "verificationId %s was already checked successfully: send a new code instead", id)
		case old.SupersededBy != "":
			return refuse(CodeParameter, "verificationId %s was replaced by the resend %s: resend the newest one", id, old.SupersededBy)
		}
		app, found := cfg.App(old.AppID)
		if !found {
			return refuse(CodeParameter, "appId %q of verificationId %s no longer exists", old.AppID, id)
		}
		code, text := old.Code, old.Text
		if fixed := s.fixedCode(old.To); fixed != "" && fixed != old.Code && !s.fromRule(old) {
			// The number's fixed code, set since the send: every resend to
			// the number carries it, as every send does.
			tpl, found := cfg.Template(old.TemplateID)
			if !found {
				return refuse(CodeParameter, "templateId %d of verificationId %s no longer exists: the number %s's fixed code cannot be "+
					"checked against it", old.TemplateID, id, old.To)
			}
			if err := fitsTemplate(old.To, fixed, tpl); err != nil {
				return err
			}
			code, text = fixed, strings.ReplaceAll(tpl.Text, CodePlaceholder, fixed)
		}
		if err := s.admit(app, old.To, text, now); err != nil {
			return err
		}
		v := &verification{
			Via: viaResend, AppID: old.AppID, TemplateID: old.TemplateID, To: old.To, OrderID: old.OrderID,
			Code: code, Text: text, Voice: old.Voice, Sender: old.Sender, Created: now,
			ExpiresAt: now.Add(app.CodeExpiry), ResendOf: old.ID,
		}
		s.add(v, channel, now)
		s.countLimits(app, old.To, now)
		s.touch(old)
		s.endFlow(old)
		old.SupersededBy = v.ID
		ans = s.answerOf(v)
		return nil
	})
	return ans, err
}

// HasSNA says whether an sna token is one of the account's.
func (s *Service) HasSNA(token string) bool {
	s.rebuild()
	return s.sna[token] != nil
}

// CompleteSNA is a phone fetching an sna URL: it completes the
// verification (matched 0), once, while the code is valid. found is false
// for a token the account does not have.
func (s *Service) CompleteSNA(cfg Config, token string) (ans VerifyAnswer, found bool, err error) {
	err = s.run(cfg, func(now time.Time) error {
		v := s.sna[token]
		if v == nil {
			return nil
		}
		found = true
		ans = checkAnswer(v)
		switch {
		case v.verified():
			ans.Matched = MatchedUsed
		case v.expired(now):
			ans.Matched = MatchedExpired
		default:
			ans.Matched = MatchedOK
			s.complete(v, now)
		}
		return nil
	})
	if err != nil {
		return VerifyAnswer{}, false, err
	}
	return ans, found, nil
}

// Acknowledge answers a customer's report about an app of the account
// (backfill, backfillRate): checked, not kept.
func (s *Service) Acknowledge(cfg Config, appID string) error {
	return s.run(cfg, func(time.Time) error {
		if _, found := cfg.App(appID); !found {
			return refuse(CodeParameter, "appId %q does not exist in this account", appID)
		}
		return nil
	})
}
