package engine

import (
	"errors"
	"strings"
	"testing"
)

func (e *svcEnv) fix(to string, o NumberOutcome) {
	e.t.Helper()
	if err := CheckOutcome(&o); err != nil {
		e.t.Fatal(err)
	}
	if err := e.sv.SetOutcome(e.cfg, to, o); err != nil {
		e.t.Fatal(err)
	}
}

func refusedWith(t *testing.T, err error, code, detail string) {
	t.Helper()
	var r *Refusal
	if !errors.As(err, &r) || r.Code != code || !strings.Contains(r.Detail, detail) {
		t.Fatalf("got %v, want %s with %q", err, code, detail)
	}
}

// A number's fixed code is what every send and resend to it carries; other
// numbers keep random codes; a code the template could not make refuses
// the send, naming the number's code and the template's rule; a sendRule
// keeps its caller's code.
func TestFixedCodes(t *testing.T) {
	e := newSvcEnv(t, 0)
	const fixed, other = "4915100000042", "4915100000043"
	e.fix(fixed, NumberOutcome{Code: "424242"})
	first := e.sendTo(fixed).VerificationID
	if c := e.code(first); c != "424242" {
		t.Fatalf("the fixed number got %q", c)
	}
	if m := e.check(first, "424242"); m != MatchedOK {
		t.Fatalf("the fixed code checks %d", m)
	}
	randoms := map[string]bool{}
	for range 3 {
		randoms[e.code(e.sendTo(other).VerificationID)] = true
	}
	if randoms["424242"] || len(randoms) < 2 {
		t.Fatalf("another number's codes: %v", randoms)
	}

	// A resend carries it, and a code fixed after the send too.
	second := e.sendTo(fixed).VerificationID
	e.fix(fixed, NumberOutcome{Code: "171717"})
	again, err := e.resend(second, ChannelSMS)
	if err != nil {
		t.Fatal(err)
	}
	if c := e.code(again.VerificationID); c != "171717" {
		t.Fatalf("the resend carried %q", c)
	}
	if msgs := e.messages(MessageFilter{VerificationID: again.VerificationID}); msgs[0].Text != "171717 is your code" {
		t.Fatalf("the resend's text: %q", msgs[0].Text)
	}

	// A code the template cannot make: too short, or of the wrong type.
	for _, bad := range []string{"4242", "ABCDEF"} {
		e.fix(fixed, NumberOutcome{Code: bad})
		_, err := e.trySend(e.req(fixed))
		refusedWith(t, err, CodeParameter, `the number `+fixed+` has the fixed code "`+bad+`"`)
		refusedWith(t, err, CodeParameter, "template 20001 makes codes of codeType 1 (digits) and codeLength 6")
	}
	// Letters fit an alphabetic template in either case.
	e.editTemplate(func(tp *Template) { tp.CodeType, tp.CodeLength = 2, 4 })
	e.fix(fixed, NumberOutcome{Code: "abcd"})
	if id := e.sendTo(fixed).VerificationID; e.code(id) != "abcd" || e.check(id, "ABCD") != MatchedOK {
		t.Fatal("a lower-case fixed code of an alpha template")
	}
	// sendRule: the caller's code.
	r := e.req(fixed)
	r.Rule, r.Code = true, "9999"
	if id := e.send(r).VerificationID; e.code(id) != "9999" {
		t.Fatalf("sendRule to a fixed number carried %q", e.code(id))
	}
	if err := CheckOutcome(&NumberOutcome{Code: "12"}); err == nil || !strings.Contains(err.Error(), "4 to 10 letters or digits") {
		t.Fatalf("a code of 2: %v", err)
	}
}

// The outcomes (with their codes) and the settings are saved, come back
// after a restart, and a change that cannot be saved is undone.
func TestSetupIsSaved(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.fix(smsFails, NumberOutcome{Call: outcomeFailed, Code: "123456"})
	e.fix(delivered, NumberOutcome{DelaySeconds: 3})
	if err := e.sv.ClearOutcome(e.cfg, delivered); err != nil {
		t.Fatal(err)
	}
	if err := e.sv.SetSettings(e.cfg, Settings{FeeFailure: true, SensitiveWords: []string{"casino"}}); err != nil {
		t.Fatal(err)
	}
	after := e.restart(0)
	if o, why := after.Outcome(smsFails); why != "override" || o.Code != "123456" || o.Call != outcomeFailed {
		t.Fatalf("after a restart: %+v %s", o, why)
	}
	if _, why := after.Outcome(delivered); why != "default" {
		t.Fatalf("a cleared number after a restart: %s", why)
	}
	if set := after.Settings(); !set.FeeFailure || len(set.SensitiveWords) != 1 {
		t.Fatalf("settings after a restart: %+v", set)
	}
	// A compaction writes them too.
	var snap []Change
	if err := e.sv.Snapshot(nil).Encode(func(c Change) error { c.Obj = append([]byte(nil), c.Obj...); snap = append(snap, c); return nil }); err != nil {
		t.Fatal(err)
	}
	fresh := e.service(0)
	for _, c := range snap {
		if err := fresh.Load(c); err != nil {
			t.Fatal(err)
		}
	}
	if o, _ := fresh.Outcome(smsFails); o.Code != "123456" || !fresh.Settings().FeeFailure {
		t.Fatal("the snapshot lost the set-up")
	}

	e.failSave = errors.New("disk full")
	if err := e.sv.SetOutcome(e.cfg, smsFails, NumberOutcome{SMS: outcomeDelivered, Call: outcomeAnswered}); err == nil {
		t.Fatal("a change that was not saved answered done")
	}
	if err := e.sv.SetSettings(e.cfg, Settings{}); err == nil {
		t.Fatal("settings not saved answered done")
	}
	if o, _ := e.sv.Outcome(smsFails); o.Code != "123456" || !e.sv.Settings().FeeFailure {
		t.Fatal("a change that was not saved stayed made")
	}
}
