package engine

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The OTP service's rules, on the engine alone: a configuration in maps, a
// clock the test moves. The routes are tested in service_test.go.

type fakeConfig struct {
	apps      map[string]App
	templates map[int64]Template
	flows     map[int64][]Node
}

func (c *fakeConfig) App(id string) (App, bool)          { a, ok := c.apps[id]; return a, ok }
func (c *fakeConfig) Template(id int64) (Template, bool) { t, ok := c.templates[id]; return t, ok }
func (c *fakeConfig) Flow(id int64) ([]Node, bool)       { f, ok := c.flows[id]; return f, ok }

// start is the engine tests' real time: 2026-03-01 12:00:00 UTC, 20:00 at +08:00.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type svcEnv struct {
	t     *testing.T
	real  time.Time
	sv    *Service
	cfg   *fakeConfig
	logs  bytes.Buffer
	ids   IDs
	clock *Clock
	// saved are the changes saved so far; failSave makes the next saves
	// fail.
	saved    []Change
	failSave error
}

const (
	testApp      = "AppOne01"
	testTemplate = 20001
	testFlow     = 10001
	delivered    = "4915100000001" // delivers everything
	smsFails     = "9991000000001"
	callFails    = "9992000000001"
	bothFail     = "9993000000001"
	slow         = "9994000000001"
)

func newSvcEnv(t *testing.T, retention int) *svcEnv {
	t.Helper()
	e := &svcEnv{t: t, real: start}
	e.cfg = &fakeConfig{
		apps: map[string]App{testApp: {ID: testApp, CodeExpiry: 5 * time.Minute}},
		templates: map[int64]Template{testTemplate: {
			ID: testTemplate, AppID: testApp, Text: "##code## is your code", CodeType: 1, CodeLength: 6,
			Voice: Voice{SpeechRate: 40, Language: "DE", MaxDuration: 30, RepeatCnt: 2}, Sender: "Shop",
		}},
		flows: map[int64][]Node{},
	}
	e.sv = e.service(retention)
	return e
}

// service makes a service on the env's clock, ids and saves, as a restart
// would on the same state file.
func (e *svcEnv) service(retention int) *Service {
	e.clock = NewClock(func() time.Time { return e.real })
	o := Options{
		Clock: e.clock, IDs: &e.ids, Logger: slog.New(slog.NewTextHandler(&e.logs, nil)), SNABase: "http://sandbox",
		Save: func(cs []Change) error {
			if e.failSave != nil {
				return e.failSave
			}
			e.saved = append(e.saved, cs...)
			return nil
		},
	}
	if retention > 0 {
		o.Retention = func() int { return retention }
	}
	return New(o)
}

func limitOf(limit int64, unit, period int) Limit {
	return Limit{Enabled: true, Unit: unit, Period: period, Max: limit}
}

func (e *svcEnv) editApp(edit func(*App)) {
	a := e.cfg.apps[testApp]
	edit(&a)
	e.cfg.apps[testApp] = a
}

func (e *svcEnv) editTemplate(edit func(*Template)) {
	tpl := e.cfg.templates[testTemplate]
	edit(&tpl)
	e.cfg.templates[testTemplate] = tpl
}

func (e *svcEnv) setFlow(nodes ...Node) { e.cfg.flows[testFlow] = nodes }

func (e *svcEnv) req(to string) SendRequest {
	return SendRequest{AppID: testApp, TemplateID: testTemplate, To: to, Channel: ChannelSMS}
}

func (e *svcEnv) trySend(r SendRequest) (SendAnswer, error) { return e.sv.Send(e.cfg, r) }

func (e *svcEnv) send(r SendRequest) SendAnswer {
	e.t.Helper()
	a, err := e.trySend(r)
	if err != nil {
		e.t.Fatalf("send %+v: %v", r, err)
	}
	return a
}

func (e *svcEnv) sendTo(to string) SendAnswer { e.t.Helper(); return e.send(e.req(to)) }

func (e *svcEnv) withFlow(to string) SendAnswer {
	e.t.Helper()
	r := e.req(to)
	r.FlowID = testFlow
	return e.send(r)
}

// code reads the code of a verification from the message log, as a test
// of an application would.
func (e *svcEnv) code(id string) string {
	e.t.Helper()
	ms := e.messages(MessageFilter{VerificationID: id})
	if len(ms) == 0 {
		e.t.Fatalf("no message for %s", id)
	}
	return ms[0].Code
}

func (e *svcEnv) check(id, code string) int {
	e.t.Helper()
	return e.verify(id, code).Matched
}

func (e *svcEnv) verify(id, code string) VerifyAnswer {
	e.t.Helper()
	a, err := e.sv.Verify(e.cfg, id, code)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *svcEnv) fetchSNA(token string) (VerifyAnswer, bool) {
	e.t.Helper()
	a, found, err := e.sv.CompleteSNA(e.cfg, token)
	if err != nil {
		e.t.Fatal(err)
	}
	return a, found
}

