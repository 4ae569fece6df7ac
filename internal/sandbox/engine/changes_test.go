package engine

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// What the service saves, and what it does when it cannot.

// encoded is the service's whole state as the journal would write it.
func encoded(t *testing.T, sv *Service) []string {
	t.Helper()
	var out []string
	err := sv.Snapshot(nil).Encode(func(c Change) error {
		out = append(out, fmt.Sprintf("%s %s %s %s", c.Kind, c.Op, c.ID, c.Obj))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// restart is a new service on the env's clock and ids that loads every
// change saved so far, as the journal's replay does.
func (e *svcEnv) restart(retention int) *Service {
	e.t.Helper()
	sv := e.service(retention)
	for _, c := range e.saved {
		if err := sv.Load(c); err != nil {
			e.t.Fatalf("load %s %s %s: %v", c.Kind, c.Op, c.ID, err)
		}
	}
	return sv
}

// Every kind of change, then a replay of what was saved: the same state.
func TestReplayOfTheChangesIsTheState(t *testing.T) {
	e := newSvcEnv(t, 12)
	e.setFlow(Node{WaitingTime: 30, Status: 1, Channel: ChannelCall}, Node{WaitingTime: 30, Status: 2, Channel: ChannelSMS})
	flowed := e.withFlow(smsFails).VerificationID
	e.advance(45 * time.Second) // its first step
	r := e.req(delivered)
	r.Rule, r.Code = true, "7777"
	rule := e.send(r).VerificationID
	e.check(rule, "0000") // wrong, marked once
	checked := e.sendTo(delivered).VerificationID
	e.check(checked, e.code(checked))
	resent, err := e.resend(e.sendTo(delivered).VerificationID, ChannelCall)
	if err != nil {
		t.Fatal(err)
	}
	r = e.req(delivered)
	r.Channel = ChannelSNA
	sna := e.send(r)
	if _, found := e.fetchSNA(strings.TrimPrefix(*sna.SNAURL, "http://sandbox"+SNAPath)); !found {
		t.Fatal("sna token not found")
	}
	if n, err := e.sv.Purge(e.cfg, MessageFilter{To: delivered}); err != nil || n == 0 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	after := e.sendTo(delivered).VerificationID // not purged
	for range 6 {
		e.sendTo(callFails) // past the retention: the oldest are forgotten
	}

	want := encoded(t, e.sv)
	wantMessages := e.messages(MessageFilter{})
	sv := e.restart(12)
	if got := encoded(t, sv); !reflect.DeepEqual(got, want) {
		t.Fatalf("replayed state:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	e.sv = sv
	if got := e.messages(MessageFilter{}); !reflect.DeepEqual(got, wantMessages) {
		t.Fatalf("replayed messages:\n%+v\nwant\n%+v", got, wantMessages)
	}
	if m := e.check(flowed, "000000"); m != MatchedUnknown {
		t.Fatalf("the oldest verification, forgotten by the retention: matched %d after a restart", m)
	}
	if m := e.check(resent.VerificationID, "ABCDEF"); m != MatchedWrong {
		t.Fatalf("resent: matched %d", m)
	}
	if len(e.messages(MessageFilter{VerificationID: after})) != 1 {
		t.Fatal("a message sent after the purge is gone after a restart")
	}
}

// A restart after the clock was moved keeps the clock where it was: a
// send right after it is not refused by the limit windows of sends stamped
// a day ahead, and no time goes back.
func TestClockOffsetSurvivesARestart(t *testing.T) {
	e := newSvcEnv(t, 0)
	e.editApp(func(a *App) { a.PhoneLimit = limitOf(1, 3, 1) }) // 1 a minute to one number
	e.advance(24 * time.Hour)
	id := e.sendTo(delivered).VerificationID
	at := e.messages(MessageFilter{VerificationID: id})[0].At
	e.sv = e.restart(0)
	if got := e.clock.Offset(); got != 24*time.Hour {
		t.Fatalf("offset after a restart %s, want 24h", got)
	}
	now, err := e.sv.Now(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sent, _ := time.Parse(time.RFC3339, at); now.Before(sent) {
		t.Fatalf("the clock went back: %s before the send at %s", now, at)
	}
	e.advance(2 * time.Minute)
	e.sendTo(delivered)
}

// A call whose changes cannot be saved returns the error and changes
// nothing: not the verifications, not the log, not the limits, not the
// clock, not the flow steps due.
func TestAFailedSaveChangesNothing(t *testing.T) {
	broken := errors.New("disk full")
	for _, c := range []struct {
		name string
		call func(e *svcEnv, ids map[string]string) error
	}{
		{"send", func(e *svcEnv, _ map[string]string) error {
			_, err := e.trySend(e.req(delivered))
			return err
		}},
		{"send with a flow", func(e *svcEnv, _ map[string]string) error {
			r := e.req(delivered)
			r.FlowID, r.OrderID = testFlow, "new-order"
			_, err := e.trySend(r)
			return err
		}},
		{"sendRule by sna", func(e *svcEnv, _ map[string]string) error {
			r := e.req(delivered)
			r.Rule, r.Code, r.Channel = true, "1234", ChannelSNA
			_, err := e.trySend(r)
			return err
		}},
		{"resend", func(e *svcEnv, ids map[string]string) error {
			_, err := e.resend(ids["open"], ChannelCall)
			return err
		}},
		{"right check", func(e *svcEnv, ids map[string]string) error {
			_, err := e.sv.Verify(e.cfg, ids["open"], ids["code"])
			return err
		}},
		{"wrong check", func(e *svcEnv, ids map[string]string) error {
			_, err := e.sv.Verify(e.cfg, ids["open"], "000000")
			return err
		}},
		{"sna completion", func(e *svcEnv, ids map[string]string) error {
			_, _, err := e.sv.CompleteSNA(e.cfg, ids["token"])
			return err
		}},
		{"advance that runs steps", func(e *svcEnv, _ map[string]string) error {
			_, err := e.sv.Advance(e.cfg, time.Hour)
			return err
		}},
		{"steps run by a read", func(e *svcEnv, _ map[string]string) error {
			e.wait(90 * time.Second)
			_, err := e.sv.Messages(e.cfg, MessageFilter{})
			return err
		}},
		{"purge", func(e *svcEnv, _ map[string]string) error {
			_, err := e.sv.Purge(e.cfg, MessageFilter{})
			return err
		}},
		{"trim to a lower retention", func(e *svcEnv, _ map[string]string) error {
			e.sv.opts.Retention = func() int { return 1 }
			return e.sv.Trim()
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newSvcEnv(t, 0)
			e.editApp(func(a *App) { a.PhoneLimit = limitOf(4, 1, 1) })
			e.setFlow(Node{WaitingTime: 60, Status: 2, Channel: ChannelSMS}, Node{WaitingTime: 60, Status: 2, Channel: ChannelCall})
			open := e.withFlow(delivered).VerificationID
			r := e.req(delivered)
			r.Channel, r.OrderID = ChannelSNA, "sna-order"
			sna := e.send(r)
			ids := map[string]string{
				"open": open, "code": e.code(open), "token": strings.TrimPrefix(*sna.SNAURL, "http://sandbox"+SNAPath),
			}
			state, messages, offset := encoded(t, e.sv), e.messages(MessageFilter{}), e.clock.Offset()
			wake, _ := e.sv.NextWake()
			saved := len(e.saved)

			e.failSave = broken
			if err := c.call(e, ids); !errors.Is(err, broken) {
				t.Fatalf("the call returned %v, want the save's error", err)
			}
			e.failSave = nil
			e.real = start // the read's wait, taken back: only the service is under test
			e.sv.opts.Retention = func() int { return DefaultRetention }

			if got := encoded(t, e.sv); !reflect.DeepEqual(got, state) {
				t.Fatalf("state after the failed call:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(state, "\n"))
			}
			if len(e.saved) != saved {
				t.Fatalf("a failed save left %d changes", len(e.saved)-saved)
			}
			if got := e.clock.Offset(); got != offset {
				t.Fatalf("clock offset %s, want %s", got, offset)
			}
			if got, _ := e.sv.NextWake(); got != wake {
				t.Fatalf("next flow step in %s, want %s", got, wake)
			}
			if got := e.messages(MessageFilter{}); !reflect.DeepEqual(got, messages) {
				t.Fatalf("messages after the failed call:\n%+v\nwant\n%+v", got, messages)
			}
			// The limit (4 a day to the number) still has room for two
			// more: the failed call counted nothing.
			e.sendTo(delivered)
			e.sendTo(delivered)
			if _, err := e.trySend(e.req(delivered)); refusalCode(err) != CodePhoneLimit {
				t.Fatalf("the fifth send to the number: %v, want -28", err)
			}
			// And what is saved from now on replays to what is in memory.
			if got, want := encoded(t, e.restart(0)), encoded(t, e.sv); !reflect.DeepEqual(got, want) {
				t.Fatalf("replay after the failed call:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// A purge is saved as one change, whatever it takes out.
func TestAPurgeIsOneChange(t *testing.T) {
	e := newSvcEnv(t, 0)
	for range 500 {
		e.sendTo(delivered)
	}
	before := len(e.saved)
	if n, err := e.sv.Purge(e.cfg, MessageFilter{}); err != nil || n != 500 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if got := e.saved[before:]; len(got) != 1 || got[0].Kind != KindMessages {
		t.Fatalf("a purge of 500 messages saved %d changes", len(got))
	}
}
