package sandbox

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/apicheck"
	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

func (e httpSvc) inbox(query string) inboxAnswer {
	e.t.Helper()
	return decode[inboxAnswer](e.t, e.mustControl(200, "GET", "/_sandbox/inbox?"+query, ""))
}

// The inbox answers each message with its verification's state and the
// step it waits for, newest first; a wait with the version the page shows
// ends with the next change of the account, a check included (it adds no
// message); and "to the next step" moves the clock exactly there.
func TestInboxRoute(t *testing.T) {
	e := newHTTPSvc(t)
	id := e.send("9991000000001", `,"flowId":`+id64(e.flow.FlowID))
	in := e.inbox("")
	if in.Total != 1 || len(in.Messages) != 1 || in.OffsetSeconds != 0 || in.NextStepAt == nil {
		t.Fatalf("inbox %+v", in)
	}
	m := in.Messages[0]
	if m.VerificationID != id || m.Outcome != "failed" || m.Verification.State != engine.StateWaiting || m.Code == "" || m.Text != m.Code+" is your code" {
		t.Fatalf("message %+v", m)
	}
	sent, _ := time.Parse(time.RFC3339Nano, m.At)
	next := m.Verification.NextStep
	if next == nil || next.Step != 1 || next.Steps != 1 || next.Channel != "call" || next.Trigger != "failed" || !next.WillSend ||
		next.DueAt != engine.ControlTime(sent.Add(60*time.Second)) || *in.NextStepAt != next.DueAt {
		t.Fatalf("next step %+v (account's %v)", next, in.NextStepAt)
	}

	// A wait for the next change ends with a wrong check.
	got := make(chan inboxAnswer, 1)
	go func() {
		status, raw := e.control("GET", "/_sandbox/inbox?wait=10&since="+in.Version, "")
		var ans inboxAnswer
		if status == 200 {
			_ = json.Unmarshal(raw, &ans)
		}
		got <- ans
	}()
	time.Sleep(100 * time.Millisecond)
	if matched := e.verify(id, "000000"); matched != engine.MatchedWrong {
		t.Fatalf("a wrong code: matched %d", matched)
	}
	select {
	case ans := <-got:
		if ans.Version == in.Version || len(ans.Messages) != 1 || ans.Messages[0].Verification.State != engine.StateWrongCode {
			t.Fatalf("the wait answered %+v", ans)
		}
		in = ans
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end with the check")
	}
	// Nothing changes: the wait lasts its time, and answers the same.
	start := time.Now()
	if again := e.inbox("wait=0.3&since=" + in.Version); again.Version != in.Version || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("a wait without a change: %s after %s", again.Version, time.Since(start))
	}

	// To the next step: the clock moves exactly to its due time.
	a := decode[clockAnswer](t, e.mustControl(200, "POST", "/_sandbox/clock", `{"toNextStep":true}`))
	if *a.StepsRun != 1 || a.OffsetSeconds < 59 || a.OffsetSeconds > 60 {
		t.Fatalf("to the next step: %+v", a)
	}
	in = e.inbox("")
	if call := in.Messages[0]; in.Total != 2 || call.Channel != "call" || call.Step != 1 || call.Outcome != "answered" || call.Verification.NextStep != nil || in.NextStepAt != nil {
		t.Fatalf("after the step: %+v", in)
	}
	// With no step pending the clock stays.
	if again := decode[clockAnswer](t, e.mustControl(200, "POST", "/_sandbox/clock", `{"toNextStep":true}`)); *again.StepsRun != 0 || again.OffsetSeconds != a.OffsetSeconds {
		t.Fatalf("with nothing pending: %+v", again)
	}

	e.send("4915100000002", "")
	if in := e.inbox("limit=1"); in.Total != 3 || len(in.Messages) != 1 || in.Messages[0].To != "4915100000002" {
		t.Fatalf("limit 1: %+v", in)
	}
	if in := e.inbox("to=9991000000001"); in.Total != 2 || in.Messages[1].VerificationID != id {
		t.Fatalf("by number: %+v", in)
	}
	// What the sandbox refuses, its document refuses too, and what it
	// takes, the document takes: apicheck, on the way, sees only that a
	// request the document refuses is refused.
	doc := apicheck.New(t, OpenAPI(e.srv.Prefix(), e.srv.publicBase()), e.srv.Prefix())
	documentTakes := func(method, path, body string) bool {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+controlToken)
		return doc.Refuses(req) == nil
	}
	for _, bad := range []string{"limit=0", "limit=1001", "limit=x", "wait=301", "channel=fax", "step=-1"} {
		if status, raw := e.control("GET", "/_sandbox/inbox?"+bad, ""); status != 400 || !strings.Contains(string(raw), `"error"`) {
			t.Errorf("%s: %d %s", bad, status, raw)
		}
		if documentTakes("GET", "/_sandbox/inbox?"+bad, "") {
			t.Errorf("the document takes the inbox's %s", bad)
		}
	}
	for _, bad := range []string{`{}`, `{"advanceSeconds":30,"toNextStep":true}`, `{"toNextStep":false}`, `{"advanceSeconds":-1}`,
		`{"advanceSeconds":null,"toNextStep":null}`, `{"toNextStep":1}`} {
		if status, raw := e.control("POST", "/_sandbox/clock", bad); status != 400 {
			t.Errorf("clock %s: %d %s", bad, status, raw)
		}
		if documentTakes("POST", "/_sandbox/clock", bad) {
			t.Errorf("the document takes the clock's %s", bad)
		}
	}
	for _, good := range []string{`{"advanceSeconds":0,"toNextStep":false}`, `{"advanceSeconds":null,"toNextStep":true}`, `{"advanceSeconds":1}`} {
		e.mustControl(200, "POST", "/_sandbox/clock", good)
		if !documentTakes("POST", "/_sandbox/clock", good) {
			t.Errorf("the document refuses the clock's %s", good)
		}
	}
	if !documentTakes("GET", "/_sandbox/inbox?limit=1000&wait=0.5&since=x&channel=call&step=2", "") {
		t.Error("the document refuses the inbox's parameters")
	}
}