// wait moves real time (not the offset), as the sandbox's default clock does.
func (e *svcEnv) wait(d time.Duration) { e.real = e.real.Add(d) }

func (e *svcEnv) advance(d time.Duration) int {
	e.t.Helper()
	n, err := e.sv.Advance(e.cfg, d)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *svcEnv) messages(f MessageFilter) []Message {
	e.t.Helper()
	ms, err := e.sv.Messages(e.cfg, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

func (e *svcEnv) record(id string) RecordAnswer {
	e.t.Helper()
	r, err := e.sv.Record(e.cfg, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *svcEnv) resend(id, channel string) (SendAnswer, error) {
	return e.sv.Resend(e.cfg, id, channel)
}

func (e *svcEnv) orderRecord(appID, orderID string) (OrderRecordAnswer, error) {
	return e.sv.OrderRecord(e.cfg, appID, orderID)
}

// steps summarises a verification's messages: "0 sms delivered +0s", ...
func (e *svcEnv) steps(id string) string {
	var out []string
	var first time.Time
	for i, m := range e.messages(MessageFilter{VerificationID: id}) {
		at, err := time.Parse(time.RFC3339Nano, m.At)
		if err != nil {
			e.t.Fatal(err)
		}
		if i == 0 {
			first = at
		}
		out = append(out, fmt.Sprintf("%d %s %s +%s", m.Step, m.Channel, m.Outcome, at.Sub(first)))
	}
	return strings.Join(out, ", ")
}

func refusalCode(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	return fmt.Sprintf("not a refusal: %v", err)
}

func TestCodeFollowsTheTemplate(t *testing.T) {
	patterns := map[int]string{1: `[0-9]`, 2: `[A-Z]`, 3: `[0-9A-Z]`, 4: `[0-9A-F]`}
	for codeType := 1; codeType <= 4; codeType++ {
		for _, length := range []int{4, 7, 10} {
			e := newSvcEnv(t, 0)
			e.editTemplate(func(tpl *Template) {
				tpl.CodeType, tpl.CodeLength = codeType, length
				tpl.Text = "Code ##code##. Again: ##code##"
			})
			seen := map[string]bool{}
			for range 30 {
				id := e.sendTo(delivered).VerificationID
				m := e.messages(MessageFilter{VerificationID: id})[0]
				re := regexp.MustCompile(fmt.Sprintf(`^%s{%d}$`, patterns[codeType], length))
				if !re.MatchString(m.Code) {
					t.Fatalf("codeType %d, codeLength %d: code %q", codeType, length, m.Code)
				}
				if want := "Code " + m.Code + ". Again: " + m.Code; m.Text != want {
					t.Fatalf("text %q, want %q", m.Text, want)
				}
				seen[m.Code] = true
			}
			if len(seen) < 20 {
				t.Fatalf("codeType %d, codeLength %d: only %d different codes in 30 sends", codeType, length, len(seen))
			}
		}
	}
}

func TestVerifyMatched(t *testing.T) {
	e := newSvcEnv(t, 0)
	id := e.sendTo(delivered).VerificationID
	code := e.code(id)
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	if m := e.check(id, wrong); m != MatchedWrong {
		t.Fatalf("wrong code: matched %d, want 2", m)
	}
	if m := e.check(id, wrong); m != MatchedWrong {
		t.Fatalf("wrong code again: matched %d, want 2 (no attempt limit)", m)
	}
	if m := e.check(id, code); m != MatchedOK {
		t.Fatalf("right code after wrong ones: matched %d, want 0 (the verification stays open)", m)
	}
	if m := e.check(id, code); m != MatchedUsed {
		t.Fatalf("right code again: matched %d, want 4", m)
	}
	if m := e.check(id, wrong); m != MatchedUsed {
		t.Fatalf("wrong code after success: matched %d, want 4", m)
	}
	if a := e.verify("22603012000009999999", code); a.Matched != MatchedUnknown || a.To != nil || a.Channel != nil {
		t.Fatalf("unknown id: %+v, want matched 3 with null to and channel", a)
	}
	if a := e.verify(id, code); *a.To != delivered || *a.Channel != ChannelSMS {
		t.Fatalf("answer %+v does not name the number and channel", a)
	}
}

func TestVerifyIgnoresTheCaseOfLetters(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.editTemplate(func(tpl *Template) { tpl.CodeType = 2 })
	id := e.sendTo(delivered).VerificationID
	if m := e.check(id, strings.ToLower(e.code(id))); m != MatchedOK {
		t.Fatalf("lower-case code: matched %d", m)
	}
}

func TestExpiry(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.editApp(func(a *App) { a.CodeExpiry = 2 * time.Minute })
	first := e.sendTo(delivered).VerificationID
	second := e.sendTo(delivered).VerificationID
	// A change of codeExpiry applies to the next sends, not to codes sent.
	e.editApp(func(a *App) { a.CodeExpiry = 10 * time.Minute })
	third := e.sendTo(delivered).VerificationID
	e.advance(2*time.Minute - time.Second)
	if m := e.check(first, e.code(first)); m != MatchedOK {
		t.Fatalf("a second before expiry: matched %d, want 0", m)
	}
	e.advance(time.Second)
	if m := e.check(second, e.code(second)); m != MatchedExpired {
		t.Fatalf("at codeExpiry: matched %d, want 5", m)
	}
	if m := e.check(second, "000000"); m != MatchedExpired {
		t.Fatalf("wrong code after expiry: matched %d, want 5", m)
	}
	if m := e.check(third, e.code(third)); m != MatchedOK {
		t.Fatalf("a code sent after codeExpiry became 10: matched %d, want 0 at 2 minutes", m)
	}
	// Real time counts the same way as an advance.
	fourth := e.sendTo(delivered).VerificationID
	e.wait(10 * time.Minute)
	if m := e.check(fourth, e.code(fourth)); m != MatchedExpired {
		t.Fatalf("ten minutes of real time: matched %d, want 5", m)
	}
}

func TestVerificationIDShape(t *testing.T) {
	e := newSvcEnv(t, 0)
	a, b := e.sendTo(delivered).VerificationID, e.sendTo(delivered).VerificationID
	// 2 + yyMMddHHmmss at +08:00 + 7 digits.
	if a != "22603012000000000001" || b != "22603012000000000002" {
		t.Fatalf("ids %s, %s", a, b)
	}
	var g IDs
	g.observe("22603012000000001234")
	if id := g.next(start); id != "22603012000000001235" {
		t.Fatalf("after observing 1234: %s", id)
	}
}

func TestSendChecksReferences(t *testing.T) {
	e := newSvcEnv(t, 0)
	other := e.cfg.templates[testTemplate]
	other.ID, other.AppID = 20002, "AppTwo02"
	e.cfg.templates[20002] = other
	e.cfg.apps["AppTwo02"] = App{ID: "AppTwo02", CodeExpiry: 5 * time.Minute}
	for _, c := range []struct {
		edit func(*SendRequest)
		want string
	}{
		{func(r *SendRequest) { r.AppID = "Missing1" }, `-22 appId "Missing1" does not exist`},
		{func(r *SendRequest) { r.TemplateID = 29999 }, `-22 templateId 29999 does not exist`},
		{func(r *SendRequest) { r.TemplateID = 20002 }, `-22 templateId 20002 belongs to appId "AppTwo02", not "AppOne01"`},
		{func(r *SendRequest) { r.FlowID = 19999 }, `-22 flowId 19999 does not exist`},
	} {
		r := e.req(delivered)
		c.edit(&r)
		_, err := e.trySend(r)
		var ref *Refusal
		if !errors.As(err, &ref) || !strings.HasPrefix(ref.Code+" "+ref.Detail, c.want) {
			t.Errorf("got %v, want %s", err, c.want)
		}
	}
	if n := len(e.messages(MessageFilter{})); n != 0 {
		t.Fatalf("refused sends left %d messages", n)
	}
}

func TestSendLimits(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.editApp(func(a *App) {
		a.TotalLimit = limitOf(5, 2, 1)  // 5 an hour
		a.PhoneLimit = limitOf(2, 3, 10) // 2 in 10 minutes to one number
	})
	e.sendTo("4915100000001")
	e.wait(time.Minute)
	e.sendTo("4915100000001")
	if _, err := e.trySend(e.req("4915100000001")); refusalCode(err) != CodePhoneLimit {
		t.Fatalf("third send to one number: %v, want -28", err)
	}
	// The window slides: ten minutes after the first send, it no longer counts.
	e.advance(9*time.Minute - time.Second)
	if _, err := e.trySend(e.req("4915100000001")); refusalCode(err) != CodePhoneLimit {
		t.Fatalf("a second before the first send leaves the window: %v, want -28", err)
	}
	e.advance(time.Second)
	e.sendTo("4915100000001") // 3 of the app's 5
	// Refused sends did not count: the app has 3 sends, not 5.
	e.sendTo("4915100000002")
	e.sendTo("4915100000003")
	_, err := e.trySend(e.req("4915100000004"))
	if refusalCode(err) != CodeTotalLimit || !strings.Contains(err.Error(), "5 sends in 1 hour already") {
		t.Fatalf("sixth send of the app: %v, want -27 saying 5 sends in 1 hour", err)
	}
	// -27 is checked before -28.
	if _, err := e.trySend(e.req("4915100000001")); refusalCode(err) != CodeTotalLimit {
		t.Fatalf("a send over both limits: %v, want -27", err)
	}
	// Disabled, a limit counts nothing; enabled again, it starts afresh.
	e.editApp(func(a *App) { a.TotalLimit = Limit{} })
	e.sendTo("4915100000005")
	e.editApp(func(a *App) { a.TotalLimit = limitOf(1, 2, 1) })
	e.sendTo("4915100000006")
	if _, err := e.trySend(e.req("4915100000007")); refusalCode(err) != CodeTotalLimit {
		t.Fatalf("after re-enabling with limit 1: %v, want -27", err)
	}
	// A raised limit takes effect at once.
	e.editApp(func(a *App) { a.TotalLimit = limitOf(2, 2, 1) })
	e.sendTo("4915100000007")
}

func TestEverySendCountsInTheLimits(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.editApp(func(a *App) { a.PhoneLimit = limitOf(4, 1, 1) })
	e.setFlow(Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS})
	id := e.withFlow(delivered).VerificationID // 1
	e.advance(30 * time.Second)                // the flow step: 2
	r := e.req(delivered)
	r.Rule, r.Code, r.TemplateID = true, "4321", 0
	e.send(r)                                           // 3
	if _, err := e.resend(id, ChannelSMS); err != nil { // 4
		t.Fatal(err)
	}
	if _, err := e.trySend(e.req(delivered)); refusalCode(err) != CodePhoneLimit {
		t.Fatalf("after a send, a flow step, a sendRule and a resend: %v, want -28", err)
	}
	if _, err := e.resend(e.messages(MessageFilter{})[3].VerificationID, ChannelSMS); refusalCode(err) != CodePhoneLimit {
		t.Fatalf("a resend over the limit: %v, want -28", err)
	}
	// A flow step over the limit sends nothing, and says so in the log.
	e.setFlow(Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS}, Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS})
	e.editApp(func(a *App) { a.PhoneLimit = limitOf(2, 1, 1) })
	id = e.withFlow("4915100000009").VerificationID
	e.advance(60 * time.Second)
	if got := e.steps(id); got != "0 sms delivered +0s, 1 sms delivered +30s" {
		t.Fatalf("steps %s", got)
	}
	if !strings.Contains(e.logs.String(), `msg="flow step not sent" to=4915100000009 verificationId=`+id+` step=2 reason="sandbox: periodPhoneSendLimit`) {
		t.Fatalf("no log line for the refused step:\n%s", e.logs.String())
	}
}

