package sandbox

import (
	"slices"
	"time"
)

// The message log: every attempt of the account's verifications (one per
// send, sendRule, resend and flow step that sent), as a test reads it from
// GET /_sandbox/messages. It is not a store of its own: the attempts live
// in their verifications, and the log goes with them.

// Message is one attempt: what the phone received (or did not).
type Message struct {
	VerificationID string `json:"verificationId"`
	To             string `json:"to"`
	// Channel is "sms", "call" or "sna".
	Channel string `json:"channel"`
	// Text is the SMS as delivered, or what the call reads: the template's
	// text with the code in place of ##code##.
	Text string `json:"text"`
	Code string `json:"code"`
	// Step is 0 for the send (or resend), n for the nth node of the flow.
	Step int `json:"step"`
	// At is when the attempt was made, on the sandbox's clock (RFC 3339, UTC).
	At string `json:"at"`
	// Outcome is "delivered" (sms), "answered" (call), "failed",
	// "sending" (the number's delay has not passed) or "sent" (sna).
	Outcome string `json:"outcome"`
	// Via is "send", "sendRule", "resend" or "flow".
	Via        string  `json:"via"`
	AppID      string  `json:"appId"`
	TemplateID *int64  `json:"templateId"`
	FlowID     *int64  `json:"flowId"`
	OrderID    *string `json:"orderId"`
	Sender     string  `json:"sender"`
	// Voice is how a call reads the text (calls only).
	Voice  *MessageVoice `json:"voice"`
	SNAURL *string       `json:"snaUrl"`
}

// MessageVoice is the template's voice settings a call used.
type MessageVoice struct {
	Language    string `json:"language"`
	SpeechRate  int    `json:"speechRate"`
	RepeatCnt   int    `json:"repeatCnt"`
	MaxDuration int    `json:"maxDuration"`
}

// MessageFilter selects messages; empty fields select everything.
type MessageFilter struct {
	To             string
	VerificationID string
	Channel        string
	Step           *int
}

func (f MessageFilter) matches(a *attempt) bool {
	return !a.v.gone && !a.Hidden &&
		(f.To == "" || a.v.To == f.To) &&
		(f.VerificationID == "" || a.v.ID == f.VerificationID) &&
		(f.Channel == "" || a.Channel == f.Channel) &&
		(f.Step == nil || a.Step == *f.Step)
}

// selected are the attempts a filter selects, oldest first.
func (sv *service) selected(f MessageFilter) []*attempt {
	var out []*attempt
	if f.VerificationID != "" {
		// One verification's attempts: no need to read the whole log.
		if v := sv.verifs[f.VerificationID]; v != nil {
			for _, a := range v.Attempts {
				if f.matches(a) {
					out = append(out, a)
				}
			}
		}
		return out
	}
	for _, a := range sv.log[sv.logHead:] {
		if f.matches(a) {
			out = append(out, a)
		}
	}
	return out
}

// messages lists the selected attempts, oldest first.
func (sv *service) messages(cfg serviceConfig, f MessageFilter) []Message {
	now := sv.tick(cfg)
	sel := sv.selected(f)
	out := make([]Message, 0, len(sel))
	for _, a := range sel {
		out = append(out, a.message(now))
	}
	return out
}

// clearMessages takes the selected attempts out of the log (their
// verifications keep them, for the records), and says how many.
func (sv *service) clearMessages(cfg serviceConfig, f MessageFilter) int {
	sv.tick(cfg)
	sel := sv.selected(f)
	touched := map[*verification]bool{}
	for _, a := range sel {
		a.Hidden = true
		touched[a.v] = true
	}
	for _, v := range sv.byAge[sv.ageHead:] {
		if touched[v] {
			sv.saved(v)
		}
	}
	return len(sel)
}

// nextWake is when a wait on the messages should look again without a new
// message: when the next flow step falls due, on the real clock.
func (sv *service) nextWake() (time.Duration, bool) {
	at, found := sv.due.next()
	if !found {
		return 0, false
	}
	return max(at.Sub(sv.clock.now()), 0), true
}

func (a *attempt) message(now time.Time) Message {
	v := a.v
	m := Message{
		VerificationID: v.ID, To: v.To, Channel: a.Channel, Text: v.Text, Code: v.Code, Step: a.Step,
		At: controlTime(a.At), Outcome: a.outcome(now), Via: v.Via, AppID: v.AppID, Sender: v.Sender,
	}
	if a.Step > 0 {
		m.Via = viaFlow
	}
	if v.TemplateID != 0 {
		id := v.TemplateID
		m.TemplateID = &id
	}
	if v.FlowID != 0 {
		id := v.FlowID
		m.FlowID = &id
	}
	if v.OrderID != "" {
		order := v.OrderID
		m.OrderID = &order
	}
	switch a.Channel {
	case channelCall:
		m.Voice = &MessageVoice{Language: v.Voice.Language, SpeechRate: v.Voice.SpeechRate, RepeatCnt: v.Voice.RepeatCnt, MaxDuration: v.Voice.MaxDuration}
	case channelSNA:
		url := v.SNAURL
		m.SNAURL = &url
	}
	return m
}

func sortAttempts(as []*attempt) {
	slices.SortFunc(as, func(a, b *attempt) int { return int(a.Seq - b.Seq) })
}
