package sandbox

import (
	"container/heap"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// The OTP service: what the vendor does with an app, a template and a task
// flow when an application sends a code. One service per account; the
// server's lock guards it, and every operation first reads the account's
// clock and runs the flow steps that fell due (in due-time order), so that
// what a request sees does not depend on when the sandbox last looked.

// Channels of an attempt.
const (
	channelSMS  = "sms"
	channelCall = "call"
	channelSNA  = "sna"
)

// How a verification came about, as the messages say.
const (
	viaSend     = "send"
	viaSendRule = "sendRule"
	viaResend   = "resend"
	viaFlow     = "flow"
)

// Vendor status codes of the send routes, besides the global ones.
const (
	codeBalance    = "-10"
	codeFee        = "-26"
	codeTotalLimit = "-27"
	codePhoneLimit = "-28"
	codeSensitive  = "-29"
)

// Values of matched, as the vendor documents them.
const (
	matchedUnchecked = -1 // records only
	matchedOK        = 0
	matchedSending   = 1 // records only
	matchedWrong     = 2
	matchedUnknown   = 3
	matchedUsed      = 4
	matchedExpired   = 5
)

// defaultText is the SMS of a sendRule that names no template.
const defaultText = "Your verification code is " + codePlaceholder + "."

// DefaultRetention is how many attempts (messages) an account keeps by
// default; older verifications are forgotten whole to stay under it.
const DefaultRetention = 10000

// voice is how a call reads the code: the template's settings.
type voice struct {
	Language    string `json:"language"`
	SpeechRate  int    `json:"speechRate"`
	RepeatCnt   int    `json:"repeatCnt"`
	MaxDuration int    `json:"maxDuration"`
}

var defaultVoice = voice{Language: languageDefault, SpeechRate: speechRateDefault, RepeatCnt: repeatCntDefault, MaxDuration: maxDurationDefault}

// verification is one verificationId: a code sent to a number, the attempts
// that carried it, and the flow steps still to run. It is what the state
// file keeps, field for field.
type verification struct {
	ID         string    `json:"verificationId"`
	Seq        int64     `json:"seq"` // creation order in the account
	Via        string    `json:"via"`
	AppID      string    `json:"appId"`
	TemplateID int64     `json:"templateId,omitempty"` // 0: a sendRule without one
	FlowID     int64     `json:"flowId,omitempty"`
	To         string    `json:"to"`
	OrderID    string    `json:"orderId,omitempty"`
	Code       string    `json:"code"`
	Text       string    `json:"text"`
	Voice      voice     `json:"voice"`
	Sender     string    `json:"sender,omitempty"`
	SNAURL     string    `json:"snaUrl,omitempty"`
	SNAToken   string    `json:"snaToken,omitempty"`
	Created    time.Time `json:"created"`
	ExpiresAt  time.Time `json:"expiresAt"`
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
	// Hidden is set by DELETE /_sandbox/messages: the attempt stays in its
	// verification's records, out of the message log.
	Hidden bool `json:"hidden,omitempty"`

	v *verification
}

// outcome is the attempt's state at t.
func (a *attempt) outcome(t time.Time) string {
	switch {
	case a.Channel == channelSNA:
		return outcomeSent
	case t.Before(a.At.Add(a.Delay)):
		return outcomeSending
	case a.Failed:
		return outcomeFailed
	case a.Channel == channelCall:
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

// closed says why no code is accepted any more (verified, replaced by a
// resend, expired), or "".
func (v *verification) expired(now time.Time) bool {
	return v.SupersededBy != "" || !now.Before(v.ExpiresAt)
}

// ServiceSettings are the account's settings of what the vendor decides
// about money and content.
type ServiceSettings struct {
	// InsufficientBalance makes every send answer -10.
	InsufficientBalance bool `json:"insufficientBalance"`
	// FeeFailure makes every send answer -26 ("getting fee fail").
	FeeFailure bool `json:"feeFailure"`
	// SensitiveWords make a send whose text contains one (in any case)
	// answer -29.
	SensitiveWords []string `json:"sensitiveWords"`
}

// serviceConfig is how the service reads the account's configuration; the
// caller holds the server's lock.
type serviceConfig interface {
	app(id string) (App, bool)
	template(id int64) (Template, bool)
	flow(id int64) (Flow, bool)
}

// verificationIDs makes verificationIds in the vendor's shape: "2", the
// time as yyMMddHHmmss at +08:00, and a 7-digit sequence, 20 digits as in
// its sample "22206051443051000003". One sequence serves the whole
// sandbox, so ids are unique across accounts as other ids are.
type verificationIDs struct{ seq int64 }

func (g *verificationIDs) next(now time.Time) string {
	g.seq++
	return "2" + now.In(createTimeZone).Format("060102150405") + fmt.Sprintf("%07d", g.seq%10_000_000)
}

// observe keeps the sequence past an id loaded from the state file.
func (g *verificationIDs) observe(id string) {
	if len(id) != 20 {
		return
	}
	if n, err := strconv.ParseInt(id[13:], 10, 64); err == nil {
		g.seq = max(g.seq, n)
	}
}

// serviceHooks are what the service tells the rest of the server.
type serviceHooks struct {
	ids    *verificationIDs
	logger *slog.Logger
	// save writes a verification's new state to the state file, forget
	// its deletion; both under the lock. What a client is answered about
	// (a send, a resend, a successful check) is written before it changes
	// memory, and an error answers -18 with nothing changed; what no one
	// is answered about (a flow step, a failed check, the retention) is
	// logged when it cannot be written.
	save   func(*verification) error
	forget func(*verification) error
}

// service is one account's OTP service.
type service struct {
	hooks     serviceHooks
	clock     serviceClock
	retention int
	rng       *mrand.Rand // codes and sna tokens

	verifs   map[string]*verification
	byAge    []*verification // oldest first, from ageHead on
	ageHead  int
	orders   map[string][]*verification // orderId: the send and its resends
	sna      map[string]*verification   // by token
	log      []*attempt                 // the message log, oldest first, from logHead on
	logHead  int
	logGone  int // entries of log past logHead whose verification is gone
	attempts int // attempts of the verifications kept
	seq      int64
	due      dueQueue
	limits   limits
	network  network
	settings ServiceSettings
	// changed is closed (and replaced) when an attempt is added: a wait on
	// the messages wakes.
	changed chan struct{}
	// unbuilt says the state file put verifications in verifs whose
	// indexes (byAge, log, orders, sna, due, limits) are not built yet.
	unbuilt bool
}

func newService(hooks serviceHooks, realTime func() time.Time, retention int) *service {
	if retention <= 0 {
		retention = DefaultRetention
	}
	if hooks.logger == nil {
		hooks.logger = slog.New(slog.DiscardHandler)
	}
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	return &service{
		hooks: hooks, clock: serviceClock{real: realTime}, retention: retention,
		rng:    mrand.New(mrand.NewChaCha8(seed)), //nolint:gosec // ChaCha8 from crypto/rand: codes a test reads anyway
		verifs: map[string]*verification{}, orders: map[string][]*verification{}, sna: map[string]*verification{},
		changed: make(chan struct{}),
	}
}

// tick reads the clock and runs the flow steps due by then.
func (sv *service) tick(cfg serviceConfig) time.Time {
	now := sv.clock.now()
	sv.runDue(cfg, now)
	return now
}

// advance moves the clock forward and runs every step due by the new time;
// it returns the number of steps run.
func (sv *service) advance(cfg serviceConfig, d time.Duration) int {
	sv.clock.advance(d)
	return sv.runDue(cfg, sv.clock.now())
}

// sendRequest is a send or sendRule, validated for its shape.
type sendRequest struct {
	via        string
	AppID      string
	TemplateID int64 // 0: none (sendRule only)
	FlowID     int64 // 0: none
	To         string
	Channel    string
	OrderID    string
	Code       string // sendRule: the caller's
	snaBase    string // where the sandbox serves sna URLs: "http://host:port"
}

// sendAnswer is the data of a send, sendRule or resend.
type sendAnswer struct {
	VerificationID string  `json:"verificationId"`
	To             string  `json:"to"`
	Channel        string  `json:"channel"`
	SNAURL         *string `json:"snaUrl"`
}

func answerOf(v *verification) sendAnswer {
	a := sendAnswer{VerificationID: v.ID, To: v.To, Channel: v.last().Channel}
	if a.Channel == channelSNA {
		url := v.SNAURL // a copy: the answer is written after the lock is released
		a.SNAURL = &url
	}
	return a
}

// send checks a send against the account's configuration, in this order:
// the app, the template (one of the app's), the flow, the orderId, then
// admit's checks; and sends the code.
func (sv *service) send(cfg serviceConfig, req sendRequest) (sendAnswer, error) {
	now := sv.tick(cfg)
	app, found := cfg.app(req.AppID)
	if !found {
		return sendAnswer{}, refuse(codeParameter, "appId %q does not exist in this account", req.AppID)
	}
	text, vc, sender := defaultText, defaultVoice, ""
	var tpl Template
	if req.TemplateID != 0 {
		if tpl, found = cfg.template(req.TemplateID); !found {
			return sendAnswer{}, refuse(codeParameter, "templateId %d does not exist in this account", req.TemplateID)
		}
		if tpl.AppID != app.AppID {
			return sendAnswer{}, refuse(codeParameter, "templateId %d belongs to appId %q, not %q", req.TemplateID, tpl.AppID, app.AppID)
		}
		text, sender = tpl.Text, tpl.SenderID
		vc = voice{Language: tpl.Language, SpeechRate: tpl.SpeechRate, RepeatCnt: tpl.RepeatCnt, MaxDuration: tpl.MaxDuration}
	}
	var nodes []Node
	if req.FlowID != 0 {
		f, found := cfg.flow(req.FlowID)
		if !found {
			return sendAnswer{}, refuse(codeParameter, "flowId %d does not exist in this account", req.FlowID)
		}
		nodes = f.Flow
	}
	if prev := sv.orders[req.OrderID]; req.OrderID != "" && len(prev) > 0 {
		return sendAnswer{}, refuse(codeExisting, "orderId %q was already used, by verificationId %s", req.OrderID, prev[0].ID)
	}
	code := req.Code
	if req.via == viaSend {
		code = sv.makeCode(tpl.CodeType, tpl.CodeLength)
	}
	text = strings.ReplaceAll(text, codePlaceholder, code)
	if err := sv.admit(app, req.To, text, now); err != nil {
		return sendAnswer{}, err
	}
	v := &verification{
		Via: req.via, AppID: app.AppID, TemplateID: req.TemplateID, FlowID: req.FlowID, To: req.To, OrderID: req.OrderID,
		Code: code, Text: text, Voice: vc, Sender: sender, Created: now,
		ExpiresAt: now.Add(time.Duration(app.CodeExpiry) * time.Minute),
		Nodes:     append([]Node(nil), nodes...),
	}
	sv.prepare(v, req.Channel, req.snaBase, now)
	if err := sv.persist(v); err != nil {
		return sendAnswer{}, err
	}
	sv.limits.count(app, req.To, now)
	sv.insert(v)
	return answerOf(v), nil
}

// prepare gives a new verification its id, its first attempt and its flow,
// outside the service's indexes (insert puts it in).
func (sv *service) prepare(v *verification, channel, snaBase string, now time.Time) {
	v.ID = sv.hooks.ids.next(now)
	sv.seq++
	v.Seq = sv.seq
	if channel == channelSNA {
		var b [16]byte
		for i := range 2 {
			binary.LittleEndian.PutUint64(b[i*8:], sv.rng.Uint64())
		}
		v.SNAToken = hex.EncodeToString(b[:])
		v.SNAURL = snaBase + snaPath + v.SNAToken
	}
	if len(v.Nodes) > 0 {
		v.NextAt = now.Add(time.Duration(v.Nodes[0].WaitingTime) * time.Second)
	}
	sv.newAttempt(v, 0, channel, now)
}

// insert puts a prepared verification in the service's indexes.
func (sv *service) insert(v *verification) {
	sv.verifs[v.ID] = v
	sv.byAge = append(sv.byAge, v)
	sv.index(v)
	sv.announce(v.last())
}

// index puts a verification in the indexes by sna token, by orderId, and
// of the flow steps to run.
func (sv *service) index(v *verification) {
	if v.SNAToken != "" {
		sv.sna[v.SNAToken] = v
	}
	if v.OrderID != "" {
		sv.orders[v.OrderID] = append(sv.orders[v.OrderID], v)
	}
	if v.Next < len(v.Nodes) {
		sv.due.add(v)
	}
}

// persist writes a verification's state before it is acknowledged.
func (sv *service) persist(v *verification) error {
	if sv.hooks.save == nil {
		return nil
	}
	return sv.hooks.save(v)
}

// snaPath is where the sandbox serves sna URLs, off the vendor prefix: the
// phone fetches it, unsigned.
const snaPath = "/sna/"

// admit applies what the vendor checks of every send besides its fields,
// in this order: sensitive words (-29), the app's limit (-27), the
// number's limit (-28), the fee (-26), the balance (-10). The caller counts
// the send in the limits once it is made.
func (sv *service) admit(app App, to, text string, now time.Time) error {
	lower := strings.ToLower(text)
	for _, w := range sv.settings.SensitiveWords {
		if strings.Contains(lower, strings.ToLower(w)) {
			return refuse(codeSensitive, "the text contains the sensitive word %q", w)
		}
	}
	if err := sv.limits.check(app, to, now); err != nil {
		return err
	}
	if sv.settings.FeeFailure {
		return refuse(codeFee, "the sandbox's settings say so (feeFailure)")
	}
	if sv.settings.InsufficientBalance {
		return refuse(codeBalance, "the sandbox's settings say so (insufficientBalance)")
	}
	return nil
}

// codeAlphabets are the characters of each codeType: 1 numeric, 2 alpha,
// 3 alphanumeric, 4 hex. Letters are capitals; a check ignores case.
var codeAlphabets = map[int]string{
	1: "0123456789",
	2: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	3: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	4: "0123456789ABCDEF",
}

func (sv *service) makeCode(codeType, length int) string {
	alphabet := codeAlphabets[codeType]
	b := make([]byte, length)
	for i := range b {
		b[i] = alphabet[sv.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// newAttempt sends the code once more, by channel, at at: the network
// decides its outcome now.
func (sv *service) newAttempt(v *verification, step int, channel string, at time.Time) *attempt {
	out, _ := sv.network.outcome(v.To)
	failed, delay := out.result(channel)
	sv.seq++
	a := &attempt{Seq: sv.seq, Step: step, Channel: channel, At: at, Failed: failed, Delay: delay, v: v}
	v.Attempts = append(v.Attempts, a)
	return a
}

// announce puts an attempt of a kept verification in the message log,
// logs it, and wakes the waits on the messages.
func (sv *service) announce(a *attempt) {
	sv.log = append(sv.log, a)
	sv.attempts++
	sv.hooks.logger.Info("code sent", "to", a.v.To, "channel", a.Channel, "code", a.v.Code, "step", a.Step,
		"verificationId", a.v.ID, "outcome", a.outcome(a.At))
	close(sv.changed)
	sv.changed = make(chan struct{})
	sv.retain(a.v)
}

// saved writes what no client is answered about; a failure is logged.
func (sv *service) saved(v *verification) {
	if sv.hooks.save == nil {
		return
	}
	if err := sv.hooks.save(v); err != nil {
		sv.hooks.logger.Error("saving a verification failed", "verificationId", v.ID, "error", err)
	}
}

// retain forgets the oldest verifications, whole, while the account holds
// more attempts than its retention; keep (the one just sent) stays.
func (sv *service) retain(keep *verification) {
	for sv.attempts > sv.retention && sv.ageHead < len(sv.byAge) {
		oldest := sv.byAge[sv.ageHead]
		if oldest == keep {
			break
		}
		sv.byAge[sv.ageHead] = nil
		sv.ageHead++
		sv.drop(oldest)
	}
	if sv.ageHead > 64 && sv.ageHead >= len(sv.byAge)/2 {
		sv.byAge = append(sv.byAge[:0], sv.byAge[sv.ageHead:]...)
		sv.ageHead = 0
	}
	// The forgotten attempts are mostly the oldest, at the head of the
	// log: let go of them at once, so that memory stays flat; the few left
	// in the middle (flow steps of old verifications) when they add up.
	for sv.logHead < len(sv.log) && sv.log[sv.logHead].v.gone {
		sv.log[sv.logHead] = nil
		sv.logHead++
		sv.logGone--
	}
	if sv.logHead > 64 && sv.logHead >= len(sv.log)/2 {
		sv.log = append(sv.log[:0], sv.log[sv.logHead:]...)
		clear(sv.log[len(sv.log):cap(sv.log)])
		sv.logHead = 0
	}
	if sv.logGone > 64 && sv.logGone >= (len(sv.log)-sv.logHead)/2 {
		kept := sv.log[:0]
		for _, a := range sv.log[sv.logHead:] {
			if !a.v.gone {
				kept = append(kept, a)
			}
		}
		clear(sv.log[len(kept):])
		sv.log, sv.logHead, sv.logGone = kept, 0, 0
	}
}

// drop forgets a verification: its id then answers as an unknown one, and
// its orderId may be used again.
func (sv *service) drop(v *verification) {
	v.gone = true
	delete(sv.verifs, v.ID)
	if v.SNAToken != "" {
		delete(sv.sna, v.SNAToken)
	}
	if v.OrderID != "" {
		rest := sv.orders[v.OrderID][:0]
		for _, o := range sv.orders[v.OrderID] {
			if o != v {
				rest = append(rest, o)
			}
		}
		if len(rest) == 0 {
			delete(sv.orders, v.OrderID)
		} else {
			sv.orders[v.OrderID] = rest
		}
	}
	sv.attempts -= len(v.Attempts)
	sv.logGone += len(v.Attempts)
	if v.Next < len(v.Nodes) {
		sv.due.live--
	}
	if sv.hooks.forget != nil {
		if err := sv.hooks.forget(v); err != nil {
			sv.hooks.logger.Error("saving a forgotten verification failed", "verificationId", v.ID, "error", err)
		}
	}
}

// runDue runs, in due-time order, every flow step due at or before now,
// each at its own due time; steps due at the same instant run in the order
// their verifications were made. It returns how many steps ran.
func (sv *service) runDue(cfg serviceConfig, now time.Time) int {
	ran := 0
	for {
		v := sv.due.popDue(now)
		if v == nil {
			return ran
		}
		sv.step(cfg, v)
		ran++
	}
}

// step runs a verification's next flow node at its due time: nothing once
// the code was checked successfully, replaced by a resend or expired (the
// flow ends); otherwise a send by the node's channel (channelCut 1: the
// last attempt's) when its trigger holds: status 1, the last attempt
// failed; status 2, the code is not checked successfully yet.
func (sv *service) step(cfg serviceConfig, v *verification) {
	at := v.NextAt
	n := v.Next
	node := v.Nodes[n]
	if v.verified() || v.expired(at) {
		sv.endFlow(v)
		return
	}
	last := v.last()
	trigger := node.Status == 2 || last.outcome(at) == outcomeFailed
	if trigger {
		channel := node.Channel
		if node.ChannelCut == 1 && last.Channel != channelSNA {
			channel = last.Channel
		}
		app, found := cfg.app(v.AppID)
		var err error
		if !found {
			err = fmt.Errorf("appId %q no longer exists", v.AppID)
		} else {
			err = sv.admit(app, v.To, v.Text, at)
		}
		if err != nil {
			sv.hooks.logger.Info("flow step not sent", "to", v.To, "verificationId", v.ID, "step", n+1, "reason", err.Error())
		} else {
			sv.limits.count(app, v.To, at)
			sv.announce(sv.newAttempt(v, n+1, channel, at))
		}
	}
	v.Next = n + 1
	if v.Next < len(v.Nodes) {
		v.NextAt = at.Add(time.Duration(v.Nodes[v.Next].WaitingTime) * time.Second)
	}
	sv.saved(v)
	sv.reschedule(v)
}

// reschedule queues the verification's next node, or ends its flow.
func (sv *service) reschedule(v *verification) {
	if v.gone {
		return
	}
	if v.Next < len(v.Nodes) {
		sv.due.add(v)
		return
	}
	v.NextAt = time.Time{}
}

func (sv *service) endFlow(v *verification) {
	v.Next = len(v.Nodes)
	v.NextAt = time.Time{}
	sv.saved(v)
}

// verifyAnswer is the data of a check.
type verifyAnswer struct {
	VerificationID string  `json:"verificationId"`
	To             *string `json:"to"`
	Channel        *string `json:"channel"`
	Matched        int     `json:"matched"`
}

// verify checks a code: 3 for an unknown id, 4 once checked successfully
// (whatever the code), 5 once expired or replaced by a resend (whatever the
// code), 2 for a wrong code (the verification stays open: no attempt
// limit), 0 for the right one, letters in any case.
func (sv *service) verify(cfg serviceConfig, id, code string) (verifyAnswer, error) {
	now := sv.tick(cfg)
	v := sv.verifs[id]
	if v == nil {
		return verifyAnswer{VerificationID: id, Matched: matchedUnknown}, nil
	}
	ans := checkAnswer(v)
	switch {
	case v.verified():
		ans.Matched = matchedUsed
		return ans, nil
	case v.expired(now):
		ans.Matched = matchedExpired
	case !strings.EqualFold(code, v.Code):
		ans.Matched = matchedWrong
	default:
		ans.Matched = matchedOK
		return ans, sv.complete(v, now)
	}
	if !v.Checked {
		v.Checked = true
		sv.saved(v)
	}
	return ans, nil
}

// checkAnswer is a check's answer about v, with copies of its fields: the
// answer is written after the lock is released.
func checkAnswer(v *verification) verifyAnswer {
	to, channel := v.To, v.last().Channel
	return verifyAnswer{VerificationID: v.ID, To: &to, Channel: &channel}
}

// complete marks a verification checked successfully, once that is
// written; its flow ends.
func (sv *service) complete(v *verification, now time.Time) error {
	done := *v
	done.VerifiedAt, done.Next, done.NextAt = now, len(v.Nodes), time.Time{}
	if err := sv.persist(&done); err != nil {
		return err
	}
	if v.Next < len(v.Nodes) {
		sv.due.live--
	}
	v.VerifiedAt, v.Next, v.NextAt = now, len(v.Nodes), time.Time{}
	return nil
}

// resend sends a verification's code again under a new verificationId,
// which the answer gives; the expiry restarts (the app's codeExpiry now),
// the old id then answers matched 5, and its flow ends (the new id has
// none). Refused for an unknown id, one checked successfully, and one
// already replaced (name the newest).
func (sv *service) resend(cfg serviceConfig, id, channel, snaBase string) (sendAnswer, error) {
	now := sv.tick(cfg)
	old := sv.verifs[id]
	switch {
	case old == nil:
		return sendAnswer{}, refuse(codeParameter, "verificationId %s does not exist", id)
	case old.verified():
		return sendAnswer{}, refuse(codeParameter, "verificationId %s was already checked successfully: send a new code instead", id)
	case old.SupersededBy != "":
		return sendAnswer{}, refuse(codeParameter, "verificationId %s was replaced by the resend %s: resend the newest one", id, old.SupersededBy)
	}
	app, found := cfg.app(old.AppID)
	if !found {
		return sendAnswer{}, refuse(codeParameter, "appId %q of verificationId %s no longer exists", old.AppID, id)
	}
	if err := sv.admit(app, old.To, old.Text, now); err != nil {
		return sendAnswer{}, err
	}
	v := &verification{
		Via: viaResend, AppID: old.AppID, TemplateID: old.TemplateID, To: old.To, OrderID: old.OrderID,
		Code: old.Code, Text: old.Text, Voice: old.Voice, Sender: old.Sender, Created: now,
		ExpiresAt: now.Add(time.Duration(app.CodeExpiry) * time.Minute), ResendOf: old.ID,
	}
	sv.prepare(v, channel, snaBase, now)
	if err := sv.persist(v); err != nil {
		return sendAnswer{}, err
	}
	sv.limits.count(app, old.To, now)
	if old.Next < len(old.Nodes) {
		sv.due.live--
	}
	old.Next, old.NextAt, old.SupersededBy = len(old.Nodes), time.Time{}, v.ID
	sv.insert(v)
	sv.saved(old)
	return answerOf(v), nil
}

// completeSNA is a phone fetching an sna URL: it completes the
// verification (matched 0), once, while the code is valid.
func (sv *service) completeSNA(cfg serviceConfig, token string) (verifyAnswer, bool, error) {
	now := sv.tick(cfg)
	v := sv.sna[token]
	if v == nil {
		return verifyAnswer{}, false, nil
	}
	ans := checkAnswer(v)
	switch {
	case v.verified():
		ans.Matched = matchedUsed
	case v.expired(now):
		ans.Matched = matchedExpired
	default:
		return ans, true, sv.complete(v, now)
	}
	return ans, true, nil
}

// dueQueue orders the verifications whose flow has a node to run by its
// due time, then by creation. Entries go stale when a verification's flow
// ends early (checked, replaced, forgotten); they are skipped when popped,
// and the queue is rebuilt when they outnumber the live ones.
type dueQueue struct {
	items []dueItem
	live  int
}

type dueItem struct {
	at  time.Time
	seq int64
	v   *verification
}

func (q *dueQueue) Len() int { return len(q.items) }
func (q *dueQueue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.seq < b.seq
}
func (q *dueQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *dueQueue) Push(x any)    { q.items = append(q.items, x.(dueItem)) }
func (q *dueQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items[len(q.items)-1] = dueItem{}
	q.items = q.items[:len(q.items)-1]
	return last
}

func (q *dueQueue) stale(it dueItem) bool {
	v := it.v
	return v.gone || v.Next >= len(v.Nodes) || !v.NextAt.Equal(it.at)
}

// add queues v's next node (v.NextAt).
func (q *dueQueue) add(v *verification) {
	heap.Push(q, dueItem{at: v.NextAt, seq: v.Seq, v: v})
	q.live++
	if len(q.items) > 2*q.live+64 {
		kept := q.items[:0]
		for _, it := range q.items {
			if !q.stale(it) {
				kept = append(kept, it)
			}
		}
		clear(q.items[len(kept):])
		q.items = kept
		heap.Init(q)
	}
}

// popDue takes the first verification whose next node is due at or before
// now, or nil.
func (q *dueQueue) popDue(now time.Time) *verification {
	for len(q.items) > 0 {
		top := q.items[0]
		if q.stale(top) {
			heap.Pop(q)
			continue
		}
		if top.at.After(now) {
			return nil
		}
		heap.Pop(q)
		q.live--
		return top.v
	}
	return nil
}

// next is the due time of the first live entry.
func (q *dueQueue) next() (time.Time, bool) {
	for len(q.items) > 0 {
		if top := q.items[0]; !q.stale(top) {
			return top.at, true
		}
		heap.Pop(q)
	}
	return time.Time{}, false
}
