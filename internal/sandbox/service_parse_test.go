package sandbox

import (
	"slices"
	"strings"
	"testing"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// Every documented field rule of the service's bodies, with the reason a
// client gets.
func TestServiceBodies(t *testing.T) {
	send := func(b string) string { _, r := parseSend([]byte(b), false); return r }
	rule := func(b string) string { _, r := parseSend([]byte(b), true); return r }
	verify := func(b string) string { _, r := parseVerify([]byte(b)); return r }
	resend := func(b string) string { _, r := parseResend([]byte(b)); return r }
	order := func(b string) string { _, r := parseOrderRecord([]byte(b)); return r }
	backfillOf := func(b string) string { _, r := parseBackfill([]byte(b)); return r }
	rate := func(b string) string { _, r := parseBackfillRate([]byte(b)); return r }
	const ok = ""
	for _, c := range []struct {
		parse func(string) string
		body  string
		want  string
	}{
		{send, `{"appId":"AppOne01","templateId":20001,"to":"4915100000001"}`, ok},
		{send, `{"appId":"AppOne01","templateId":20001,"flowId":10001,"to":"4915100000001","channel":"call","orderId":"o-1"}`, ok},
		{send, `[]`, "the request body must be a JSON object"},
		{send, `{"templateId":20001,"to":"4915100000001"}`, "appId is required"},
		{send, `{"appId":"abc","templateId":20001,"to":"4915100000001"}`, "appId must be 4 to 32 characters long (got 3)"},
		{send, `{"appId":"AppOne01","to":"4915100000001"}`, "templateId is required"},
		{send, `{"appId":"AppOne01","templateId":"20001","to":"4915100000001"}`, `templateId must be an integer (got "20001")`},
		{send, `{"appId":"AppOne01","templateId":0,"to":"4915100000001"}`, "templateId must be a positive integer (got 0)"},
		{send, `{"appId":"AppOne01","templateId":20001,"flowId":-1,"to":"4915100000001"}`, "flowId must be a positive integer (got -1)"},
		{send, `{"appId":"AppOne01","templateId":20001}`, "to is required"},
		{send, `{"appId":"AppOne01","templateId":20001,"to":"+4915100000001"}`, `to must be 10 to 14 digits: the country code and the number, without + or spaces (got "+4915100000001")`},
		{send, `{"appId":"AppOne01","templateId":20001,"to":"491510"}`, "to must be 10 to 14 digits"},
		{send, `{"appId":"AppOne01","templateId":20001,"to":"491510000000123"}`, "to must be 10 to 14 digits"},
		{send, `{"appId":"AppOne01","templateId":20001,"to":"4915100000001","channel":"whatsapp"}`, `channel must be "sms", "call" or "sna" (got "whatsapp")`},
		{send, `{"appId":"AppOne01","templateId":20001,"to":"4915100000001","orderId":"` + strings.Repeat("x", 65) + `"}`, "orderId must be 0 to 64 characters long (got 65)"},
		{send, `{"appId":"AppOne01","templateId":20001,"to":"4915100000001","code":"1234"}`, ok}, // send ignores a code
		{rule, `{"appId":"AppOne01","to":"4915100000001","code":"7"}`, ok},
		{rule, `{"appId":"AppOne01","to":"4915100000001"}`, "code is required"},
		{rule, `{"appId":"AppOne01","to":"4915100000001","code":1234}`, "code must be a string (got 1234)"},
		{rule, `{"appId":"AppOne01","to":"4915100000001","code":"12345678901"}`, `code must be 1 to 10 letters or digits (got "12345678901")`},
		{rule, `{"appId":"AppOne01","to":"4915100000001","code":"12 34"}`, "code must be 1 to 10 letters or digits"},
		{verify, `{"verificationId":"22603012000000000001","code":"1234"}`, ok},
		{verify, `{"code":"1234"}`, "verificationId is required"},
		{verify, `{"verificationId":22603012000000000001,"code":"1234"}`, "verificationId must be a string"},
		{verify, `{"verificationId":"22603012000000000001"}`, "code is required"},
		{verify, `{"verificationId":"22603012000000000001","code":"123"}`, "code must be 4 to 10 characters long (got 3)"},
		{verify, `{"verificationId":"22603012000000000001","code":"12345678901"}`, "code must be 4 to 10 characters long (got 11)"},
		{resend, `{"verificationId":"22603012000000000001"}`, ok},
		{resend, `{"verificationId":"","channel":"call"}`, "verificationId must be 1 to 64 characters long (got 0)"},
		{resend, `{"verificationId":"22603012000000000001","channel":"fax"}`, `channel must be "sms", "call" or "sna"`},
		{order, `{"appId":"AppOne01","orderId":"o-1"}`, ok},
		{order, `{"appId":"AppOne01"}`, "orderId is required"},
		{order, `{"appId":"AppOne01","orderId":""}`, "orderId must be 1 to 64 characters long (got 0)"},
		{backfillOf, `{"appId":"AppOne01","verificationId":"22603012000000000001","time":"2026-03-01T20:00:00+08:00"}`, ok},
		{backfillOf, `{"appId":"AppOne01","verificationId":"22603012000000000001","number":"4915100000001","time":1772366400}`, ok},
		{backfillOf, `{"appId":"AppOne01","verificationId":"22603012000000000001","time":"yesterday"}`, "time must be a time in ISO 8601 with an offset"},
		{backfillOf, `{"appId":"AppOne01","verificationId":"22603012000000000001","number":"12","time":1}`, "number must be 10 to 14 digits"},
		{backfillOf, `{"appId":"AppOne01","verificationId":"22603012000000000001"}`, "time is required"},
		{rate, `{"appId":"AppOne01","mcc":"460","backfillNow":99.5,"callbackTime":"2026-03-01T20:00:00+08:00"}`, ok},
		{rate, `{"appId":"AppOne01","mcc":460,"backfillNumber":10,"backfillCardinalNumber":12,"backfillNow":100,"callbackTime":"2026-03-01T20:00:00Z"}`, ok},
		{rate, `{"appId":"AppOne01","mcc":"46","backfillNow":1,"callbackTime":"2026-03-01T20:00:00Z"}`, `mcc must be a mobile country code of 3 digits (got "46")`},
		{rate, `{"appId":"AppOne01","mcc":"460","backfillNow":99.555,"callbackTime":"2026-03-01T20:00:00Z"}`, "backfillNow must be a number from 0 to 100 with at most 2 decimals (got 99.555)"},
		{rate, `{"appId":"AppOne01","mcc":"460","backfillNow":101,"callbackTime":"2026-03-01T20:00:00Z"}`, "backfillNow must be a number from 0 to 100"},
		{rate, `{"appId":"AppOne01","mcc":"460","backfillNow":"50","callbackTime":"2026-03-01T20:00:00Z"}`, `backfillNow must be a number from 0 to 100 (got "50")`},
		{rate, `{"appId":"AppOne01","mcc":"460","backfillNow":50,"callbackTime":"2026-03-01"}`, "callbackTime must be a time in ISO 8601 with an offset"},
		{rate, `{"appId":"AppOne01","mcc":"460","backfillNow":50}`, "callbackTime is required"},
		{rate, `{"appId":"AppOne01","mcc":"460","backfillNumber":-1,"backfillNow":50,"callbackTime":"2026-03-01T20:00:00Z"}`, "backfillNumber must be between 0 and"},
	} {
		got := c.parse(c.body)
		if c.want == ok && got != "" || c.want != ok && !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: reason %q, want %q", c.body, got, c.want)
		}
	}
}