func TestFlowSteps(t *testing.T) {
	nodes := []Node{
		{WaitingTime: 60, Status: 1, Channel: ChannelCall},               // call when the SMS failed
		{WaitingTime: 30, Status: 2, Channel: ChannelSMS},                // then SMS while not checked
		{WaitingTime: 45, Status: 2, Channel: ChannelSMS, ChannelCut: 1}, // keep the last channel
	}
	for _, c := range []struct {
		name, to, want string
	}{
		{"the SMS fails: every step", smsFails, "0 sms failed +0s, 1 call answered +1m0s, 2 sms failed +1m30s, 3 sms failed +2m15s"},
		{"the SMS arrives: no call", delivered, "0 sms delivered +0s, 2 sms delivered +1m30s, 3 sms delivered +2m15s"},
		// At 1 minute the SMS is still on its way: not failed, so no call.
		{"slow: still sending is not failed", slow, "0 sms delivered +0s, 2 sms delivered +1m30s, 3 sms delivered +2m15s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newSvcEnv(t, 0)
			e.setFlow(nodes...)
			id := e.withFlow(c.to).VerificationID
			if n := e.advance(59 * time.Second); n != 0 {
				t.Fatalf("%d steps ran before the first was due", n)
			}
			if n := e.advance(5 * time.Minute); n != 3 {
				t.Fatalf("an advance across three steps ran %d", n)
			}
			if got := e.steps(id); got != c.want {
				t.Fatalf("steps\n%s\nwant\n%s", got, c.want)
			}
			// Every step carries the code of the send, under its id.
			for _, m := range e.messages(MessageFilter{To: c.to}) {
				if m.VerificationID != id || m.Code != e.code(id) || m.FlowID == nil || *m.FlowID != testFlow {
					t.Fatalf("step %+v", m)
				}
			}
		})
	}
	t.Run("channelCut 1 keeps the previous attempt's channel", func(t *testing.T) {
		e := newSvcEnv(t, 0)
		e.setFlow(Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS, ChannelCut: 1}, Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS})
		r := e.req(delivered)
		r.FlowID, r.Channel = testFlow, ChannelCall
		id := e.send(r).VerificationID
		e.advance(time.Minute)
		if got, want := e.steps(id), "0 call answered +0s, 1 call answered +30s, 2 sms delivered +1m0s"; got != want {
			t.Fatalf("steps %s, want %s", got, want)
		}
	})
}