// The advance to the next step is saved like any advance: a restart reads
// the clock where it went.
func TestAnAdvanceToTheNextStepIsSaved(t *testing.T) {
	path := statePath(t)
	e := newHTTPSvc(t, withState(path))
	e.send("9991000000001", `,"flowId":`+id64(e.flow.FlowID))
	a := decode[clockAnswer](t, e.mustControl(200, "POST", "/_sandbox/clock", `{"toNextStep":true}`))
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := httpSvc{env: newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{key: secret} })}
	if in := again.inbox(""); in.OffsetSeconds != a.OffsetSeconds || in.Total != 2 || in.Messages[0].Channel != "call" {
		t.Fatalf("after a restart: %+v", in)
	}
}

// The accounts the credentials reach: every account with the token, one
// with ?key= or a signature, each with where it comes from; the list opens
// none and keeps none from going idle.
func TestAccountsRoute(t *testing.T) {
	path := statePath(t)
	first := newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{key: secret, "gone-key": "gone-secret"} })
	first.mustControl(201, "POST", "/_sandbox/flows?key=gone-key", validFlow)
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, withState(path))
	list := func(raw []byte) []accountEntry { return decode[[]accountEntry](t, raw) }
	want := []accountEntry{{"gone-key", "state file"}, {otherKey, "configured"}, {key, "configured"}}
	if got := list(e.mustControl(200, "GET", "/_sandbox/accounts", "")); !slices.Equal(got, want) {
		t.Fatalf("with the token: %+v", got)
	}
	if got := list(e.mustControl(200, "GET", "/_sandbox/accounts?key="+otherKey, "")); !slices.Equal(got, []accountEntry{{otherKey, "configured"}}) {
		t.Fatalf("with ?key=: %+v", got)
	}
	if status, _, _ := e.controlAuth("Bearer wrong", "GET", "/_sandbox/accounts", ""); status != 401 {
		t.Fatalf("a wrong token: %d", status)
	}

	open := newEnv(t, func(o *Options) {
		o.OpenAccounts, o.SharedSecret, o.AccountIdle = true, "shared", time.Hour
	})
	open.call("GET", "/otp/flow/list", "", open.signed("job-1", "shared"))
	if status, raw := open.signedControl("job-1", "shared", "GET", "/_sandbox/accounts"); status != 200 || !slices.Equal(list(raw), []accountEntry{{"job-1", "opened"}}) {
		t.Fatalf("signed: %d %s", status, raw)
	}
	job := open.srv.lookup("job-1")
	job.lastUsed.Store(1)
	if got := list(open.mustControl(200, "GET", "/_sandbox/accounts", "")); len(got) != 3 || job.lastUsed.Load() != 1 {
		t.Fatalf("the list opened an account, or kept one from going idle: %+v", got)
	}
}

