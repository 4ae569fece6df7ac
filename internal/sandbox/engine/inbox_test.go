package engine

import (
	"errors"
	"testing"
	"time"
)

func (e *svcEnv) inbox(f MessageFilter, limit int) Inbox {
	e.t.Helper()
	in, err := e.sv.Inbox(e.cfg, f, limit)
	if err != nil {
		e.t.Fatal(err)
	}
	return in
}

// byID is the inbox's first message (the newest) of a verification.
func byID(t *testing.T, in Inbox, id string) InboxMessage {
	t.Helper()
	for _, m := range in.Messages {
		if m.VerificationID == id {
			return m
		}
	}
	t.Fatalf("no message of %s in %+v", id, in.Messages)
	return InboxMessage{}
}

// Each state a verification can be in, as the page shows it, and the
// newest message first.
func TestInboxStates(t *testing.T) {
	e := newSvcEnv(t, 0)
	waiting := e.sendTo(delivered).VerificationID
	wrong := e.sendTo(delivered).VerificationID
	checked := e.sendTo(delivered).VerificationID
	replaced := e.sendTo(delivered).VerificationID
	e.check(wrong, "000000x")
	e.check(checked, e.code(checked))
	resent, err := e.resend(replaced, ChannelCall)
	if err != nil {
		t.Fatal(err)
	}
	in := e.inbox(MessageFilter{}, 100)
	if in.Total != 5 || len(in.Messages) != 5 || in.Messages[0].VerificationID != resent.VerificationID || in.Messages[4].VerificationID != waiting {
		t.Fatalf("not newest first: %+v", in.Messages)
	}
	for id, want := range map[string]string{
		waiting: StateWaiting, wrong: StateWrongCode, checked: StateChecked, replaced: StateReplaced, resent.VerificationID: StateWaiting,
	} {
		if got := byID(t, in, id).Verification.State; got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	if v := byID(t, in, checked).Verification; v.VerifiedAt == nil || *v.VerifiedAt != ControlTime(start) {
		t.Errorf("checked: %+v", v)
	}
	if v := byID(t, in, replaced).Verification; v.ReplacedBy == nil || *v.ReplacedBy != resent.VerificationID {
		t.Errorf("replaced: %+v", v)
	}
	if v := byID(t, in, resent.VerificationID).Verification; v.ResendOf == nil || *v.ResendOf != replaced {
		t.Errorf("the resend: %+v", v)
	}
	if v := byID(t, in, waiting).Verification; v.ExpiresAt != ControlTime(start.Add(5*time.Minute)) || v.NextStep != nil {
		t.Errorf("waiting: %+v", v)
	}
	// Expiry comes with the clock, and a right code after it changes
	// nothing.
	e.advance(5 * time.Minute)
	e.check(waiting, e.code(waiting))
	in = e.inbox(MessageFilter{}, 100)
	if got := byID(t, in, waiting).Verification.State; got != StateExpired {
		t.Errorf("after the expiry: %s", got)
	}
	if got := byID(t, in, checked).Verification.State; got != StateChecked {
		t.Errorf("a checked code after its expiry: %s", got)
	}
	// The limit keeps the newest; the total counts them all.
	if in := e.inbox(MessageFilter{}, 2); in.Total != 5 || len(in.Messages) != 2 || in.Messages[0].VerificationID != resent.VerificationID {
		t.Fatalf("limit 2: %d of %d", len(in.Messages), in.Total)
	}
	if in := e.inbox(MessageFilter{VerificationID: wrong}, 100); in.Total != 1 || in.Messages[0].VerificationID != wrong {
		t.Fatalf("by verificationId: %+v", in)
	}
}

// The step a verification waits for, with when it falls due, the channel
// it would take and whether its trigger will hold.
func TestInboxNextStep(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.setFlow(Node{WaitingTime: 60, Status: 1, Channel: ChannelCall}, Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS, ChannelCut: 1})
	failed := e.withFlow(smsFails).VerificationID
	ok := e.withFlow(delivered).VerificationID
	in := e.inbox(MessageFilter{}, 100)
	due := ControlTime(start.Add(60 * time.Second))
	if in.NextStepAt == nil || *in.NextStepAt != due {
		t.Fatalf("next step at %v", in.NextStepAt)
	}
	want := PendingStep{Step: 1, Steps: 2, DueAt: due, Channel: ChannelCall, Trigger: "failed", WillSend: true}
	if got := byID(t, in, failed).Verification.NextStep; got == nil || *got != want {
		t.Fatalf("after a failed SMS: %+v", got)
	}
	want.WillSend = false // its SMS was delivered
	if got := byID(t, in, ok).Verification.NextStep; got == nil || *got != want {
		t.Fatalf("after a delivered SMS: %+v", got)
	}
	// To the next step: exactly its due time, both verifications' steps.
	ran, found, err := e.sv.AdvanceToNextStep(e.cfg)
	if err != nil || !found || ran != 2 {
		t.Fatalf("advance to the next step: %d %v %v", ran, found, err)
	}
	if e.clock.Offset() != 60*time.Second {
		t.Fatalf("offset %s", e.clock.Offset())
	}
	in = e.inbox(MessageFilter{}, 100)
	if m := in.Messages[0]; m.VerificationID != failed || m.Channel != ChannelCall || m.Step != 1 || m.Outcome != "answered" {
		t.Fatalf("the fallback call: %+v", m)
	}
	// channelCut 1 takes the last attempt's channel: the call.
	want = PendingStep{Step: 2, Steps: 2, DueAt: ControlTime(start.Add(90 * time.Second)), Channel: ChannelCall, Trigger: "unchecked", WillSend: true}
	if got := byID(t, in, failed).Verification.NextStep; got == nil || *got != want {
		t.Fatalf("the second step: %+v", got)
	}
	// A step due when the code has expired will not send.
	e.editApp(func(a *App) { a.CodeExpiry = time.Minute })
	late := e.withFlow(smsFails).VerificationID
	if got := byID(t, e.inbox(MessageFilter{}, 100), late).Verification.NextStep; got == nil || got.WillSend {
		t.Fatalf("a step at the expiry: %+v", got)
	}
	// Checked: the flow is over.
	e.check(failed, e.code(failed))
	if got := byID(t, e.inbox(MessageFilter{}, 100), failed).Verification.NextStep; got != nil {
		t.Fatalf("after the check: %+v", got)
	}
	for range 3 {
		if _, _, err := e.sv.AdvanceToNextStep(e.cfg); err != nil {
			t.Fatal(err)
		}
	}
	offset := e.clock.Offset()
	if ran, found, err := e.sv.AdvanceToNextStep(e.cfg); found || ran != 0 || err != nil || e.clock.Offset() != offset {
		t.Fatalf("with no step pending: %d %v %v, offset %s → %s", ran, found, err, offset, e.clock.Offset())
	}
	if in := e.inbox(MessageFilter{}, 100); in.NextStepAt != nil {
		t.Fatalf("next step at %s with none pending", *in.NextStepAt)
	}
}