func TestFlowEnds(t *testing.T) {
	nodes := []Node{{WaitingTime: 60, Status: 2, Channel: ChannelSMS}, {WaitingTime: 60, Status: 2, Channel: ChannelCall}}
	t.Run("on a successful check", func(t *testing.T) {
		e := newSvcEnv(t, 0)
		e.setFlow(nodes...)
		id := e.withFlow(delivered).VerificationID
		e.advance(time.Minute)
		if m := e.check(id, e.code(id)); m != MatchedOK {
			t.Fatalf("matched %d", m)
		}
		e.advance(time.Hour)
		if got := e.steps(id); got != "0 sms delivered +0s, 1 sms delivered +1m0s" {
			t.Fatalf("steps %s", got)
		}
	})
	t.Run("on a wrong check: no", func(t *testing.T) {
		e := newSvcEnv(t, 0)
		e.setFlow(nodes...)
		id := e.withFlow(delivered).VerificationID
		e.check(id, "wrong")
		e.advance(2 * time.Minute)
		if got := e.steps(id); got != "0 sms delivered +0s, 1 sms delivered +1m0s, 2 call answered +2m0s" {
			t.Fatalf("steps %s", got)
		}
	})
	t.Run("when the code expires", func(t *testing.T) {
		e := newSvcEnv(t, 0)
		e.editApp(func(a *App) { a.CodeExpiry = 2 * time.Minute })
		e.setFlow(nodes...)
		id := e.withFlow(delivered).VerificationID
		e.advance(time.Hour)
		// The second step falls due at 2 minutes, when the code expires.
		if got := e.steps(id); got != "0 sms delivered +0s, 1 sms delivered +1m0s" {
			t.Fatalf("steps %s", got)
		}
	})
	t.Run("a flow edited after the send does not change it", func(t *testing.T) {
		e := newSvcEnv(t, 0)
		e.setFlow(nodes...)
		id := e.withFlow(delivered).VerificationID
		e.setFlow(Node{WaitingTime: 30, Status: 2, Channel: ChannelCall})
		next := e.withFlow(delivered).VerificationID
		e.advance(2 * time.Minute)
		if got := e.steps(id); got != "0 sms delivered +0s, 1 sms delivered +1m0s, 2 call answered +2m0s" {
			t.Fatalf("steps %s", got)
		}
		if got := e.steps(next); got != "0 sms delivered +0s, 1 call answered +30s" {
			t.Fatalf("steps of the next send %s", got)
		}
	})
}

