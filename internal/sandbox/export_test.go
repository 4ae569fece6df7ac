package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
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
		"ids held": {doc, 409, "account " + key + " already holds 5 of the document's ids: 1 flow, 1 app, 1 template, 2 verifications " +
			"(they are flow 10001 (account " + key + "), "},
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

// seededJob is a sandbox of open accounts whose account job-1 holds an
// app, a template and sends verifications, and job-1's export.
func seededJob(t *testing.T, sends int) (e *env, seed string, app App, tpl Template) {
	t.Helper()
	e = newEnv(t, func(o *Options) { o.OpenAccounts, o.SharedSecret = true, sharedSecret })
	job1 := e.signed("job-1", sharedSecret)
	app = decode[App](t, e.call("POST", "/otp/app/add", `{"name":"seed-app"}`, job1).Data)
	tpl = decode[Template](t, e.call("POST", "/otp/template/add",
		`{"appId":"`+app.AppID+`","name":"seed-template","text":"##code## is your code","codeLength":6}`, job1).Data)
	for i := range sends {
		body := fmt.Sprintf(`{"appId":%q,"templateId":%d,"to":"49151000%05d"}`, app.AppID, tpl.TemplateID, i)
		if r := e.call("POST", "/otp/verification/send", body, e.signed("job-1", sharedSecret)); r.Status != "0" {
			t.Fatalf("send %d: %+v", i, r)
		}
	}
	return e, string(e.mustControl(200, "GET", "/_sandbox/export?key=job-1", "")), app, tpl
}

const sharedSecret = "shared"

// The same export imported into a second account of one sandbox (the
// trial's finding 5: a seed per job of a shared sandbox) is refused with
// an answer a person reads: the held ids counted by kind, the first few
// named, and what works instead; not every id (115 KB for 2,018
// verifications).
func TestARefusedImportSaysHowManyAndWhatWorks(t *testing.T) {
	e, seed, app, tpl := seededJob(t, 12)
	status, raw := e.control("PUT", "/_sandbox/import?key=job-2", seed)
	why := decode[struct {
		Error string `json:"error"`
	}](t, raw).Error
	for _, want := range []string{"account job-1 already holds 14 of the document's ids: 1 app, 1 template, 12 verifications",
		"the first 5: app " + app.AppID + " (account job-1), template " + id64(tpl.TemplateID) + " (account job-1), verification ",
		"otp-sandbox -import FILE", "POST /_sandbox/reset?key=job-1", "the control routes"} {
		if !strings.Contains(why, want) {
			t.Errorf("the refusal does not say %q: %s", want, why)
		}
	}
	if status != 409 || strings.Count(why, "(account job-1)") != 5 || len(raw) > 1000 {
		t.Fatalf("HTTP %d, %d bytes, %d ids named: %s", status, len(raw), strings.Count(why, "(account job-1)"), raw)
	}
}

// A refused import opens no account in open mode (it opened an empty one,
// left behind), whether the request had the token or a signature, or came
// from otp-sandbox -import; an import that passes opens its account.
func TestARefusedImportOpensNoAccount(t *testing.T) {
	e, seed, _, _ := seededJob(t, 2)
	if status, raw := e.control("PUT", "/_sandbox/import?key=job-2", seed); status != 409 {
		t.Fatalf("an import of held ids: %d %s", status, raw)
	}
	if r := e.call("PUT", "/_sandbox/import", `{"format":"none"}`, e.signed("job-3", sharedSecret)); r.HTTP != 400 {
		t.Fatalf("a signed import of no export: HTTP %d", r.HTTP)
	}
	if _, err := e.srv.Import("job-4", []byte(seed)); err == nil {
		t.Fatal("an import of held ids answered done")
	}
	for _, k := range []string{"job-2", "job-3", "job-4"} {
		if e.srv.lookup(k) != nil {
			t.Errorf("a refused import opened account %s", k)
		}
	}
	// Once job-1 lets go of the ids, the import opens its account.
	e.mustControl(204, "POST", "/_sandbox/reset?key=job-1", "")
	if sum := decode[ImportSummary](t, e.mustControl(200, "PUT", "/_sandbox/import?key=job-2", seed)); sum.Verifications != 2 || e.srv.lookup("job-2") == nil {
		t.Fatalf("the import into a new key: %+v", sum)
	}
}
