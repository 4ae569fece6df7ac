package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// The OTP service through HTTP: the vendor's routes with their documented
// shapes, and the control routes that read messages and move the clock.

// httpSvc is an env whose main account has an app (limits off), a template
// of 6-digit codes and a flow of one call 60 s after a failed SMS.
type httpSvc struct {
	*env
	app  App
	tpl  Template
	flow Flow
}

// newHTTPSvc makes one with one account, so that the control routes need
// no ?key=.
func newHTTPSvc(t *testing.T, mods ...func(*Options)) httpSvc {
	t.Helper()
	oneAccount := func(o *Options) { o.Accounts = map[string]string{key: secret} }
	e := httpSvc{env: newEnv(t, append([]func(*Options){oneAccount}, mods...)...)}
	e.app = e.newApp("login-app")
	e.tpl = decode[Template](t, e.must("POST", "/otp/template/add",
		`{"appId":"`+e.app.AppID+`","name":"login-sms","text":"##code## is your code","codeLength":6,"senderId":"Shop"}`))
	e.flow = decode[Flow](t, e.must("POST", "/otp/flow/add", `{"name":"login-flow","flow":[{"waitingTime":60,"status":1,"channel":"call"}]}`))
	return e
}

func (e httpSvc) sendBody(to string, extra string) string {
	return fmt.Sprintf(`{"appId":%q,"templateId":%d,"to":%q%s}`, e.app.AppID, e.tpl.TemplateID, to, extra)
}

// send sends a code and returns its verificationId.
func (e httpSvc) send(to string, extra string) string {
	e.t.Helper()
	var d engine.SendAnswer
	if err := json.Unmarshal(e.must("POST", "/otp/verification/send", e.sendBody(to, extra)), &d); err != nil {
		e.t.Fatal(err)
	}
	return d.VerificationID
}

func (e httpSvc) messages(query string) []Message {
	e.t.Helper()
	return decode[[]Message](e.t, e.mustControl(200, "GET", "/_sandbox/messages?"+query, ""))
}

func (e httpSvc) code(id string) string {
	e.t.Helper()
	ms := e.messages("verificationId=" + id)
	if len(ms) == 0 {
		e.t.Fatalf("no message for %s", id)
	}
	return ms[0].Code
}

func (e httpSvc) verify(id, code string) int {
	e.t.Helper()
	return decode[engine.VerifyAnswer](e.t, e.must("POST", "/otp/verification/verify", `{"verificationId":"`+id+`","code":"`+code+`"}`)).Matched
}

func (e httpSvc) advance(seconds int) clockAnswer {
	e.t.Helper()
	return decode[clockAnswer](e.t, e.mustControl(200, "POST", "/_sandbox/clock", fmt.Sprintf(`{"advanceSeconds":%d}`, seconds)))
}

// keys are an object's field names and the JSON types of their values.
func keys(t *testing.T, raw json.RawMessage) map[string]string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	out := map[string]string{}
	for k, v := range m {
		switch v.(type) {
		case nil:
			out[k] = "null"
		case string:
			out[k] = "string"
		case float64:
			out[k] = "number"
		case bool:
			out[k] = "bool"
		case []any:
			out[k] = "array"
		default:
			out[k] = "object"
		}
	}
	return out
}

func wantKeys(t *testing.T, what string, raw json.RawMessage, want map[string]string) {
	t.Helper()
	if got := keys(t, raw); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: fields %v\nwant %v\nin %s", what, got, want, raw)
	}
}