func TestSendBodyValues(t *testing.T) {
	r, reason := parseSend([]byte(`{"appId":"AppOne01","templateId":20001,"flowId":10001,"to":"4915100000001","orderId":"o-1"}`), false)
	want := engine.SendRequest{AppID: "AppOne01", TemplateID: 20001, FlowID: 10001, To: "4915100000001", Channel: engine.ChannelSMS, OrderID: "o-1"}
	if reason != "" || r != want {
		t.Fatalf("got %+v %q, want %+v", r, reason, want)
	}
}

// FuzzServiceBodies: no body, however broken, makes a parser panic, and
// a body a parser accepts keeps the rules it checks.
func FuzzServiceBodies(f *testing.F) {
	for _, seed := range []string{
		`{"appId":"AppOne01","templateId":20001,"to":"4915100000001","channel":"sna","orderId":"o"}`,
		`{"appId":"AppOne01","to":"4915100000001","code":"12ab"}`,
		`{"verificationId":"22603012000000000001","code":"1234"}`,
		`{"appId":"AppOne01","verificationId":"1","time":1e3}`,
		`{"appId":"AppOne01","mcc":460,"backfillNow":1.5e1,"callbackTime":"2026-03-01T20:00:00Z"}`,
		`{"templateId":null,"flowId":1.5,"to":["x"]}`, `null`, `"x"`, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, rule := range []bool{false, true} {
			r, reason := parseSend(raw, rule)
			if reason != "" {
				continue
			}
			if !engine.IsPhoneNumber(r.To) || len(r.AppID) < appIDMin || (!rule && r.TemplateID <= 0) || r.FlowID < 0 ||
				(rule && !isCode(r.Code, ruleCodeMin)) || !slices.Contains(engine.Channels, r.Channel) || r.Rule != rule {
				t.Fatalf("accepted %q as %+v", raw, r)
			}
		}
		if v, reason := parseVerify(raw); reason == "" && (len([]rune(v.Code)) < verifyCodeMin || len([]rune(v.Code)) > codeMax) {
			t.Fatalf("accepted code %q", v.Code)
		}
		_, _ = parseResend(raw)
		_, _ = parseOrderRecord(raw)
		_, _ = parseBackfill(raw)
		if f, reason := parseBackfillRate(raw); reason == "" && (f.Now < 0 || f.Now > 100 || len(f.MCC) != 3) {
			t.Fatalf("accepted %+v", f)
		}
	})
}
