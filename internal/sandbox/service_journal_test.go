package sandbox

import (
	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
	"os"
	"strings"
	"testing"
)

// A restart keeps the verifications: their codes still check, their
// records, orders and messages are the same, their flows go on, the limits
// still count what was sent, and ids are not given out again.
func TestServiceSurvivesARestart(t *testing.T) {
	path := statePath(t)
	one := func(o *Options) { o.Accounts = map[string]string{key: secret} }
	e := newHTTPSvc(t, withState(path))
	e.must("PUT", "/otp/app/update/"+e.app.AppID, `{"appId":"`+e.app.AppID+`","name":"login-app",`+
		`"periodPhoneSendLimit":{"enabled":true,"unit":2,"period":1,"limit":3}}`)
	open := e.send("4915100000001", `,"orderId":"order-1"`)
	checked := e.send("4915100000001", "")
	if m := e.verify(checked, e.code(checked)); m != engine.MatchedOK {
		t.Fatal(m)
	}
	flowing := e.send("9991000000001", `,"flowId":`+id64(e.flow.FlowID))
	cleared := e.send("4915100000002", "")
	e.mustControl(200, "DELETE", "/_sandbox/messages?to=4915100000002", "")
	before := e.messages("")
	recordBefore := string(e.must("GET", "/otp/verification/record/"+open, ""))
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	again := httpSvc{env: newEnv(t, one, withState(path)), app: e.app, tpl: e.tpl, flow: e.flow}
	if got := again.messages(""); len(got) != len(before) || got[0].Code != before[0].Code || got[len(got)-1].VerificationID != flowing {
		t.Fatalf("messages after a restart:\n%+v\nwant\n%+v", got, before)
	}
	if got := string(again.must("GET", "/otp/verification/record/"+open, "")); got != recordBefore {
		t.Fatalf("record after a restart:\n%s\nwant\n%s", got, recordBefore)
	}
	if m := again.verify(checked, e.code(checked)); m != engine.MatchedUsed {
		t.Fatalf("a code checked before the restart: %d", m)
	}
	if m := again.verify(cleared, "123456"); m == engine.MatchedUnknown {
		t.Fatal("a verification whose messages were deleted was forgotten")
	}
	if r := again.call("POST", "/otp/verification/send", again.sendBody("4915100000001", `,"orderId":"order-1"`), nil); r.Status != codeExisting {
		t.Fatalf("a reused orderId after a restart: %+v", r)
	}
	// The limit counted the two sends to 4915100000001 before the restart.
	again.send("4915100000001", "")
	wantRefused(t, again.call("POST", "/otp/verification/send", again.sendBody("4915100000001", ""), nil), "-28", "periodPhoneSendLimit")
	// The flow goes on: its call is due 60 s after the send.
	again.advance(60)
	if ms := again.messages("verificationId=" + flowing); len(ms) != 2 || ms[1].Channel != "call" {
		t.Fatalf("the flow after a restart: %+v", ms)
	}
	if m := again.verify(open, e.code(open)); m != engine.MatchedOK {
		t.Fatalf("a code sent before the restart: %d", m)
	}
	// Ids go on after the last one given out.
	next := again.send("4915100000003", "")
	if next <= flowing[:13]+"0000000" || strings.HasSuffix(next, "0000001") {
		t.Fatalf("verificationId after a restart %s (the last before %s)", next, flowing)
	}
}

// What the retention forgets stays forgotten after a restart, and a
// lower retention at start trims what the file holds.
func TestServiceRetentionAcrossARestart(t *testing.T) {
	path := statePath(t)
	e := newHTTPSvc(t, withState(path), func(o *Options) { o.Retention = 3 })
	first := e.send("4915100000001", "")
	for range 4 {
		e.send("4915100000001", "")
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	// A higher retention brings nothing back: the file says what was forgotten.
	again := httpSvc{env: newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{key: secret}; o.Retention = 100 })}
	if n := len(again.messages("")); n != 3 {
		t.Fatalf("%d messages after a restart with a higher retention, want the 3 kept", n)
	}
	if m := again.verify(first, "123456"); m != engine.MatchedUnknown {
		t.Fatalf("a forgotten verification came back: %d", m)
	}
	if err := again.srv.Close(); err != nil {
		t.Fatal(err)
	}
	lower := httpSvc{env: newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{key: secret}; o.Retention = 2 })}
	if n := len(lower.messages("")); n != 2 {
		t.Fatalf("%d messages with a retention of 2", n)
	}
}

// A verification record the sandbox cannot read stops the start, naming it.
func TestServiceRecordThatDoesNotLoad(t *testing.T) {
	path := statePath(t)
	e := newHTTPSvc(t, withState(path))
	e.send("4915100000001", "")
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(b), `"via":"send"`, `"via":"send","colour":"blue"`, 1)
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = New(Options{Accounts: map[string]string{key: secret}, StateFile: path})
	if err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("a record with an unknown field: %v", err)
	}
}

// A send whose record cannot be written answers -18 and changes nothing.
func TestSendNotSavedChangesNothing(t *testing.T) {
	path := statePath(t)
	e := newHTTPSvc(t, withState(path))
	kept := e.send("4915100000001", "")
	e.failAt(failAppend) // every write fails from now on
	wantRefused(t, e.call("POST", "/otp/verification/send", e.sendBody("4915100000002", ""), nil), "-18", "")
	wantRefused(t, e.call("POST", "/otp/verification/verify", `{"verificationId":"`+kept+`","code":"`+e.code(kept)+`"}`, nil), "-18", "")
	if ms := e.messages(""); len(ms) != 1 {
		t.Fatalf("a send that was not saved left %d messages", len(ms))
	}
	if rec := decode[engine.RecordAnswer](t, e.must("GET", "/otp/verification/record/"+kept, "")); rec.Verifications.Matched == engine.MatchedOK {
		t.Fatal("a check that was not saved took effect")
	}
}