// A message still sending says when its outcome is known.
func TestInboxDoneAt(t *testing.T) {
	e := newSvcEnv(t, 0)
	id := e.sendTo(slow).VerificationID
	m := byID(t, e.inbox(MessageFilter{}, 10), id)
	if m.Outcome != "sending" || m.DoneAt != ControlTime(start.Add(150*time.Second)) {
		t.Fatalf("%+v", m)
	}
	e.advance(150 * time.Second)
	if m := byID(t, e.inbox(MessageFilter{}, 10), id); m.Outcome != "delivered" {
		t.Fatalf("after the delay: %+v", m)
	}
}

// The version moves with every saved change, and only then; the wait on
// the inbox holds while it is the page's. A reset draws a new one.
func TestInboxVersion(t *testing.T) {
	e := newSvcEnv(t, 0)
	v0 := e.inbox(MessageFilter{}, 10).Version
	if again := e.inbox(MessageFilter{}, 10).Version; again != v0 {
		t.Fatalf("a read changed the version: %s → %s", v0, again)
	}
	changed := e.sv.Changed()
	id := e.sendTo(delivered).VerificationID
	v1 := e.inbox(MessageFilter{}, 10).Version
	select {
	case <-changed:
	default:
		t.Fatal("a send did not announce itself")
	}
	// A check adds no message, and still shows.
	changed = e.sv.Changed()
	e.check(id, "000000x")
	v2 := e.inbox(MessageFilter{}, 10).Version
	select {
	case <-changed:
	default:
		t.Fatal("a check did not announce itself")
	}
	if v1 == v0 || v2 == v1 {
		t.Fatalf("versions %s, %s, %s", v0, v1, v2)
	}
	// A change that is not saved is not one.
	e.failSave = errors.New("disk full")
	if _, err := e.trySend(e.req(delivered)); err == nil {
		t.Fatal("a send that was not saved succeeded")
	}
	e.failSave = nil
	if v := e.inbox(MessageFilter{}, 10).Version; v != v2 {
		t.Fatalf("an undone send moved the version: %s → %s", v2, v)
	}
	e.sv.Reset()
	if v := e.inbox(MessageFilter{}, 10).Version; v == v2 || v == v0 {
		t.Fatalf("a reset kept the version %s", v)
	}
}

// The inbox names the numbers with a fixed code, whatever the filter, and
// a number's code set or cleared is a change a page waits for.
func TestInboxFixedCodes(t *testing.T) {
	e := newSvcEnv(t, 0)
	if in := e.inbox(MessageFilter{}, 10); in.FixedCodes == nil || len(in.FixedCodes) != 0 {
		t.Fatalf("none yet: %#v", in.FixedCodes)
	}
	changed := e.sv.Changed()
	if err := e.sv.SetOutcome(e.cfg, delivered, NumberOutcome{Code: "424242"}); err != nil {
		t.Fatal(err)
	}
	if err := e.sv.SetOutcome(e.cfg, slow, NumberOutcome{SMS: "failed"}); err != nil { // an outcome, no code
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("setting a number's code did not announce itself")
	}
	id := e.sendTo(delivered).VerificationID
	in := e.inbox(MessageFilter{To: "nobody"}, 10)
	if len(in.FixedCodes) != 1 || in.FixedCodes[delivered] != "424242" || len(in.Messages) != 0 {
		t.Fatalf("fixed codes: %#v", in)
	}
	if m := byID(t, e.inbox(MessageFilter{}, 10), id); m.Code != "424242" {
		t.Fatalf("the send to the number: %+v", m)
	}
	if err := e.sv.ClearOutcome(e.cfg, delivered); err != nil {
		t.Fatal(err)
	}
	if in := e.inbox(MessageFilter{}, 10); len(in.FixedCodes) != 0 {
		t.Fatalf("after clearing: %#v", in.FixedCodes)
	}
}