func TestFlowStepsRunInDueOrder(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.setFlow(Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS}, Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS})
	a := e.withFlow("4915100000001").VerificationID
	b := e.withFlow("4915100000002").VerificationID // due at the same instants as a
	e.wait(10 * time.Second)
	c := e.withFlow("4915100000003").VerificationID
	e.advance(2 * time.Minute)
	var order []string
	for _, m := range e.messages(MessageFilter{}) {
		order = append(order, fmt.Sprintf("%s/%d", m.To[len(m.To)-1:], m.Step))
	}
	// Same instant: in the order the verifications were made; a step due
	// earlier always first.
	if got, want := strings.Join(order, " "), "1/0 2/0 3/0 1/1 2/1 3/1 1/2 2/2 3/2"; got != want {
		t.Fatalf("order %s, want %s", got, want)
	}
	_ = a
	_ = b
	_ = c
	// Lazily, with real time: a step is run before anything that reads
	// the service, at its own due time.
	id := e.withFlow(delivered).VerificationID
	e.wait(95 * time.Second)
	if got := e.steps(id); got != "0 sms delivered +0s, 1 sms delivered +30s, 2 sms delivered +1m0s" {
		t.Fatalf("steps %s", got)
	}
}

func TestResend(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.setFlow(Node{WaitingTime: 60, Status: 2, Channel: ChannelSMS})
	r := e.req(delivered)
	r.FlowID, r.OrderID = testFlow, "order-1"
	old := e.send(r).VerificationID
	code := e.code(old)
	e.advance(4 * time.Minute) // one flow step
	ans, err := e.resend(old, ChannelCall)
	if err != nil {
		t.Fatal(err)
	}
	if ans.VerificationID == old || ans.Channel != ChannelCall || ans.To != delivered || ans.SNAURL != nil {
		t.Fatalf("resend answered %+v", ans)
	}
	if got := e.code(ans.VerificationID); got != code {
		t.Fatalf("resent code %s, want the same code %s", got, code)
	}
	// The expiry restarted: 4 minutes later the old code would have expired.
	e.advance(4 * time.Minute)
	if m := e.check(old, code); m != MatchedExpired {
		t.Fatalf("the old id after a resend: matched %d, want 5", m)
	}
	if got := e.steps(old); got != "0 sms delivered +0s, 1 sms delivered +1m0s" {
		t.Fatalf("the old flow went on after the resend: %s", got)
	}
	if _, err := e.resend(old, ChannelSMS); refusalCode(err) != CodeParameter || !strings.Contains(err.Error(), "replaced by the resend "+ans.VerificationID) {
		t.Fatalf("resending a replaced id: %v", err)
	}
	if m := e.check(ans.VerificationID, code); m != MatchedOK {
		t.Fatalf("the resent id: matched %d, want 0", m)
	}
	if _, err := e.resend(ans.VerificationID, ChannelSMS); refusalCode(err) != CodeParameter || !strings.Contains(err.Error(), "already checked successfully") {
		t.Fatalf("resending a checked id: %v", err)
	}
	if _, err := e.resend("22603012000009999999", ChannelSMS); refusalCode(err) != CodeParameter || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("resending an unknown id: %v", err)
	}
	// The order record lists every attempt of the order.
	rec, err := e.orderRecord(testApp, "order-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.SMS) != 2 || len(rec.Call) != 1 || rec.Call[0].VerificationID != ans.VerificationID || rec.Verifications.Matched != MatchedOK ||
		rec.FlowID == nil || *rec.FlowID != testFlow {
		t.Fatalf("order record %+v", rec)
	}
	// Resending after expiry is allowed: the same code, valid again.
	id := e.sendTo(delivered).VerificationID
	e.advance(time.Hour)
	again, err := e.resend(id, ChannelSMS)
	if err != nil {
		t.Fatal(err)
	}
	if m := e.check(again.VerificationID, e.code(id)); m != MatchedOK {
		t.Fatalf("resent after expiry: matched %d", m)
	}
}

