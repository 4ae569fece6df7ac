package sandbox

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// How the OTP service's vendor routes read their bodies. Each rule the
// vendor documents is checked, in the order of the fields, and the first
// broken one answers -22 with a reason that names the field; what the
// vendor leaves open is the sandbox's reading, said in the reference
// (ServiceNotes).

// The vendor's documented sizes of the service's fields.
const (
	appIDMin, appIDMax     = 4, 32
	orderIDMax             = 64
	ruleCodeMin            = 1
	verifyCodeMin          = 4
	codeMax                = 10
	verificationIDMaxChars = 64 // not documented; a bound on what is read
)

// The patterns of a phone number and of a code, for the reference: what
// engine.IsPhoneNumber and isCode accept.
const (
	phonePattern = "^[0-9]{10,14}$"
	codePattern  = "^[0-9A-Za-z]+$"
)

// appID reads an appId: required, 4 to 32 characters.
func (b *body) appID() string {
	s := b.str("appId", true, "")
	b.chars("appId", s, appIDMin, appIDMax)
	return s
}

// channel reads an optional channel, "sms" when absent.
func (b *body) channel() string {
	c := b.str("channel", false, engine.ChannelSMS)
	if b.reason() == "" && !slices.Contains(engine.Channels, c) {
		b.failf(`channel must be "sms", "call" or "sna" (got %q)`, c)
	}
	return c
}

// positive reads an optional positive integer id; 0 when absent or null.
func (b *body) positive(field string, required bool) int64 {
	n := b.integer(field, required, 0)
	if b.reason() == "" && (b.value(field, false) != nil && n <= 0) {
		b.failf("%s must be a positive integer (got %d)", field, n)
	}
	return n
}

// parseSend reads a send, or a sendRule when rule is set (the caller's
// code; the template optional).
func parseSend(raw []byte, rule bool) (engine.SendRequest, string) {
	b := decodeBody(raw)
	r := engine.SendRequest{Rule: rule}
	r.AppID = b.appID()
	r.TemplateID = b.positive("templateId", !rule)
	r.FlowID = b.positive("flowId", false)
	r.To = b.str("to", true, "")
	if b.reason() == "" && !engine.IsPhoneNumber(r.To) {
		b.failf("to must be %s (got %q)", engine.PhoneRule, r.To)
	}
	r.Channel = b.channel()
	r.OrderID = b.str("orderId", false, "")
	b.chars("orderId", r.OrderID, 0, orderIDMax)
	if rule {
		r.Code = b.str("code", true, "")
		if b.reason() == "" && !isCode(r.Code, ruleCodeMin) {
			b.failf("code must be %d to %d letters or digits (got %q)", ruleCodeMin, codeMax, r.Code)
		}
	}
	return r, b.reason()
}

