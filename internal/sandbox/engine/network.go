package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The phone network the OTP service sends through. Every number gets its
// codes, unless it lies in one of the documented ranges below, whose
// outcomes are fixed so that parallel tests can each take a number of the
// outcome they need without sharing state; or unless a test set the
// number's outcome (SetOutcome).

// Outcomes of an attempt, as the messages and the records report them.
const (
	outcomeDelivered = "delivered" // an SMS reached the phone
	outcomeAnswered  = "answered"  // a call was answered and the code played
	outcomeFailed    = "failed"    // neither
	outcomeSending   = "sending"   // not yet known: the delay has not passed
	outcomeSent      = "sent"      // an sna attempt: its URL was handed out
)

// NumberOutcome is what the network does with the attempts to one number.
type NumberOutcome struct {
	// SMS is "delivered" or "failed".
	SMS string `json:"sms"`
	// Call is "answered" or "failed" (not answered).
	Call string `json:"call"`
	// DelaySeconds is how long each attempt stays "sending" before its
	// outcome is known, on the service's clock.
	DelaySeconds int64 `json:"delaySeconds"`
	// Code, when set, is the code every send (and resend) to the number
	// carries instead of a random one, for tests that type it (a UI test
	// cannot read the messages easily); it must fit the template's
	// codeType and codeLength.
	Code string `json:"code,omitempty"`
}

// MaxDelaySeconds bounds a number's delay: a day is longer than any code
// stays valid (codeExpiry is at most an hour).
const MaxDelaySeconds = 86400

// slowDelaySeconds is the delay of the slow range: longer than the longest
// waitingTime (120 s), so that a step triggered by a failed send does not
// fire while the code is still on its way.
const slowDelaySeconds = 150

var deliverEverything = NumberOutcome{SMS: outcomeDelivered, Call: outcomeAnswered}

// numberRange is a documented block of numbers with a fixed outcome. 999 is
// no country's calling code, so no real phone can be reached by mistake.
type numberRange struct {
	prefix  string
	outcome NumberOutcome
	does    string
}

var numberRanges = []numberRange{
	{"9991", NumberOutcome{SMS: outcomeFailed, Call: outcomeAnswered}, "SMS not delivered; calls answered"},
	{"9992", NumberOutcome{SMS: outcomeDelivered, Call: outcomeFailed}, "calls not answered; SMS delivered"},
	{"9993", NumberOutcome{SMS: outcomeFailed, Call: outcomeFailed}, "neither SMS nor calls get through"},
	{"9994", NumberOutcome{SMS: outcomeDelivered, Call: outcomeAnswered, DelaySeconds: slowDelaySeconds},
		fmt.Sprintf("delivered slowly: every attempt is \"sending\" for %d seconds of the sandbox's clock, then delivered or answered", slowDelaySeconds)},
}

// NumberRanges describes the ranges for the reference.
func NumberRanges() string {
	parts := make([]string, 0, len(numberRanges)+1)
	for _, r := range numberRanges {
		parts = append(parts, fmt.Sprintf("%s… %s", r.prefix, r.does))
	}
	parts = append(parts, "every other number (9990… for instance) gets every SMS and answers every call at once")
	return "Numbers starting 999 (no country's calling code, so no real phone is reached by mistake) have fixed outcomes: " +
		strings.Join(parts, "; ") + "."
}

// network holds an account's per-number outcomes.
type network struct {
	overrides map[string]NumberOutcome
}

// outcome is what happens to attempts to a number, and why: "override",
// "range 9991…" or "default".
func (n *network) outcome(to string) (NumberOutcome, string) {
	if o, set := n.overrides[to]; set {
		return o, "override"
	}
	for _, r := range numberRanges {
		if strings.HasPrefix(to, r.prefix) {
			return r.outcome, "range " + r.prefix + "…"
		}
	}
	return deliverEverything, "default"
}

// Outcome is what happens to the account's attempts to a number, and why:
// "override", "range 9991…" or "default".
func (s *Service) Outcome(to string) (NumberOutcome, string) { return s.network.outcome(to) }

// Outcomes are the numbers whose outcome was set, and their outcomes.
func (s *Service) Outcomes() map[string]NumberOutcome {
	out := maps.Clone(s.network.overrides)
	if out == nil {
		out = map[string]NumberOutcome{}
	}
	return out
}