func TestOrderID(t *testing.T) {
	e := newSvcEnv(t, 3)
	r := e.req(delivered)
	r.OrderID = "order-1"
	first := e.send(r).VerificationID
	if _, err := e.trySend(r); refusalCode(err) != CodeExisting || !strings.Contains(err.Error(), first) {
		t.Fatalf("a reused orderId: %v, want -20 naming %s", err, first)
	}
	rec, err := e.orderRecord(testApp, "order-2")
	if err != nil || rec.Verifications.Matched != MatchedUnknown || len(rec.SMS)+len(rec.Call)+len(rec.SNA) != 0 || rec.FlowID != nil {
		t.Fatalf("unknown order: %+v, %v", rec, err)
	}
	if _, err := e.orderRecord("Missing1", "order-1"); refusalCode(err) != CodeParameter {
		t.Fatalf("order record of an unknown app: %v", err)
	}
	e.cfg.apps["AppTwo02"] = App{ID: "AppTwo02", CodeExpiry: 5 * time.Minute}
	if rec, _ := e.orderRecord("AppTwo02", "order-1"); rec.Verifications.Matched != MatchedUnknown {
		t.Fatalf("an order of another app: %+v", rec)
	}
	// Once the order's verification is forgotten (retention 3), its
	// orderId may be used again.
	for range 3 {
		e.sendTo(delivered)
	}
	e.send(r)
}

func TestSendRule(t *testing.T) {
	e := newSvcEnv(t, 0)
	r := e.req(delivered)
	r.Rule, r.Code, r.TemplateID = true, "A1b", 0
	id := e.send(r).VerificationID
	m := e.messages(MessageFilter{VerificationID: id})[0]
	if m.Code != "A1b" || m.Text != "Your verification code is A1b." || m.Via != viaSendRule || m.TemplateID != nil {
		t.Fatalf("sendRule without a template: %+v", m)
	}
	r.TemplateID = testTemplate
	r.Channel = ChannelCall
	id = e.send(r).VerificationID
	m = e.messages(MessageFilter{VerificationID: id})[0]
	want := Voice{Language: "DE", SpeechRate: 40, RepeatCnt: 2, MaxDuration: 30}
	if m.Text != "A1b is your code" || m.Voice == nil || *m.Voice != want || m.Sender != "Shop" {
		t.Fatalf("sendRule with a template, by call: %+v", m)
	}
	if e.check(id, "a1B") != MatchedOK {
		t.Fatal("the caller's code does not check")
	}
}

func TestSNA(t *testing.T) {
	e := newSvcEnv(t, 0)
	r := e.req(delivered)
	r.Channel = ChannelSNA
	ans := e.send(r)
	if ans.SNAURL == nil || !regexp.MustCompile(`^http://sandbox/sna/[0-9a-f]{32}$`).MatchString(*ans.SNAURL) {
		t.Fatalf("snaUrl %v", ans.SNAURL)
	}
	token := strings.TrimPrefix(*ans.SNAURL, "http://sandbox/sna/")
	if rec := e.record(ans.VerificationID); len(rec.SNA) != 1 || rec.SNA[0].Status != -1 || rec.SMS != nil || rec.Call != nil {
		t.Fatalf("record before the fetch %+v", rec)
	}
	if a, found := e.fetchSNA(token); !found || a.Matched != MatchedOK {
		t.Fatalf("fetch: %+v %v", a, found)
	}
	if a, _ := e.fetchSNA(token); a.Matched != MatchedUsed {
		t.Fatalf("second fetch: %+v", a)
	}
	if rec := e.record(ans.VerificationID); rec.Verifications.Matched != MatchedOK || rec.SNA[0].Status != 0 || rec.SNA[0].DoneTime == nil {
		t.Fatalf("record after the fetch %+v", rec)
	}
	if _, found := e.fetchSNA("nope"); found {
		t.Fatal("an unknown token was found")
	}
	late := e.send(r)
	e.advance(5 * time.Minute)
	if a, _ := e.fetchSNA(strings.TrimPrefix(*late.SNAURL, "http://sandbox/sna/")); a.Matched != MatchedExpired {
		t.Fatalf("fetch after expiry: %+v", a)
	}
}

