package engine

import (
	"time"
)

// The message log: every attempt of the account's verifications (one per
// send, sendRule, resend and flow step that sent), as a test reads it. It
// is not a store of its own: the attempts live in their verifications, and
// the log goes with them. A purge takes attempts out of the log (their
// verifications keep them, for the records) and is saved as one change,
// whatever it takes out.

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
	// At is when the attempt was made, on the service's clock (RFC 3339, UTC).
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
	Voice  *Voice  `json:"voice"`
	SNAURL *string `json:"snaUrl"`
}

// MessageFilter selects messages; empty fields select everything.
type MessageFilter struct {
	To             string `json:"to,omitempty"`
	VerificationID string `json:"verificationId,omitempty"`
	Channel        string `json:"channel,omitempty"`
	Step           *int   `json:"step,omitempty"`
}

func (f MessageFilter) matches(a *attempt) bool {
	return !a.v.gone && !a.Hidden &&
		(f.To == "" || a.v.To == f.To) &&
		(f.VerificationID == "" || a.v.ID == f.VerificationID) &&
		(f.Channel == "" || a.Channel == f.Channel) &&
		(f.Step == nil || a.Step == *f.Step)
}

// selected are the attempts a filter selects, oldest first.
func (s *Service) selected(f MessageFilter) []*attempt {
	var out []*attempt
	if f.VerificationID != "" {
		// One verification's attempts: no need to read the whole log.
		if v := s.verifs[f.VerificationID]; v != nil {
			for _, a := range v.Attempts {
				if f.matches(a) {
					out = append(out, a)
				}
			}
		}
		return out
	}
	for _, a := range s.log[s.logHead:] {
		if f.matches(a) {
			out = append(out, a)
		}
	}
	return out
}

// Messages lists the attempts f selects, oldest first, after running the
// flow steps that fell due.
func (s *Service) Messages(cfg Config, f MessageFilter) ([]Message, error) {
	var out []Message
	err := s.run(cfg, func(now time.Time) error {
		sel := s.selected(f)
		out = make([]Message, 0, len(sel))
		for _, a := range sel {
			out = append(out, s.message(a, now))
		}
		return nil
	})
	return out, err
}

// purge is what the journal keeps of a purge: the filter, and the last
// attempt it could take (the log's newest then), so that a replay takes
// out the same attempts.
type purge struct {
	Filter MessageFilter `json:"filter"`
	UpTo   int64         `json:"upTo"`
}

// Purge takes the attempts f selects out of the message log (their
// verifications keep them, for the records), and says how many.
func (s *Service) Purge(cfg Config, f MessageFilter) (int, error) {
	n := 0
	err := s.run(cfg, func(time.Time) error {
		sel := s.selected(f)
		if len(sel) == 0 {
			return nil
		}
		for _, a := range sel {
			a.Hidden = true
		}
		s.tx.hidden = sel
		s.tx.purge = &purge{Filter: f, UpTo: s.seq}
		n = len(sel)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// applyPurge takes out of the log, on replay, what a purge took out.
func (s *Service) applyPurge(p purge) {
	for _, v := range s.verifs {
		for _, a := range v.Attempts {
			if a.Seq <= p.UpTo && p.Filter.matches(a) {
				a.Hidden = true
			}
		}
	}
}

func (s *Service) message(a *attempt, now time.Time) Message {
	v := a.v
	m := Message{
		VerificationID: v.ID, To: v.To, Channel: a.Channel, Text: v.Text, Code: v.Code, Step: a.Step,
		At: ControlTime(a.At), Outcome: a.outcome(now), Via: v.Via, AppID: v.AppID, Sender: v.Sender,
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
	case ChannelCall:
		vc := v.Voice
		m.Voice = &vc
	case ChannelSNA:
		url := s.snaURL(v)
		m.SNAURL = &url
	}
	return m
}
