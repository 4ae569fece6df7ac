package engine

import (
	"fmt"
	"time"
)

// The inbox: what the sandbox's web page shows of an account. Each message
// comes with the state of its verification and the flow step it waits
// for, which the message log alone does not say; and the view carries a
// version, so that a page can wait for the next change instead of asking
// again and again. Reading it changes nothing but running the flow steps
// that fell due, as every call does.

// States of a verification, as the inbox shows them.
const (
	// StateWaiting: no check yet (for sna, the URL not fetched yet).
	StateWaiting = "waiting"
	// StateWrongCode: a check failed, none succeeded; the code still
	// checks (the sandbox has no limit on wrong attempts).
	StateWrongCode = "wrongCode"
	// StateChecked: checked successfully (or the sna URL fetched).
	StateChecked = "checked"
	// StateExpired: past the app's codeExpiry.
	StateExpired = "expired"
	// StateReplaced: a resend replaced it; its code no longer checks here.
	StateReplaced = "replaced"
)

// Triggers of a flow step, as the inbox names the vendor's status 1 and 2.
const (
	triggerFailed    = "failed"    // status 1: the last attempt failed
	triggerUnchecked = "unchecked" // status 2: the code is not checked yet
)

// Inbox is one view of an account's messages.
type Inbox struct {
	// Version changes with every change the service saves and at a
	// reset: a page passes it back to wait for the next one.
	Version string `json:"version"`
	// Now is the service's clock (RFC 3339, UTC).
	Now string `json:"now"`
	// Total is how many messages the filter selects; Messages holds the
	// newest of them, at most the limit asked.
	Total int `json:"total"`
	// NextStepAt is when the account's next flow step falls due, on the
	// service's clock, whatever the filter; null when none is pending.
	NextStepAt *string `json:"nextStepAt"`
	// FixedCodes are the account's numbers that have a fixed code (PUT
	// /_sandbox/numbers/{to} with "code"), and the code, whatever the
	// filter: a page shows it beside the number.
	FixedCodes map[string]string `json:"fixedCodes"`
	Messages   []InboxMessage    `json:"messages"`
}

// InboxMessage is a message with its verification's state.
type InboxMessage struct {
	Message
	// DoneAt is when the attempt's outcome is (or was) known: its time
	// plus the number's delay. A page that shows "sending" looks again
	// then.
	DoneAt       string           `json:"doneAt"`
	Verification VerificationView `json:"verification"`
}

// VerificationView is a verification's state as the inbox shows it.
type VerificationView struct {
	// State is StateWaiting, StateWrongCode, StateChecked, StateExpired or
	// StateReplaced.
	State      string  `json:"state"`
	ExpiresAt  string  `json:"expiresAt"`
	VerifiedAt *string `json:"verifiedAt"`
	// ReplacedBy is the resend that replaced it, ResendOf the
	// verification it replaced.
	ReplacedBy *string `json:"replacedBy"`
	ResendOf   *string `json:"resendOf"`
	// NextStep is the flow step it waits for; null when its flow is over
	// or it has none.
	NextStep *PendingStep `json:"nextStep"`
}

// PendingStep is a flow step that has not run yet.
type PendingStep struct {
	// Step is its number (1 for the flow's first node), of Steps.
	Step  int    `json:"step"`
	Steps int    `json:"steps"`
	DueAt string `json:"dueAt"`
	// Channel is the channel it would send by.
	Channel string `json:"channel"`
	// Trigger is "failed" (the node's status 1: it sends when the last
	// attempt failed) or "unchecked" (status 2: while the code is not
	// checked).
	Trigger string `json:"trigger"`
	// WillSend says whether it sends when it falls due if nothing else
	// happens first: false when its trigger will not hold then, or when
	// the code expires first (the flow ends).
	WillSend bool `json:"willSend"`
}

// Inbox is the newest messages f selects, newest first, at most limit,
// each with its verification's state, after running the flow steps that
// fell due.
func (s *Service) Inbox(cfg Config, f MessageFilter, limit int) (Inbox, error) {
	var out Inbox
	err := s.run(cfg, func(now time.Time) error {
		sel := s.selected(f)
		out = Inbox{Now: ControlTime(now), Total: len(sel), Messages: make([]InboxMessage, 0, min(limit, len(sel)))}
		for i := len(sel) - 1; i >= 0 && len(out.Messages) < limit; i-- {
			a := sel[i]
			out.Messages = append(out.Messages, InboxMessage{
				Message: s.message(a, now), DoneAt: ControlTime(a.At.Add(a.Delay)), Verification: a.v.view(now),
			})
		}
		if at, found := s.due.next(); found {
			next := ControlTime(at)
			out.NextStepAt = &next
		}
		out.FixedCodes = map[string]string{}
		for to, o := range s.network.overrides {
			if o.Code != "" {
				out.FixedCodes[to] = o.Code
			}
		}
		return nil
	})
	// The steps that ran are saved by now: the version counts them.
	out.Version = s.Version()
	return out, err
}

// view is the verification's state at now.
func (v *verification) view(now time.Time) VerificationView {
	out := VerificationView{State: v.state(now), ExpiresAt: ControlTime(v.ExpiresAt)}
	if v.verified() {
		at := ControlTime(v.VerifiedAt)
		out.VerifiedAt = &at
	}
	if v.SupersededBy != "" {
		by := v.SupersededBy
		out.ReplacedBy = &by
	}
	if v.ResendOf != "" {
		of := v.ResendOf
		out.ResendOf = &of
	}
	if v.Next < len(v.Nodes) {
		node := v.Nodes[v.Next]
		trigger := triggerUnchecked
		if node.Status == 1 {
			trigger = triggerFailed
		}
		out.NextStep = &PendingStep{
			Step: v.Next + 1, Steps: len(v.Nodes), DueAt: ControlTime(v.NextAt), Channel: v.stepChannel(node), Trigger: trigger,
			// As step decides when it runs: nothing once expired, else
			// the trigger at the due time (an attempt's outcome is fixed
			// when it is made, so it can be read ahead).
			WillSend: !v.expired(v.NextAt) && v.fires(node, v.NextAt),
		}
	}
	return out
}

// state is the verification's state at now, the first that holds of
// checked, replaced, expired, a wrong code tried, waiting.
func (v *verification) state(now time.Time) string {
	switch {
	case v.verified():
		return StateChecked
	case v.SupersededBy != "":
		return StateReplaced
	case v.expired(now):
		return StateExpired
	case v.Checked:
		return StateWrongCode
	default:
		return StateWaiting
	}
}

// Version changes with every change the service saves, and at a reset (a
// new service draws a new epoch): a wait on the inbox holds while it is
// the one the page last saw.
func (s *Service) Version() string { return fmt.Sprintf("%08x-%d", s.epoch, s.version) }

// AdvanceToNextStep moves the clock forward to the account's next flow
// step, exactly to its due time, and runs every step due then; it returns
// how many ran, and found false (nothing changed) when no step is pending.
func (s *Service) AdvanceToNextStep(cfg Config) (ran int, found bool, err error) {
	err = s.run(cfg, func(now time.Time) error {
		var at time.Time
		if at, found = s.due.next(); found {
			ran = s.moveClock(cfg, at.Sub(now))
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return ran, found, nil
}
