package sandbox

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// An account with something of everything an export holds: objects, a
// verification with a flow (a step run), a wrong check, a resend, a number
// with a fixed code, settings, an advanced clock.
func fullAccount(t *testing.T, e *env) {
	t.Helper()
	app := e.newApp("export-app")
	tpl := e.newTemplate(app.AppID, "export-template")
	f := e.newFlow("export-flow")
	e.mustControl(200, "PUT", "/_sandbox/numbers/4915100000077?key="+key, `{"sms":"failed","code":"7777"}`)
	e.mustControl(200, "PUT", "/_sandbox/settings?key="+key, `{"sensitiveWords":["casino"]}`)
	sent := decode[struct {
		VerificationID string `json:"verificationId"`
	}](t, e.must("POST", "/otp/verification/send", `{"appId":"`+app.AppID+`","templateId":`+id64(tpl.TemplateID)+
		`,"flowId":`+id64(f.FlowID)+`,"to":"4915100000077","orderId":"order-1"}`))
	e.must("POST", "/otp/verification/verify", `{"verificationId":"`+sent.VerificationID+`","code":"0000"}`)
	e.mustControl(200, "POST", "/_sandbox/clock?key="+key, `{"advanceSeconds":45}`)
	e.must("POST", "/otp/verification/resend", `{"verificationId":"`+sent.VerificationID+`"}`)
}

// An export taken after an import is the imported document; the import
// comes back after a restart (one record of the journal), and the ids'
// counters go on past the imported ids.
func TestExportImportRoundTrip(t *testing.T) {
	from := newEnv(t)
	fullAccount(t, from)
	doc := from.mustControl(200, "GET", "/_sandbox/export?key="+key, "")
	var x Export
	if err := json.Unmarshal(doc, &x); err != nil {
		t.Fatal(err)
	}
	if len(x.Flows) != 1 || len(x.Apps) != 1 || len(x.Templates) != 1 || len(x.Service.Verifications) != 2 ||
		x.Service.Numbers["4915100000077"].Code != "7777" || x.Service.ClockOffsetSeconds != 45 || len(x.Service.Settings.SensitiveWords) != 1 {
		t.Fatalf("the export: %s", doc)
	}

	path := statePath(t)
	to := newEnv(t, withState(path))
	var sum ImportSummary
	if err := json.Unmarshal(to.mustControl(200, "PUT", "/_sandbox/import?key="+key, string(doc)), &sum); err != nil {
		t.Fatal(err)
	}
	if sum != (ImportSummary{Key: key, Flows: 1, Apps: 1, Templates: 1, Verifications: 2, Numbers: 1}) {
		t.Fatalf("summary %+v", sum)
	}
	if again := to.mustControl(200, "GET", "/_sandbox/export?key="+key, ""); !bytes.Equal(again, doc) {
		t.Fatalf("the export after the import differs:\n%s\n%s", again, doc)
	}
	// What the API answers is the same: lists, details, records.
	for _, p := range []string{"/otp/flow/list", "/otp/template/list", "/otp/app/details/" + x.Apps[0].AppID,
		"/otp/verification/record/" + x.Service.Verifications[0].ID, "/otp/verification/record/" + x.Service.Verifications[1].ID} {
		if a, b := from.must("GET", p, ""), to.must("GET", p, ""); !bytes.Equal(a, b) {
			t.Errorf("GET %s: %s, after the import %s", p, a, b)
		}
	}
	// The number's fixed code, the settings and the clock came along.
	var num numberAnswer
	if err := json.Unmarshal(to.mustControl(200, "GET", "/_sandbox/numbers/4915100000077?key="+key, ""), &num); err != nil || num.Code != "7777" {
		t.Fatalf("the number after the import: %+v %v", num, err)
	}
	if f := to.newFlow("after-import"); f.FlowID <= x.Flows[0].FlowID {
		t.Fatalf("a new flow got id %d, not past the imported %d", f.FlowID, x.Flows[0].FlowID)
	}
	// The journal keeps the import as one record, and replays it.
	to.srv.Close()
	again := newEnv(t, withState(path))
	if got := again.srv.Flows(key); len(got) != 2 || !jsonEqual(got[0], x.Flows[0]) {
		t.Fatalf("after a restart: %+v", got)
	}
	if c := countRecords(t, path, `"op":"import"`); c != 1 {
		t.Fatalf("%d import records", c)
	}
}