// CheckOutcome validates an outcome from the control surface; what it
// leaves out is the default, delivered at once.
func CheckOutcome(o *NumberOutcome) error {
	if o.SMS == "" {
		o.SMS = outcomeDelivered
	}
	if o.Call == "" {
		o.Call = outcomeAnswered
	}
	if !slices.Contains([]string{outcomeDelivered, outcomeFailed}, o.SMS) {
		return fmt.Errorf(`sms must be "delivered" or "failed" (got %q)`, o.SMS)
	}
	if !slices.Contains([]string{outcomeAnswered, outcomeFailed}, o.Call) {
		return fmt.Errorf(`call must be "answered" or "failed" (got %q)`, o.Call)
	}
	if o.DelaySeconds < 0 || o.DelaySeconds > MaxDelaySeconds {
		return fmt.Errorf("delaySeconds must be between 0 and %d (got %d)", MaxDelaySeconds, o.DelaySeconds)
	}
	if o.Code != "" && !isFixedCode(o.Code) {
		return fmt.Errorf("code must be %d to %d letters or digits, as a check takes (got %q)", FixedCodeMin, FixedCodeMax, o.Code)
	}
	return nil
}

// OutcomeChange is a change of a number's outcome from the control
// surface: a field given (not null) replaces the number's, a field left
// out keeps what the number has now (an earlier change's, else its
// range's, else the default's), so that fixing a code on a number of a
// failing range keeps the range's failures. Code "" takes a fixed code
// away.
type OutcomeChange struct {
	SMS          *string `json:"sms"`
	Call         *string `json:"call"`
	DelaySeconds *int64  `json:"delaySeconds"`
	Code         *string `json:"code"`
}

// CheckOutcomeChange validates the fields a change gives.
func CheckOutcomeChange(c *OutcomeChange) error {
	if c.SMS != nil && !slices.Contains([]string{outcomeDelivered, outcomeFailed}, *c.SMS) {
		return fmt.Errorf(`sms must be "delivered" or "failed" (got %q)`, *c.SMS)
	}
	if c.Call != nil && !slices.Contains([]string{outcomeAnswered, outcomeFailed}, *c.Call) {
		return fmt.Errorf(`call must be "answered" or "failed" (got %q)`, *c.Call)
	}
	o := c.over(deliverEverything)
	return CheckOutcome(&o)
}

// over is the outcome o with the change's fields.
func (c OutcomeChange) over(o NumberOutcome) NumberOutcome {
	if c.SMS != nil {
		o.SMS = *c.SMS
	}
	if c.Call != nil {
		o.Call = *c.Call
	}
	if c.DelaySeconds != nil {
		o.DelaySeconds = *c.DelaySeconds
	}
	if c.Code != nil {
		o.Code = *c.Code
	}
	return o
}

// The length of a number's fixed code: what a check takes.
const (
	FixedCodeMin = 4
	FixedCodeMax = 10
)

func isFixedCode(c string) bool {
	if len(c) < FixedCodeMin || len(c) > FixedCodeMax {
		return false
	}
	for _, r := range strings.ToUpper(c) {
		if !strings.ContainsRune(codeAlphabets[3], r) {
			return false
		}
	}
	return true
}

// fits says why a fixed code does not fit a template's codeType and
// codeLength, or "".
func fits(code string, t Template) string {
	alphabet := codeAlphabets[t.CodeType]
	ok := len(code) == t.CodeLength
	for _, r := range strings.ToUpper(code) {
		ok = ok && strings.ContainsRune(alphabet, r)
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("template %d makes codes of codeType %d (%s) and codeLength %d", t.ID, t.CodeType, codeTypeNames[t.CodeType], t.CodeLength)
}

var codeTypeNames = map[int]string{1: "digits", 2: "letters", 3: "letters and digits", 4: "hex digits"}

// result is an outcome applied to one attempt's channel.
func (o NumberOutcome) result(channel string) (failed bool, delay time.Duration) {
	delay = time.Duration(o.DelaySeconds) * time.Second
	switch channel {
	case ChannelSMS:
		return o.SMS == outcomeFailed, delay
	case ChannelCall:
		return o.Call == outcomeFailed, delay
	default: // sna: the URL is handed out; whether it is fetched is the test's business
		return false, 0
	}
}

// IsPhoneNumber is the vendor's rule for "to": the country code and the
// number, 10 to 14 digits, no "+".
func IsPhoneNumber(to string) bool {
	if len(to) < 10 || len(to) > 14 {
		return false
	}
	for _, c := range to {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// PhoneRule says what IsPhoneNumber accepts.
const PhoneRule = "10 to 14 digits: the country code and the number, without + or spaces"