// isCode says whether s is a code of min to codeMax ASCII letters or digits.
func isCode(s string, minLen int) bool {
	if len(s) < minLen || len(s) > codeMax {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// verificationID reads a required verificationId. Any string is read, so
// that an id the sandbox never gave answers "unknown" (matched 3) as the
// vendor's would, rather than a parameter error.
func (b *body) verificationID() string {
	id := b.str("verificationId", true, "")
	b.chars("verificationId", id, 1, verificationIDMaxChars)
	return id
}

// verifyRequest is a check of a code; resendRequest a resend;
// orderRequest a question about an order.
type (
	verifyRequest struct{ ID, Code string }
	resendRequest struct{ ID, Channel string }
	orderRequest  struct{ AppID, OrderID string }
)

func parseVerify(raw []byte) (verifyRequest, string) {
	b := decodeBody(raw)
	r := verifyRequest{ID: b.verificationID(), Code: b.str("code", true, "")}
	b.chars("code", r.Code, verifyCodeMin, codeMax)
	return r, b.reason()
}

func parseResend(raw []byte) (resendRequest, string) {
	b := decodeBody(raw)
	r := resendRequest{ID: b.verificationID(), Channel: b.channel()}
	return r, b.reason()
}

func parseOrderRecord(raw []byte) (orderRequest, string) {
	b := decodeBody(raw)
	r := orderRequest{AppID: b.appID(), OrderID: b.str("orderId", true, "")}
	b.chars("orderId", r.OrderID, 1, orderIDMax)
	return r, b.reason()
}

// backfill is a customer's report of a verified code; the sandbox checks
// it and keeps nothing.
type backfill struct {
	AppID, VerificationID, Number string
	Time                          time.Time
}

func parseBackfill(raw []byte) (backfill, string) {
	b := decodeBody(raw)
	f := backfill{AppID: b.appID(), VerificationID: b.verificationID()}
	f.Number = b.str("number", false, "")
	if b.reason() == "" && f.Number != "" && !engine.IsPhoneNumber(f.Number) {
		b.failf("number must be %s (got %q)", engine.PhoneRule, f.Number)
	}
	f.Time = b.moment("time")
	return f, b.reason()
}

// moment reads a required time: RFC 3339 with an offset, or Unix time in
// seconds or milliseconds (the vendor does not say which).
func (b *body) moment(field string) time.Time {
	switch v := b.value(field, true).(type) {
	case nil:
	case string:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			b.failf("%s must be a time in ISO 8601 with an offset, such as 2022-01-01T00:00:00+08:00 (got %q)", field, v)
		}
		return t
	case json.Number:
		n, err := v.Int64()
		if err != nil || n <= 0 {
			b.failf("%s must be a time in ISO 8601 or a positive Unix time (got %s)", field, v)
			return time.Time{}
		}
		if n > 1e11 { // milliseconds
			return time.UnixMilli(n)
		}
		return time.Unix(n, 0)
	default:
		b.failf("%s must be a time in ISO 8601 with an offset (got %s)", field, show(v))
	}
	return time.Time{}
}

// backfillRate is a customer's report of its verification rate; checked,
// not kept.
type backfillRate struct {
	AppID, MCC string
	Number     int64
	Cardinal   int64
	Now        float64
	Callback   time.Time
}

func parseBackfillRate(raw []byte) (backfillRate, string) {
	b := decodeBody(raw)
	f := backfillRate{AppID: b.appID()}
	switch v := b.value("mcc", true).(type) {
	case nil:
	case string:
		f.MCC = v
	case json.Number:
		f.MCC = v.String()
	default:
		b.failf("mcc must be a mobile country code of 3 digits (got %s)", show(v))
	}
	if b.reason() == "" && (len(f.MCC) != 3 || strings.Trim(f.MCC, "0123456789") != "") {
		b.failf("mcc must be a mobile country code of 3 digits (got %q)", f.MCC)
	}
	f.Number = b.intIn("backfillNumber", false, 0, 0, 1<<53, "")
	f.Cardinal = b.intIn("backfillCardinalNumber", false, 0, 0, 1<<53, "")
	f.Now = b.percent("backfillNow")
	switch v := b.value("callbackTime", true).(type) {
	case nil:
	case string:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			b.failf("callbackTime must be a time in ISO 8601 with an offset, such as 2022-01-01T00:00:00+08:00 (got %q)", v)
		}
		f.Callback = t
	default:
		b.failf("callbackTime must be a time in ISO 8601 with an offset (got %s)", show(v))
	}
	return f, b.reason()
}

// percent reads a required number from 0 to 100 with at most 2 decimals.
func (b *body) percent(field string) float64 {
	raw := b.value(field, true)
	if raw == nil {
		return 0
	}
	num, isNum := raw.(json.Number)
	if !isNum {
		b.failf("%s must be a number from 0 to 100 (got %s)", field, show(raw))
		return 0
	}
	s := num.String()
	_, frac, _ := strings.Cut(s, ".")
	v, err := num.Float64()
	if err != nil || strings.ContainsAny(s, "eE") || len(frac) > 2 || v < 0 || v > 100 {
		b.failf("%s must be a number from 0 to 100 with at most 2 decimals (got %s)", field, s)
	}
	return v
}