func TestSettings(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.editApp(func(a *App) { a.TotalLimit = limitOf(1, 1, 1) })
	e.sv.settings = Settings{InsufficientBalance: true, FeeFailure: true, SensitiveWords: []string{"IS YOUR"}}
	for _, want := range []string{CodeSensitive, CodeFee, CodeBalance} {
		_, err := e.trySend(e.req(delivered))
		if refusalCode(err) != want {
			t.Fatalf("got %v, want %s", err, want)
		}
		switch want {
		case CodeSensitive:
			if !strings.Contains(err.Error(), `sensitive word "IS YOUR"`) {
				t.Fatalf("reason %v", err)
			}
			e.sv.settings.SensitiveWords = nil
		case CodeFee:
			e.sv.settings.FeeFailure = false
		}
	}
	e.sv.settings.InsufficientBalance = false
	e.sendTo(delivered) // none of the refusals counted in the limit of 1
}

func TestNumbers(t *testing.T) {
	e := newSvcEnv(t, 0)
	for to, want := range map[string]string{
		delivered: "0 sms delivered +0s, 0 call answered +0s",
		smsFails:  "0 sms failed +0s, 0 call answered +0s",
		callFails: "0 sms delivered +0s, 0 call failed +0s",
		bothFail:  "0 sms failed +0s, 0 call failed +0s",
		slow:      "0 sms sending +0s, 0 call sending +0s",
	} {
		var got []string
		for _, ch := range []string{ChannelSMS, ChannelCall} {
			r := e.req(to)
			r.Channel = ch
			got = append(got, e.steps(e.send(r).VerificationID))
		}
		if strings.Join(got, ", ") != want {
			t.Errorf("%s: %s, want %s", to, strings.Join(got, ", "), want)
		}
	}
	// The slow range delivers once the clock passes its delay.
	id := e.messages(MessageFilter{To: slow})[0].VerificationID
	if rec := e.record(id); rec.SMS.Status != -1 || rec.SMS.DoneTm != nil || rec.Verifications.Matched != matchedSending {
		t.Fatalf("slow record %+v %+v", rec.Verifications, rec.SMS)
	}
	e.advance(slowDelaySeconds * time.Second)
	if rec := e.record(id); rec.SMS.Status != 0 || rec.SMS.DoneTm == nil || rec.Verifications.Matched != matchedUnchecked {
		t.Fatalf("slow record after the delay %+v %+v", rec.Verifications, rec.SMS)
	}
	// An override wins over the range, and applies to the next attempts.
	if err := e.sv.SetOutcome(e.cfg, smsFails, NumberOutcome{SMS: outcomeDelivered, Call: outcomeFailed, DelaySeconds: 10}); err != nil {
		t.Fatal(err)
	}
	if o, why := e.sv.Outcome(smsFails); o.Call != outcomeFailed || why != "override" {
		t.Fatalf("override %+v %s", o, why)
	}
	id = e.sendTo(smsFails).VerificationID
	e.advance(10 * time.Second)
	if got := e.steps(id); got != "0 sms delivered +0s" {
		t.Fatalf("overridden number: %s", got)
	}
	if err := e.sv.ClearOutcome(e.cfg, smsFails); err != nil {
		t.Fatal(err)
	}
	if _, why := e.sv.Outcome(smsFails); why != "range 9991…" {
		t.Fatalf("after clearing: %s", why)
	}
}

func TestRetention(t *testing.T) {
	e := newSvcEnv(t, 5)
	e.setFlow(Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS})
	first := e.withFlow(delivered).VerificationID
	e.advance(30 * time.Second) // its step: 2 attempts
	var ids []string
	for range 4 {
		ids = append(ids, e.sendTo(delivered).VerificationID)
	}
	// 6 attempts for a retention of 5: the oldest verification goes, whole.
	if m := e.check(first, e.code(ids[0])); m != MatchedUnknown {
		t.Fatalf("forgotten verification: matched %d, want 3", m)
	}
	ms := e.messages(MessageFilter{})
	if len(ms) != 4 || ms[0].VerificationID != ids[0] {
		t.Fatalf("messages after retention: %d, first %s", len(ms), ms[0].VerificationID)
	}
	for range 200 {
		e.sendTo(delivered)
	}
	if n := len(e.messages(MessageFilter{})); n != 5 {
		t.Fatalf("%d messages kept, want 5", n)
	}
	if len(e.sv.verifs) != 5 || len(e.sv.log)-e.sv.logHead != 5 || len(e.sv.log) > 2*64 || len(e.sv.byAge)-e.sv.ageHead != 5 {
		t.Fatalf("retention leaks: %d verifications, log %d from %d, byAge %d", len(e.sv.verifs), len(e.sv.log), e.sv.logHead, len(e.sv.byAge)-e.sv.ageHead)
	}
}