var (
	vendorTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$`)
	idRE         = regexp.MustCompile(`^2\d{19}$`)
)

// The documented shapes: status a string, matched an integer, the records'
// fields with their types, ids of 20 digits, times at +08:00.
func TestServiceConformance(t *testing.T) {
	e := newHTTPSvc(t)
	r := e.call("POST", "/otp/verification/send", e.sendBody("4915100000001", `,"orderId":"order-1","flowId":`+id64(e.flow.FlowID)), nil)
	var env map[string]json.RawMessage
	raw, _ := json.Marshal(map[string]any{"status": r.Status, "reason": r.Reason, "data": r.Data})
	_ = json.Unmarshal(raw, &env)
	if r.Status != "0" || r.Reason != "success" {
		t.Fatalf("send: %+v", r)
	}
	wantKeys(t, "send", r.Data, map[string]string{"verificationId": "string", "to": "string", "channel": "string", "snaUrl": "null"})
	id := decode[engine.SendAnswer](t, r.Data).VerificationID
	if !idRE.MatchString(id) {
		t.Fatalf("verificationId %q is not 20 digits starting 2", id)
	}
	verifyData := e.must("POST", "/otp/verification/verify", `{"verificationId":"`+id+`","code":"wrong1"}`)
	wantKeys(t, "verify", verifyData, map[string]string{"verificationId": "string", "to": "string", "channel": "string", "matched": "number"})
	if !strings.Contains(string(verifyData), `"matched":2`) {
		t.Fatalf("verify: %s", verifyData)
	}

	rec := e.must("GET", "/otp/verification/record/"+id, "")
	wantKeys(t, "record", rec, map[string]string{"verificationId": "string", "verifications": "object", "sms": "object"})
	var parts map[string]json.RawMessage
	_ = json.Unmarshal(rec, &parts)
	wantKeys(t, "record.verifications", parts["verifications"], map[string]string{
		"matched": "number", "verifiedDate": "null", "oriReceiver": "string", "channel": "string", "orderId": "string"})
	wantKeys(t, "record.sms", parts["sms"], map[string]string{
		"submitTm": "string", "sendTm": "string", "doneTm": "string", "mcc": "number", "mnc": "number", "sender": "string",
		"chargeCnt": "number", "pay": "string", "status": "number", "reason": "string"})
	sms := decode[struct {
		SubmitTm string  `json:"submitTm"`
		SendTm   string  `json:"sendTm"`
		DoneTm   *string `json:"doneTm"`
	}](t, parts["sms"])
	for _, tm := range []string{sms.SubmitTm, sms.SendTm, *sms.DoneTm} {
		if !vendorTimeRE.MatchString(tm) {
			t.Fatalf("time %q is not the vendor's format", tm)
		}
	}

	call := e.send("4915100000002", `,"channel":"call"`)
	_ = json.Unmarshal(e.must("GET", "/otp/verification/record/"+call, ""), &parts)
	wantKeys(t, "record.call", parts["call"], map[string]string{
		"terminationCode": "number", "terminationReason": "string", "submitTime": "string", "callTime": "string",
		"ringingTime": "string", "answerTime": "string", "hangupTime": "string", "callDuration": "number",
		"chargedDuration": "number", "displayNum": "string", "billPeriodstring": "string", "code": "string",
		"rate": "string", "cost": "string"})

	order := e.must("POST", "/otp/verification/orderId/record", `{"appId":"`+e.app.AppID+`","orderId":"order-1"}`)
	wantKeys(t, "order record", order, map[string]string{
		"orderId": "string", "flowId": "number", "verifications": "object", "sms": "array", "call": "array", "sna": "array"})
	unknown := e.must("POST", "/otp/verification/orderId/record", `{"appId":"`+e.app.AppID+`","orderId":"nope"}`)
	if want := `{"orderId":"nope","flowId":null,"verifications":{"matched":3,"verifiedDate":null,"oriReceiver":null,"channel":null,"orderId":null},"sms":[],"call":[],"sna":[]}`; string(unknown) != want {
		t.Fatalf("unknown order:\n%s\nwant\n%s", unknown, want)
	}
	if got := string(e.must("GET", "/otp/verification/record/22603012000009999999", "")); got != `{"verificationId":"22603012000009999999","verifications":{"matched":3,"verifiedDate":null,"oriReceiver":null,"channel":null,"orderId":null}}` {
		t.Fatalf("unknown record: %s", got)
	}
	if got := string(e.must("POST", "/otp/verification/verify", `{"verificationId":"22603012000009999999","code":"1234"}`)); got != `{"verificationId":"22603012000009999999","to":null,"channel":null,"matched":3}` {
		t.Fatalf("unknown verify: %s", got)
	}
	// Errors carry no data, and a reason that names the field.
	r = e.call("POST", "/otp/verification/send", `{"appId":"`+e.app.AppID+`","templateId":1,"to":"12"}`, nil)
	if r.Status != "-22" || !strings.Contains(r.Reason, "to must be 10 to 14 digits") || r.Data != nil {
		t.Fatalf("a bad send: %+v", r)
	}
	r = e.call("POST", "/otp/verification/send", e.sendBody("4915100000001", `,"orderId":"order-1"`), nil)
	if r.Status != "-20" || !strings.Contains(r.Reason, "data existing: orderId \"order-1\" was already used, by verificationId "+id) {
		t.Fatalf("a reused orderId: %+v", r)
	}
	for _, body := range []string{
		`{"appId":"` + e.app.AppID + `","verificationId":"` + id + `","time":"2026-03-01T20:00:00+08:00"}`,
	} {
		if r := e.call("POST", "/otp/postback/backfill", body, nil); r.Status != "0" || string(r.Data) != "null" {
			t.Fatalf("backfill: %+v", r)
		}
	}
	if r := e.call("POST", "/otp/backfillRate", `{"appId":"`+e.app.AppID+`","mcc":"460","backfillNow":99.5,"callbackTime":"2026-03-01T20:00:00+08:00"}`, nil); r.Status != "0" {
		t.Fatalf("backfillRate: %+v", r)
	}
	if r := e.call("POST", "/otp/backfillRate", `{"appId":"Nobody12","mcc":"460","backfillNow":1,"callbackTime":"2026-03-01T20:00:00+08:00"}`, nil); r.Status != "-22" || !strings.Contains(r.Reason, `appId "Nobody12" does not exist`) {
		t.Fatalf("backfillRate of an unknown app: %+v", r)
	}
}

// The service's routes are vendor routes: signed, counted, faulted.
func TestServiceRoutesAreVendorRoutes(t *testing.T) {
	e := newHTTPSvc(t)
	wantRefused(t, e.call("POST", "/otp/verification/send", e.sendBody("4915100000001", ""), map[string]string{"Api-Key": ""}), "-1", "headers are required")
	stale := e.signed(key, secret)
	stale["Timestamp"] = fmt.Sprint(time.Now().Add(-time.Hour).Unix())
	stale["Sign"] = sign(key, secret, stale["Timestamp"])
	wantRefused(t, e.call("POST", "/otp/verification/verify", `{"verificationId":"1","code":"1234"}`, stale), "-16", "")
	e.mustControl(200, "PUT", "/_sandbox/faults", `{"systemErrorRate":1,"limit":1,"routes":["POST /verification/send"]}`)
	wantRefused(t, e.call("POST", "/otp/verification/send", e.sendBody("4915100000001", ""), nil), "-18", "")
	id := e.send("4915100000001", "")
	if n := len(e.messages("")); n != 1 {
		t.Fatalf("%d messages: the faulted send sent", n)
	}
	e.verify(id, e.code(id))
	e.must("GET", "/otp/verification/record/"+id, "")
	counts := e.srv.Counts()
	if counts[RouteSend] != 3 || counts[RouteVerify] != 2 || counts[RouteRecord] != 1 {
		t.Fatalf("counts %v", counts)
	}
	// Moving the service's clock never makes a signature stale.
	e.advance(30 * 86400)
	if m := e.verify(id, e.code(id)); m != engine.MatchedUsed {
		t.Fatalf("after a month: matched %d", m)
	}
}

func TestUnknownPathsAnswerTheEnvelope(t *testing.T) {
	e := newHTTPSvc(t)
	for _, c := range []struct {
		method, path string
		http         int
		reason       string
	}{
		{"POST", "/otp/verification/sendd", 404, "parameter exception: no route POST /otp/verification/sendd"},
		{"GET", "/otp/verification/send", 405, "parameter exception: /otp/verification/send takes POST, not GET"},
		{"POST", "/otp/verification/record/123", 405, "takes GET, not POST"},
		{"GET", "/otp/", 404, "no route GET /otp/"},
	} {
		req, _ := http.NewRequest(c.method, e.hs.URL+c.path, nil) //nolint:noctx // a test
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var env struct{ Status, Reason string }
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil || resp.StatusCode != c.http || env.Status != codeParameter || !strings.Contains(env.Reason, c.reason) ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: HTTP %d %+v %v", c.method, c.path, resp.StatusCode, env, err)
		}
	}
}

// The sna URL is on the sandbox's public address, whatever Host header a
// request sends: a client cannot make the sandbox hand out, or keep, a URL
// of someone else's.
func TestSNAOverHTTP(t *testing.T) {
	e := newHTTPSvc(t)
	headers := e.signed(key, secret)
	headers["Host"] = "attacker.example"
	r := e.call("POST", "/otp/verification/send", e.sendBody("4915100000001", `,"channel":"sna"`), headers)
	a := decode[engine.SendAnswer](t, r.Data)
	if a.SNAURL == nil || !strings.HasPrefix(*a.SNAURL, e.hs.URL+engine.SNAPath) {
		t.Fatalf("snaUrl %v, want one on %s", a.SNAURL, e.hs.URL)
	}
	if m := e.messages("verificationId=" + a.VerificationID); len(m) != 1 || m[0].SNAURL == nil || *m[0].SNAURL != *a.SNAURL {
		t.Fatalf("the message's snaUrl: %+v", m)
	}
	for _, want := range []int{200, 409} {
		resp, err := http.Get(*a.SNAURL) //nolint:noctx // a test
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("fetch: %d %s, want %d", resp.StatusCode, b, want)
		}
	}
	if m := e.verify(a.VerificationID, e.code(a.VerificationID)); m != engine.MatchedUsed {
		t.Fatalf("verify after the sna fetch: %d", m)
	}
	resp, err := http.Get(e.hs.URL + engine.SNAPath + "nope") //nolint:noctx // a test
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown token: %d", resp.StatusCode)
	}
}

func TestMessagesRoute(t *testing.T) {
	e := newHTTPSvc(t)
	id := e.send("9991000000001", `,"flowId":`+id64(e.flow.FlowID))
	e.send("4915100000002", "")
	if ms := e.messages("to=9991000000001"); len(ms) != 1 || ms[0].VerificationID != id || ms[0].Outcome != "failed" || ms[0].Text != ms[0].Code+" is your code" {
		t.Fatalf("by number: %+v", ms)
	}
	// wait holds the request until the flow's call exists: the advance
	// below makes it.
	got := make(chan []Message)
	go func() {
		var ms []Message
		status, raw := e.control("GET", "/_sandbox/messages?verificationId="+id+"&channel=call&wait=10", "")
		if status == 200 {
			_ = json.Unmarshal(raw, &ms)
		}
		got <- ms
	}()
	time.Sleep(100 * time.Millisecond)
	if a := e.advance(60); *a.StepsRun != 1 || a.OffsetSeconds != 60 {
		t.Fatalf("advance: %+v", a)
	}
	select {
	case ms := <-got:
		if len(ms) != 1 || ms[0].Step != 1 || ms[0].Channel != "call" || ms[0].Outcome != "answered" || ms[0].Voice == nil {
			t.Fatalf("waited for %+v", ms)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end when the call was made")
	}
	start := time.Now()
	if ms := e.messages("to=4915100000009&wait=0.3"); len(ms) != 0 || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("a wait for nothing: %v after %s", ms, time.Since(start))
	}
	for _, bad := range []string{"wait=301", "wait=x", "step=-1", "channel=fax"} {
		if status, raw := e.control("GET", "/_sandbox/messages?"+bad, ""); status != 400 {
			t.Errorf("%s: %d %s", bad, status, raw)
		}
	}
	if d := decode[map[string]int](t, e.mustControl(200, "DELETE", "/_sandbox/messages?to=9991000000001", "")); d["deleted"] != 2 {
		t.Fatalf("deleted %v", d)
	}
	if ms := e.messages(""); len(ms) != 1 {
		t.Fatalf("after deleting one number's: %+v", ms)
	}
	if m := e.verify(id, "123456"); m != engine.MatchedWrong && m != engine.MatchedOK {
		t.Fatalf("the verification went with its messages: %d", m)
	}
}

func TestClockRoutes(t *testing.T) {
	e := newHTTPSvc(t)
	c := decode[clockAnswer](t, e.mustControl(200, "GET", "/_sandbox/clock", ""))
	now, err := time.Parse(time.RFC3339Nano, c.Now)
	if err != nil || c.OffsetSeconds != 0 || time.Since(now).Abs() > time.Minute {
		t.Fatalf("clock %+v %v", c, err)
	}
	if a := e.advance(3600); a.OffsetSeconds != 3600 || *a.StepsRun != 0 {
		t.Fatalf("advance %+v", a)
	}
	for _, bad := range []string{`{"advanceSeconds":-1}`, `{}`, `{"advanceSeconds":1.5}`, `{"advance":1}`} {
		if status, raw := e.control("POST", "/_sandbox/clock", bad); status != 400 {
			t.Errorf("%s: %d %s", bad, status, raw)
		}
	}
	// Every step due runs before the answer, in due-time order.
	ids := []string{e.send("9991000000001", `,"flowId":`+id64(e.flow.FlowID)), e.send("9991000000002", `,"flowId":`+id64(e.flow.FlowID))}
	if a := e.advance(120); *a.StepsRun != 2 {
		t.Fatalf("advance across two steps: %+v", a)
	}
	for _, id := range ids {
		if ms := e.messages("verificationId=" + id); len(ms) != 2 {
			t.Fatalf("%s: %+v", id, ms)
		}
	}
	// A reset puts the clock back to real time.
	e.mustControl(204, "POST", "/_sandbox/reset?key="+key, "")
	if c := decode[clockAnswer](t, e.mustControl(200, "GET", "/_sandbox/clock", "")); c.OffsetSeconds != 0 {
		t.Fatalf("after a reset %+v", c)
	}
}

func TestNumberRoutes(t *testing.T) {
	e := newHTTPSvc(t)
	if n := decode[numberAnswer](t, e.mustControl(200, "GET", "/_sandbox/numbers/9992000000001", "")); n.Source != "range 9992…" || n.Call != "failed" || n.SMS != "delivered" {
		t.Fatalf("range %+v", n)
	}
	set := decode[numberAnswer](t, e.mustControl(200, "PUT", "/_sandbox/numbers/4915100000001", `{"sms":"failed","delaySeconds":5}`))
	if set.SMS != "failed" || set.Call != "answered" || set.DelaySeconds != 5 || set.Source != "override" {
		t.Fatalf("set %+v", set)
	}
	id := e.send("4915100000001", "")
	if ms := e.messages("verificationId=" + id); ms[0].Outcome != "sending" {
		t.Fatalf("before the delay %+v", ms)
	}
	e.advance(5)
	if ms := e.messages("verificationId=" + id); ms[0].Outcome != "failed" {
		t.Fatalf("after the delay %+v", ms)
	}
	if list := decode[map[string]NumberOutcome](t, e.mustControl(200, "GET", "/_sandbox/numbers", "")); len(list) != 1 || list["4915100000001"].SMS != "failed" {
		t.Fatalf("list %+v", list)
	}
	e.mustControl(204, "DELETE", "/_sandbox/numbers/4915100000001", "")
	if n := decode[numberAnswer](t, e.mustControl(200, "GET", "/_sandbox/numbers/4915100000001", "")); n.Source != "default" {
		t.Fatalf("after DELETE %+v", n)
	}
	for _, c := range []struct{ path, body string }{
		{"/_sandbox/numbers/+4915100000001", `{}`},
		{"/_sandbox/numbers/4915100000001", `{"sms":"lost"}`},
		{"/_sandbox/numbers/4915100000001", `{"call":"delivered"}`},
		{"/_sandbox/numbers/4915100000001", `{"delaySeconds":-1}`},
		{"/_sandbox/numbers/4915100000001", `{"fax":"ok"}`},
	} {
		if status, raw := e.control("PUT", c.path, c.body); status != 400 {
			t.Errorf("PUT %s %s: %d %s", c.path, c.body, status, raw)
		}
	}
}

// A PUT changes only the fields it sends: a code fixed on a number of a
// failing range keeps the range's failures (the trial's finding 4: they
// were silently replaced by the defaults), a later PUT keeps the code, and
// "code": "" takes the code away and nothing else.
func TestNumberPutKeepsWhatItLeavesOut(t *testing.T) {
	e := newHTTPSvc(t)
	const to = "9991000000004" // SMS fail, calls answered
	set := decode[numberAnswer](t, e.mustControl(200, "PUT", "/_sandbox/numbers/"+to, `{"code":"424242"}`))
	if want := (numberAnswer{To: to, NumberOutcome: NumberOutcome{SMS: "failed", Call: "answered", Code: "424242"}, Source: "override"}); set != want {
		t.Fatalf("a code alone on a number of 9991…: %+v, want %+v", set, want)
	}
	if got := decode[numberAnswer](t, e.mustControl(200, "GET", "/_sandbox/numbers/"+to, "")); got != set {
		t.Fatalf("GET after the PUT: %+v, the PUT answered %+v", got, set)
	}
	id := e.send(to, "")
	if ms := e.messages("verificationId=" + id); ms[0].Outcome != "failed" || ms[0].Code != "424242" {
		t.Fatalf("a send to it: %+v", ms)
	}
	set = decode[numberAnswer](t, e.mustControl(200, "PUT", "/_sandbox/numbers/"+to, `{"delaySeconds":7,"call":null}`))
	if set.SMS != "failed" || set.Call != "answered" || set.DelaySeconds != 7 || set.Code != "424242" {
		t.Fatalf("a delay alone kept %+v", set)
	}
	set = decode[numberAnswer](t, e.mustControl(200, "PUT", "/_sandbox/numbers/"+to, `{"code":""}`))
	if set.SMS != "failed" || set.DelaySeconds != 7 || set.Code != "" {
		t.Fatalf(`"code": "" took away %+v`, set)
	}
	e.mustControl(204, "DELETE", "/_sandbox/numbers/"+to, "")
	if got := decode[numberAnswer](t, e.mustControl(200, "GET", "/_sandbox/numbers/"+to, "")); got.Source != "range 9991…" || got.DelaySeconds != 0 {
		t.Fatalf("after DELETE %+v", got)
	}
	for _, bad := range []string{`{"sms":""}`, `{"code":"12"}`} {
		if status, raw := e.control("PUT", "/_sandbox/numbers/"+to, bad); status != 400 {
			t.Errorf("PUT %s: %d %s", bad, status, raw)
		}
	}
}

func TestSettingsRoutes(t *testing.T) {
	e := newHTTPSvc(t)
	if got := string(e.mustControl(200, "GET", "/_sandbox/settings", "")); got != `{"insufficientBalance":false,"feeFailure":false,"sensitiveWords":[]}`+"\n" {
		t.Fatalf("default settings %s", got)
	}
	e.mustControl(200, "PUT", "/_sandbox/settings", `{"insufficientBalance":true}`)
	wantRefused(t, e.call("POST", "/otp/verification/send", e.sendBody("4915100000001", ""), nil), "-10", "balance insufficient")
	e.mustControl(200, "PUT", "/_sandbox/settings", `{"sensitiveWords":["YOUR CODE"]}`)
	wantRefused(t, e.call("POST", "/otp/verification/send", e.sendBody("4915100000001", ""), nil), "-29", `sensitive word "YOUR CODE"`)
	e.mustControl(200, "PUT", "/_sandbox/settings", `{"feeFailure":true}`)
	wantRefused(t, e.call("POST", "/otp/verification/send", e.sendBody("4915100000001", ""), nil), "-26", "getting fee fail")
	for _, bad := range []string{`{"sensitiveWords":[""]}`, `{"sensitiveWords":["` + strings.Repeat("x", 65) + `"]}`, `{"balance":0}`} {
		if status, raw := e.control("PUT", "/_sandbox/settings", bad); status != 400 {
			t.Errorf("%s: %d %s", bad, status, raw)
		}
	}
	e.mustControl(200, "PUT", "/_sandbox/settings", `{}`)
	e.send("4915100000001", "")
}

// A reset of the account forgets its verifications; a full reset starts
// the verificationIds over; retention holds through the server.
func TestServiceResetAndRetention(t *testing.T) {
	e := newHTTPSvc(t, func(o *Options) { o.Retention = 3 })
	first := e.send("4915100000001", "")
	for range 5 {
		e.send("4915100000001", "")
	}
	if n := len(e.messages("")); n != 3 {
		t.Fatalf("%d messages kept with a retention of 3", n)
	}
	if m := e.verify(first, "123456"); m != engine.MatchedUnknown {
		t.Fatalf("a forgotten verification: %d", m)
	}
	e.mustControl(204, "POST", "/_sandbox/reset?key="+key, "")
	if n := len(e.messages("")); n != 0 {
		t.Fatalf("%d messages after the account's reset", n)
	}
	if err := e.srv.Reset(); err != nil {
		t.Fatal(err)
	}
	e = httpSvc{env: e.env}
	e.app = e.newApp("login-app")
	e.tpl = decode[Template](t, e.must("POST", "/otp/template/add", `{"appId":"`+e.app.AppID+`","name":"login-sms","text":"##code##"}`))
	if id := e.send("4915100000001", ""); !strings.HasSuffix(id, "0000001") {
		t.Fatalf("after a full reset: %s", id)
	}
}

// Each attempt is one human line on the log: number, channel, code, step.
func TestServiceLogsAttempts(t *testing.T) {
	var logs syncBuf
	e := newHTTPSvc(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	id := e.send("4915100000001", "")
	line := regexp.MustCompile(`level=INFO msg="code sent" key=` + key + ` to=4915100000001 channel=sms code=(\d{6}) step=0 verificationId=` + id + ` outcome=delivered\n`)
	m := line.FindStringSubmatch(logs.String())
	if m == nil || m[1] != e.code(id) {
		t.Fatalf("no attempt line in\n%s", logs.String())
	}
}

// 32 clients send, read, check, resend and move the clock at once; run
// with -race. Every verification ends checked, with the code it was sent.
func TestServiceConcurrentClients(t *testing.T) {
	e := newHTTPSvc(t)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for c := range 32 {
		wg.Go(func() {
			for i := range 10 {
				to := fmt.Sprintf("99910%02d%06d", c, i) // SMS fail: the flow calls
				var a engine.SendAnswer
				body := e.sendBody(to, `,"flowId":`+id64(e.flow.FlowID))
				r := e.call("POST", "/otp/verification/send", body, nil)
				if r.Status != "0" {
					errs <- fmt.Errorf("send: %+v", r)
					return
				}
				_ = json.Unmarshal(r.Data, &a)
				if c%8 == 0 {
					if status, raw := e.control("POST", "/_sandbox/clock", `{"advanceSeconds":1}`); status != 200 {
						errs <- fmt.Errorf("advance: %d %s", status, raw)
						return
					}
				}
				if i%3 == 0 {
					r := e.call("POST", "/otp/verification/resend", `{"verificationId":"`+a.VerificationID+`"}`, nil)
					if r.Status != "0" {
						errs <- fmt.Errorf("resend: %+v", r)
						return
					}
					_ = json.Unmarshal(r.Data, &a)
				}
				status, raw := e.control("GET", "/_sandbox/messages?verificationId="+a.VerificationID, "")
				var ms []Message
				if err := json.Unmarshal(raw, &ms); status != 200 || err != nil || len(ms) == 0 {
					errs <- fmt.Errorf("messages of %s: %d %s", a.VerificationID, status, raw)
					return
				}
				var v engine.VerifyAnswer
				r = e.call("POST", "/otp/verification/verify", `{"verificationId":"`+a.VerificationID+`","code":"`+ms[0].Code+`"}`, nil)
				if err := json.Unmarshal(r.Data, &v); err != nil || v.Matched != engine.MatchedOK {
					errs <- fmt.Errorf("verify %s: %+v", a.VerificationID, r)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ids := map[string]bool{}
	for _, m := range e.messages("") {
		ids[m.VerificationID] = true
	}
	if n := len(e.messages("step=0")); n != 32*10+32*4 || len(ids) != n {
		t.Fatalf("%d sends and resends logged under %d ids, want %d", n, len(ids), 32*14)
	}
}

// serviceIsolationVendor and serviceIsolationControl are the service's
// cases of TestAccountIsolation: the other account reaches nothing of the
// main account's verifications, messages, clock, numbers or settings.
var serviceIsolationVendor = map[string]func(e seeded){
	RouteSend: func(e seeded) {
		r := e.asOther("POST", "/otp/verification/send", `{"appId":"`+e.app.AppID+`","templateId":`+id64(e.template.TemplateID)+`,"to":"4915100000001"}`)
		wantRefused(e.t, r, "-22", "appId")
		if n := len(e.srv.Messages(key, MessageFilter{})) + len(e.srv.Messages(otherKey, MessageFilter{})); n != 0 {
			e.t.Fatalf("%d messages", n)
		}
	},
	RouteSendRule: func(e seeded) {
		wantRefused(e.t, e.asOther("POST", "/otp/verification/sendRule", `{"appId":"`+e.app.AppID+`","to":"4915100000001","code":"1234"}`), "-22", "appId")
	},
	RouteVerify: func(e seeded) {
		id, code := e.sendMain()
		if got := decode[engine.VerifyAnswer](e.t, e.asOther("POST", "/otp/verification/verify", `{"verificationId":"`+id+`","code":"`+code+`"}`).Data); got.Matched != engine.MatchedUnknown {
			e.t.Fatalf("the other account checked the main account's code: %+v", got)
		}
		if got := decode[engine.VerifyAnswer](e.t, e.must("POST", "/otp/verification/verify", `{"verificationId":"`+id+`","code":"`+code+`"}`)); got.Matched != engine.MatchedOK {
			e.t.Fatalf("the main account's check: %+v", got)
		}
	},
	RouteResend: func(e seeded) {
		id, _ := e.sendMain()
		wantRefused(e.t, e.asOther("POST", "/otp/verification/resend", `{"verificationId":"`+id+`"}`), "-22", "does not exist")
	},
	RouteRecord: func(e seeded) {
		id, _ := e.sendMain()
		if got := decode[engine.RecordAnswer](e.t, e.asOther("GET", "/otp/verification/record/"+id, "").Data); got.Verifications.Matched != engine.MatchedUnknown || got.SMS != nil {
			e.t.Fatalf("the other account reads %+v", got)
		}
	},
	RouteOrderRecord: func(e seeded) {
		e.must("POST", "/otp/verification/send", `{"appId":"`+e.app.AppID+`","templateId":`+id64(e.template.TemplateID)+`,"to":"4915100000001","orderId":"o-1"}`)
		wantRefused(e.t, e.asOther("POST", "/otp/verification/orderId/record", `{"appId":"`+e.app.AppID+`","orderId":"o-1"}`), "-22", "appId")
		if got := decode[engine.OrderRecordAnswer](e.t, e.asOther("POST", "/otp/verification/orderId/record", `{"appId":"`+e.other.app.AppID+`","orderId":"o-1"}`).Data); got.Verifications.Matched != engine.MatchedUnknown {
			e.t.Fatalf("the other account reads %+v", got)
		}
		// Order ids are the account's: the other may use the same one.
		if r := e.asOther("POST", "/otp/verification/send", `{"appId":"`+e.other.app.AppID+`","templateId":`+id64(e.other.template.TemplateID)+`,"to":"4915100000001","orderId":"o-1"}`); r.Status != "0" {
			e.t.Fatalf("the other account's send with the same orderId: %+v", r)
		}
	},
	RouteBackfill: func(e seeded) {
		wantRefused(e.t, e.asOther("POST", "/otp/postback/backfill", `{"appId":"`+e.app.AppID+`","verificationId":"1","time":1}`), "-22", "appId")
	},
	RouteBackfillRate: func(e seeded) {
		wantRefused(e.t, e.asOther("POST", "/otp/backfillRate", `{"appId":"`+e.app.AppID+`","mcc":"460","backfillNow":1,"callbackTime":"2026-03-01T20:00:00Z"}`), "-22", "appId")
	},
}

// sendMain sends a code from the main account and returns its id and code.
func (e seeded) sendMain() (string, string) {
	e.t.Helper()
	id := decode[engine.SendAnswer](e.t, e.must("POST", "/otp/verification/send", `{"appId":"`+e.app.AppID+`","templateId":`+id64(e.template.TemplateID)+`,"to":"4915100000001"}`)).VerificationID
	return id, e.srv.Messages(key, MessageFilter{VerificationID: id})[0].Code
}

var serviceIsolationControl = map[string]func(e seeded){
	"GET /_sandbox/messages": func(e seeded) {
		e.sendMain()
		if got := decode[[]Message](e.t, e.mustControl(200, "GET", "/_sandbox/messages?key="+otherKey, "")); len(got) != 0 {
			e.t.Fatalf("the other account reads %+v", got)
		}
	},
	"DELETE /_sandbox/messages": func(e seeded) {
		e.sendMain()
		e.mustControl(200, "DELETE", "/_sandbox/messages?key="+otherKey, "")
		if n := len(e.srv.Messages(key, MessageFilter{})); n != 1 {
			e.t.Fatalf("the main account has %d messages", n)
		}
	},
	"GET /_sandbox/clock": func(e seeded) {
		e.mustControl(200, "POST", "/_sandbox/clock?key="+key, `{"advanceSeconds":600}`)
		if c := decode[clockAnswer](e.t, e.mustControl(200, "GET", "/_sandbox/clock?key="+otherKey, "")); c.OffsetSeconds != 0 {
			e.t.Fatalf("the other account's clock %+v", c)
		}
	},
	"POST /_sandbox/clock": func(e seeded) {
		id, code := e.sendMain()
		e.mustControl(200, "POST", "/_sandbox/clock?key="+otherKey, `{"advanceSeconds":86400}`)
		if got := decode[engine.VerifyAnswer](e.t, e.must("POST", "/otp/verification/verify", `{"verificationId":"`+id+`","code":"`+code+`"}`)); got.Matched != engine.MatchedOK {
			e.t.Fatalf("the other account's clock expired the main account's code: %+v", got)
		}
	},
	"GET /_sandbox/numbers": func(e seeded) {
		e.mustControl(200, "PUT", "/_sandbox/numbers/4915100000001?key="+key, `{"sms":"failed"}`)
		if got := decode[map[string]NumberOutcome](e.t, e.mustControl(200, "GET", "/_sandbox/numbers?key="+otherKey, "")); len(got) != 0 {
			e.t.Fatalf("the other account reads %+v", got)
		}
	},
	"PUT /_sandbox/numbers/{to}": func(e seeded) {
		e.mustControl(200, "PUT", "/_sandbox/numbers/4915100000001?key="+otherKey, `{"sms":"failed"}`)
		id, _ := e.sendMain()
		if m := e.srv.Messages(key, MessageFilter{VerificationID: id})[0]; m.Outcome != "delivered" {
			e.t.Fatalf("the other account's number outcome reached the main account: %+v", m)
		}
	},
	"GET /_sandbox/numbers/{to}": func(e seeded) {
		e.mustControl(200, "PUT", "/_sandbox/numbers/4915100000001?key="+key, `{"sms":"failed"}`)
		if got := decode[numberAnswer](e.t, e.mustControl(200, "GET", "/_sandbox/numbers/4915100000001?key="+otherKey, "")); got.Source != "default" {
			e.t.Fatalf("the other account reads %+v", got)
		}
	},
	"DELETE /_sandbox/numbers/{to}": func(e seeded) {
		e.mustControl(200, "PUT", "/_sandbox/numbers/4915100000001?key="+key, `{"sms":"failed"}`)
		e.mustControl(204, "DELETE", "/_sandbox/numbers/4915100000001?key="+otherKey, "")
		if got := decode[numberAnswer](e.t, e.mustControl(200, "GET", "/_sandbox/numbers/4915100000001?key="+key, "")); got.Source != "override" {
			e.t.Fatalf("the main account's override: %+v", got)
		}
	},
	"GET /_sandbox/settings": func(e seeded) {
		e.mustControl(200, "PUT", "/_sandbox/settings?key="+key, `{"insufficientBalance":true}`)
		if got := decode[ServiceSettings](e.t, e.mustControl(200, "GET", "/_sandbox/settings?key="+otherKey, "")); got.InsufficientBalance {
			e.t.Fatalf("the other account reads %+v", got)
		}
	},
	"PUT /_sandbox/settings": func(e seeded) {
		e.mustControl(200, "PUT", "/_sandbox/settings?key="+otherKey, `{"insufficientBalance":true}`)
		e.sendMain()
	},
}

// The reference says every choice it makes; a test holds a few of them to
// the behaviour (the engine tests hold the rest).
func TestServiceNotesAreComplete(t *testing.T) {
	var topics []string
	for _, n := range ServiceNotes() {
		topics = append(topics, n.Name)
		if n.Values == "" {
			t.Errorf("%s: empty", n.Name)
		}
	}
	for _, want := range []string{"routes", "order of checks", "codes", "verify", "records", "task flows", "send limits", "resend",
		"orderId", "sna", "null and absent", "phone numbers", "clock", "memory", "state file", "not emulated"} {
		if !slices.Contains(topics, want) {
			t.Errorf("no note on %s", want)
		}
	}
}
