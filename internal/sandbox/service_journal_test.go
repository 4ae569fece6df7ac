package sandbox

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
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

// Every change answered as done is saved first: one that cannot be
// written answers -18 on the vendor API and 500 on the control surface,
// and changes nothing, in memory or on disk. (Before, a wrong check, a
// resend's mark on the old verification, the flow steps of an advance and
// a purge of the messages were saved at best, and answered as done when
// they were not.)
func TestAChangeNotSavedChangesNothing(t *testing.T) {
	for _, c := range []struct {
		name string
		do   func(e httpSvc, ids map[string]string) (status string, http int)
	}{
		{"send", func(e httpSvc, _ map[string]string) (string, int) {
			return vendorStatus(e.call("POST", "/otp/verification/send", e.sendBody("4915100000009", ""), nil))
		}},
		{"sendRule", func(e httpSvc, _ map[string]string) (string, int) {
			return vendorStatus(e.call("POST", "/otp/verification/sendRule",
				`{"appId":"`+e.app.AppID+`","to":"4915100000009","code":"4321"}`, nil))
		}},
		{"resend", func(e httpSvc, ids map[string]string) (string, int) {
			return vendorStatus(e.call("POST", "/otp/verification/resend", `{"verificationId":"`+ids["open"]+`"}`, nil))
		}},
		{"right check", func(e httpSvc, ids map[string]string) (string, int) {
			return vendorStatus(e.call("POST", "/otp/verification/verify", `{"verificationId":"`+ids["open"]+`","code":"`+ids["code"]+`"}`, nil))
		}},
		{"wrong check", func(e httpSvc, ids map[string]string) (string, int) {
			return vendorStatus(e.call("POST", "/otp/verification/verify", `{"verificationId":"`+ids["open"]+`","code":"ABCDEF"}`, nil))
		}},
		{"sna completion", func(e httpSvc, ids map[string]string) (string, int) {
			resp, err := http.Get(ids["sna"]) //nolint:noctx // a test
			if err != nil {
				e.t.Fatal(err)
			}
			resp.Body.Close()
			return "", resp.StatusCode
		}},
		{"flow step run by a read", func(e httpSvc, ids map[string]string) (string, int) {
			return vendorStatus(e.call("GET", "/otp/verification/record/"+ids["flowing"], "", nil))
		}},
		{"advance", func(e httpSvc, _ map[string]string) (string, int) {
			status, _ := e.control("POST", "/_sandbox/clock", `{"advanceSeconds":3600}`)
			return "", status
		}},
		{"advance to the next step", func(e httpSvc, _ map[string]string) (string, int) {
			status, _ := e.control("POST", "/_sandbox/clock", `{"toNextStep":true}`)
			return "", status
		}},
		{"flow step run by the inbox", func(e httpSvc, _ map[string]string) (string, int) {
			status, _ := e.control("GET", "/_sandbox/inbox", "")
			return "", status
		}},
		{"purge", func(e httpSvc, _ map[string]string) (string, int) {
			status, _ := e.control("DELETE", "/_sandbox/messages", "")
			return "", status
		}},
		{"reset of the account", func(e httpSvc, _ map[string]string) (string, int) {
			status, _ := e.control("POST", "/_sandbox/reset?key="+key, "")
			return "", status
		}},
		{"flow update", func(e httpSvc, _ map[string]string) (string, int) {
			return vendorStatus(e.call("PUT", "/otp/flow/update/"+id64(e.flow.FlowID), `{"name":"renamed","flow":[{"waitingTime":30,"status":2,"channel":"sms"}]}`, nil))
		}},
		{"console delete", func(e httpSvc, _ map[string]string) (string, int) {
			status, _ := e.control("DELETE", "/_sandbox/flows/"+id64(e.flow.FlowID), "")
			return "", status
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := statePath(t)
			e := newHTTPSvc(t, withState(path))
			open := e.send("4915100000001", "")
			flowing := e.send("9991000000001", `,"flowId":`+id64(e.flow.FlowID))
			sna := decode[engine.SendAnswer](t, e.must("POST", "/otp/verification/send", e.sendBody("4915100000002", `,"channel":"sna"`)))
			ids := map[string]string{"open": open, "code": e.code(open), "flowing": flowing, "sna": *sna.SNAURL}
			// The flow's step is due in 60 s of real time: the "read"
			// case's clock passes it (real time, not an advance).
			before := e.view(open, flowing, sna.VerificationID)
			disk, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			e.failAt(failAppend)
			if c.name == "flow step run by a read" || c.name == "flow step run by the inbox" {
				e.setNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
			}
			status, code := c.do(e, ids)
			if status != codeSystem && code != 500 {
				t.Fatalf("a change that could not be saved answered %q, HTTP %d", status, code)
			}
			e.srv.journal.failHook.Store(nil)
			e.setNow(time.Now)
			if after := e.view(open, flowing, sna.VerificationID); after != before {
				t.Fatalf("memory changed:\n%s\nwant\n%s", after, before)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, disk) {
				t.Fatalf("the file changed:\n%s\nwant\n%s", got, disk)
			}
		})
	}
}

func vendorStatus(r response) (string, int) { return r.Status, r.HTTP }

// view is what the account shows of itself: its objects, messages, the
// records of some verifications and its clock, without running its flow
// steps (the clock reads real time as it was).
func (e httpSvc) view(ids ...string) string {
	e.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "flows %s\n", e.mustControl(200, "GET", "/_sandbox/flows", ""))
	fmt.Fprintf(&b, "messages %s\n", e.mustControl(200, "GET", "/_sandbox/messages", ""))
	for _, id := range ids {
		fmt.Fprintf(&b, "record %s\n", e.must("GET", "/otp/verification/record/"+id, ""))
	}
	c := decode[clockAnswer](e.t, e.mustControl(200, "GET", "/_sandbox/clock", ""))
	fmt.Fprintf(&b, "offset %d\n", c.OffsetSeconds)
	return b.String()
}

// The clock's offset is kept: after a restart that followed an advance of
// a day, the clock reads a day ahead still, so that a send right after the
// restart is not refused by the limit windows of sends stamped a day ahead,
// and no time the account shows goes back. (Before, the offset was lost
// while the verifications stamped on it were kept: the next send was
// refused -28, and every kept time stayed a day in the future.)
func TestTheClockSurvivesARestart(t *testing.T) {
	path := statePath(t)
	one := func(o *Options) { o.Accounts = map[string]string{key: secret} }
	e := newHTTPSvc(t, withState(path), one)
	e.must("PUT", "/otp/app/update/"+e.app.AppID, `{"appId":"`+e.app.AppID+`","name":"login-app",`+
		`"periodPhoneSendLimit":{"enabled":true,"unit":3,"period":1,"limit":1}}`) // one a minute to a number
	e.advance(86400)
	sent := e.send("4915100000001", "")
	at := e.messages("verificationId=" + sent)[0].At
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	again := httpSvc{env: newEnv(t, withState(path), one), app: e.app, tpl: e.tpl}
	c := decode[clockAnswer](t, again.mustControl(200, "GET", "/_sandbox/clock", ""))
	now, err1 := time.Parse(time.RFC3339Nano, c.Now)
	sentAt, err2 := time.Parse(time.RFC3339Nano, at)
	if err1 != nil || err2 != nil || c.OffsetSeconds != 86400 || now.Before(sentAt) {
		t.Fatalf("the clock after a restart: %+v; the send before it was at %s", c, at)
	}
	again.advance(120)
	again.send("4915100000001", "")
}