func TestMessages(t *testing.T) {
	e := newSvcEnv(t, 0)
	a := e.sendTo("4915100000001").VerificationID
	b := e.sendTo("4915100000002").VerificationID
	r := e.req("4915100000001")
	r.Channel = ChannelCall
	c := e.send(r).VerificationID
	if ms := e.messages(MessageFilter{To: "4915100000001"}); len(ms) != 2 || ms[0].VerificationID != a || ms[1].VerificationID != c {
		t.Fatalf("by number: %+v", ms)
	}
	if ms := e.messages(MessageFilter{Channel: ChannelCall}); len(ms) != 1 || ms[0].VerificationID != c || ms[0].Voice == nil {
		t.Fatalf("by channel: %+v", ms)
	}
	step := 0
	if ms := e.messages(MessageFilter{VerificationID: b, Step: &step}); len(ms) != 1 || ms[0].Text != ms[0].Code+" is your code" {
		t.Fatalf("by id and step: %+v", ms)
	}
	if m := e.messages(MessageFilter{VerificationID: a})[0]; m.At != "2026-03-01T12:00:00Z" || m.Outcome != outcomeDelivered || m.Via != viaSend || m.SNAURL != nil {
		t.Fatalf("message %+v", m)
	}
	if n, err := e.sv.Purge(e.cfg, MessageFilter{To: "4915100000001"}); n != 2 || err != nil {
		t.Fatalf("cleared %d", n)
	}
	if ms := e.messages(MessageFilter{}); len(ms) != 1 || ms[0].VerificationID != b {
		t.Fatalf("after clearing one number: %+v", ms)
	}
	// The records keep what the log forgot.
	if rec := e.record(a); rec.SMS == nil {
		t.Fatal("clearing the messages emptied the record")
	}
	if !strings.Contains(e.logs.String(), `msg="code sent" to=4915100000002 channel=sms code=`+e.code(b)+` step=0`) {
		t.Fatalf("no log line for the attempt:\n%s", e.logs.String())
	}
}

func TestRecords(t *testing.T) {
	e := newSvcEnv(t, 0)
	r := e.req(smsFails)
	r.OrderID = "o-1"
	id := e.send(r).VerificationID
	rec := e.record(id)
	if rec.Verifications.Matched != matchedUnchecked || *rec.Verifications.OriReceiver != smsFails || *rec.Verifications.OrderID != "o-1" ||
		rec.Verifications.VerifiedDate != nil || rec.SMS == nil || rec.SMS.Status != 1 || rec.SMS.SubmitTm != "2026-03-01T20:00:00+08:00" ||
		rec.SMS.Sender != "Shop" || rec.SMS.ChargeCnt != 1 || rec.Call != nil {
		t.Fatalf("record %+v %+v", rec.Verifications, rec.SMS)
	}
	e.check(id, "wrong")
	if rec := e.record(id); rec.Verifications.Matched != MatchedWrong {
		t.Fatalf("after a wrong check: %d", rec.Verifications.Matched)
	}
	e.wait(time.Minute)
	e.check(id, e.code(id))
	if rec := e.record(id); rec.Verifications.Matched != MatchedOK || *rec.Verifications.VerifiedDate != "2026-03-01T20:01:00+08:00" {
		t.Fatalf("after the right check: %+v", rec.Verifications)
	}
	if rec := e.record("nope"); rec.Verifications.Matched != MatchedUnknown || rec.SMS != nil || rec.Verifications.OriReceiver != nil {
		t.Fatalf("unknown %+v", rec)
	}
	r = e.req(delivered)
	r.Channel = ChannelCall
	rec = e.record(e.send(r).VerificationID)
	if c := rec.Call; c == nil || c.TerminationCode != 0 || c.CallDuration != 2+2*6 || c.ChargedDuration != 60 || c.AnswerTime == nil || c.DisplayNum != "Shop" {
		t.Fatalf("call record %+v", rec.Call)
	}
}

func TestDueQueueStaysSmall(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.setFlow(Node{WaitingTime: 120, Status: 2, Channel: ChannelSMS})
	for range 5000 {
		id := e.withFlow(delivered).VerificationID
		e.check(id, e.code(id))
	}
	if n := len(e.sv.due.items); n > 2*e.sv.due.live+65 {
		t.Fatalf("%d entries queued for %d live flows", n, e.sv.due.live)
	}
}

// A wait on the messages sleeps until the next flow step falls due, on the
// real clock, when nothing else wakes it.
func TestNextWake(t *testing.T) {
	e := newSvcEnv(t, 0)
	if _, due := e.sv.NextWake(); due {
		t.Fatal("a wake with no flow running")
	}
	e.setFlow(Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS})
	id := e.withFlow(delivered).VerificationID
	if d, due := e.sv.NextWake(); !due || d != 30*time.Second {
		t.Fatalf("wake in %s (%v), want 30s", d, due)
	}
	e.advance(10 * time.Second)
	e.wait(5 * time.Second)
	if d, _ := e.sv.NextWake(); d != 15*time.Second {
		t.Fatalf("wake in %s, want 15s", d)
	}
	e.check(id, e.code(id)) // the flow ends: nothing to wake for
	if d, due := e.sv.NextWake(); due {
		t.Fatalf("a wake in %s for a flow that ended", d)
	}
}