// An import is checked whole: a broken document, or one whose ids another
// account holds, changes nothing and says why; so does one that cannot be
// saved.
func TestImportIsAllOrNothing(t *testing.T) {
	e := newEnv(t, withState(statePath(t)))
	fullAccount(t, e)
	doc := string(e.mustControl(200, "GET", "/_sandbox/export?key="+key, ""))
	before := e.mustControl(200, "GET", "/_sandbox/export?key="+otherKey, "")
	for name, tt := range map[string]struct {
		doc    string
		status int
		says   string
	}{
		"ids held":      {doc, 409, "another account holds flow 10001 (account " + key + ")"},
		"not an export": {`{"flows":[]}`, 400, `format must be`},
		"unknown field": {strings.Replace(doc, `"format"`, `"formats":1,"format"`, 1), 400, "unknown field"},
		"broken rule":   {strings.Replace(doc, `"waitingTime":30`, `"waitingTime":500`, 1), 400, "flows[0] (flowId 10001): sandbox: invalid flow: flow[0].waitingTime must be between 30 and 120"},
		"not stored so": {strings.Replace(doc, `"periodTotalSendLimit":{"enabled":false,"unit":null`, `"periodTotalSendLimit":{"enabled":false,"unit":1`, 1), 400,
			"is not as the sandbox stores it"},
		"bad number": {strings.Replace(doc, `"code":"7777"`, `"code":"7"`, 1), 400, "code must be 4 to 10 letters or digits"},
	} {
		t.Run(name, func(t *testing.T) {
			status, raw := e.control("PUT", "/_sandbox/import?key="+otherKey, tt.doc)
			if status != tt.status || !strings.Contains(string(raw), tt.says) {
				t.Fatalf("HTTP %d %s, want %d with %q", status, raw, tt.status, tt.says)
			}
			if after := e.mustControl(200, "GET", "/_sandbox/export?key="+otherKey, ""); !bytes.Equal(after, before) {
				t.Fatalf("a refused import changed the account: %s", after)
			}
		})
	}
	// The account's own ids are its to replace; a failed save changes nothing.
	e.failAt(failAppend)
	if status, raw := e.control("PUT", "/_sandbox/import?key="+key, doc); status != 500 {
		t.Fatalf("an import that could not be saved: %d %s", status, raw)
	}
	e.srv.journal.failHook.Store(nil)
	if got := string(e.mustControl(200, "GET", "/_sandbox/export?key="+key, "")); got != doc {
		t.Fatal("an import that was not saved changed the account")
	}
	e.mustControl(200, "PUT", "/_sandbox/import?key="+key, doc)
}

// The Go method otp-sandbox -import uses: the document names its account.
func TestImportByTheDocumentsKey(t *testing.T) {
	from := newEnv(t)
	fullAccount(t, from)
	doc, err := from.srv.Export(key)
	if err != nil {
		t.Fatal(err)
	}
	to := newEnv(t, func(o *Options) { o.OpenAccounts, o.SharedSecret = true, "shared" })
	if to.srv.Holds(key) {
		t.Fatal("a new account holds something")
	}
	if _, err := to.srv.Import("", doc); err != nil {
		t.Fatal(err)
	}
	if !to.srv.Holds(key) {
		t.Fatal("the import did not land in the document's account")
	}
	if got, _ := to.srv.Export(key); !bytes.Equal(got, doc) {
		t.Fatal("the export after the import differs")
	}
	// The clock's offset came with it: the service's clock reads ahead.
	if got := to.srv.Messages(key, MessageFilter{}); len(got) == 0 || time.Since(mustTime(t, got[0].At)) > time.Hour {
		t.Fatalf("messages after the import: %+v", got)
	}
	if _, err := to.srv.Import("", []byte(`{"flows":[]}`)); err == nil || !strings.Contains(err.Error(), "names no key") {
		t.Fatalf("a document without a key: %v", err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// countRecords counts the state file's lines that contain what.
func countRecords(t *testing.T, path, what string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte(what))
}