// inboxIsolationControl are the inbox's cases of TestAccountIsolation.
var inboxIsolationControl = map[string]func(e seeded){
	"GET /_sandbox/inbox": func(e seeded) {
		// A wait of the other account does not end with the main
		// account's send, and finds nothing of it.
		v := decode[inboxAnswer](e.t, e.mustControl(200, "GET", "/_sandbox/inbox?key="+otherKey, "")).Version
		done := make(chan inboxAnswer, 1)
		go func() {
			_, raw := e.control("GET", "/_sandbox/inbox?wait=1&since="+v+"&key="+otherKey, "")
			var ans inboxAnswer
			_ = json.Unmarshal(raw, &ans)
			done <- ans
		}()
		time.Sleep(50 * time.Millisecond)
		e.sendMain()
		start := time.Now()
		if ans := <-done; ans.Total != 0 || ans.Version != v || time.Since(start) < 500*time.Millisecond {
			e.t.Fatalf("the other account's wait: %+v after %s", ans, time.Since(start))
		}
		if status, raw := e.signedControl(otherKey, otherSecret, "GET", "/_sandbox/inbox"); status != 200 || decode[inboxAnswer](e.t, raw).Total != 0 {
			e.t.Fatalf("signed by the other account: %d %s", status, raw)
		}
		if in := decode[inboxAnswer](e.t, e.mustControl(200, "GET", "/_sandbox/inbox?key="+key, "")); in.Total != 1 {
			e.t.Fatalf("the main account's inbox: %+v", in)
		}
	},
	"GET /_sandbox/accounts": func(e seeded) {
		if status, raw := e.signedControl(otherKey, otherSecret, "GET", "/_sandbox/accounts"); status != 200 || string(raw) != `[{"key":"other-key","origin":"configured"}]`+"\n" {
			e.t.Fatalf("signed by the other account: %d %s", status, raw)
		}
		if status, _ := e.signedControl(otherKey, otherSecret, "GET", "/_sandbox/accounts?key="+key); status != 403 {
			e.t.Fatalf("signed by the other account, naming the main one: %d", status)
		}
	},
}

// An import replaces the account at once for whoever waits on it: an open
// page's inbox wait and a script's messages wait end with the import, not
// when their time is up, and answer what it brought.
func TestAnImportWakesTheWaits(t *testing.T) {
	e := newHTTPSvc(t)
	const to = "4915100000042"
	id := e.send(to, "")
	doc := e.mustControl(200, "GET", "/_sandbox/export", "")
	e.mustControl(204, "POST", "/_sandbox/reset", "")
	v := e.inbox("").Version

	inbox, msgs := make(chan inboxAnswer, 1), make(chan []Message, 1)
	go func() {
		var ans inboxAnswer
		if status, raw := e.control("GET", "/_sandbox/inbox?wait=30&since="+v, ""); status == 200 {
			_ = json.Unmarshal(raw, &ans)
		}
		inbox <- ans
	}()
	go func() {
		var ans []Message
		if status, raw := e.control("GET", "/_sandbox/messages?wait=30&to="+to, ""); status == 200 {
			_ = json.Unmarshal(raw, &ans)
		}
		msgs <- ans
	}()
	time.Sleep(200 * time.Millisecond) // both are waiting by now
	e.mustControl(200, "PUT", "/_sandbox/import", string(doc))
	// A third of the waits' time: only the import can end them by then.
	timeout := time.After(10 * time.Second)
	select {
	case ans := <-inbox:
		if ans.Version == v || len(ans.Messages) != 1 || ans.Messages[0].VerificationID != id {
			t.Fatalf("the inbox wait answered %+v", ans)
		}
	case <-timeout:
		t.Fatal("the inbox wait did not end with the import")
	}
	select {
	case ans := <-msgs:
		if len(ans) != 1 || ans[0].VerificationID != id {
			t.Fatalf("the messages wait answered %+v", ans)
		}
	case <-timeout:
		t.Fatal("the messages wait did not end with the import")
	}
}
