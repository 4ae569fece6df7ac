package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The state file loses nothing acknowledged when the sandbox stops, killed
// (SIGKILL) or told to (SIGTERM), at any moment, compactions included: a
// child otp-sandbox takes a stream of every kind of change from clients of
// several accounts, is stopped, and is restarted on the same file; every
// change a client heard "done" for is there, and none it never sent. A
// change in flight when the sandbox stopped may be there or not.
//
// The kinds of record, and who makes them:
//   - configClient: flows created, renamed and deleted (console), the app
//     renamed (put and delete of flows, put of apps);
//   - flowClient: sends with a task flow, and advances of the clock whose
//     flow steps must have run (verifications, the clock);
//   - checkClient: sends, right and wrong checks, resends with their mark
//     on the old verification, sna completions, purges of its messages
//     (verifications, purges);
//   - resetClient: sends, and resets of its account (resets);
//   - forgetClient: accounts opened with the shared secret and left idle
//     until they are forgotten (forgets);
//   - and the sandbox's own: the retention's deletes of old verifications
//     (-retention is small), the ids of compactions.
//
// Six rounds on one file, so that stops land on a file that has been
// replayed: three by SIGKILL and three by SIGTERM, half of them while a
// compaction is writing (its temporary file exists), which a restart
// must clean up.
func TestKillLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a sandbox process")
	}
	bin := filepath.Join(t.TempDir(), "otp-sandbox")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	accounts := map[string]string{"kill-a": "secret-a", "kill-b": "secret-b", "kill-c": "secret-c", "kill-d": "secret-d"}
	const perRound = 300

	var clients []killer
	for _, k := range []string{"kill-a", "kill-b"} {
		clients = append(clients,
			&configClient{base: newBase(k, accounts[k]), flows: map[int64]string{}},
			&flowClient{serviceBase: serviceBase{base: newBase(k, accounts[k]), role: "flw"}},
			&checkClient{serviceBase: serviceBase{base: newBase(k, accounts[k]), role: "chk"}})
	}
	forgets := &forgetClient{}
	clients = append(clients, &resetClient{serviceBase: serviceBase{base: newBase("kill-c", accounts["kill-c"]), role: "rst"}}, forgets,
		&importClient{base: newBase("kill-d", accounts["kill-d"])})
	retained := retention{}
	for _, round := range []struct {
		sig              syscall.Signal
		duringCompaction bool
	}{
		{syscall.SIGKILL, false}, {syscall.SIGTERM, false}, {syscall.SIGKILL, true},
		{syscall.SIGTERM, true}, {syscall.SIGKILL, true}, {syscall.SIGTERM, false},
	} {
		child := startChild(t, bin, dir, state, accounts)
		if leftovers := tempFiles(t, state); len(leftovers) > 0 {
			t.Fatalf("temporary files left after a restart: %v", leftovers)
		}
		for _, c := range clients {
			c.reconcile(t, child)
		}
		retained.check(t, child, clients)
		var acked atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					err := c.op(child)
					var r *refusal
					if errors.As(err, &r) {
						t.Error(err)
						return
					}
					if err != nil {
						return // the sandbox stopped; the change in flight may or may not have been saved
					}
					acked.Add(1)
				}
			})
		}
		for acked.Load() < perRound || forgets.seen.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		if round.duringCompaction {
			deadline := time.Now().Add(time.Minute)
			for len(tempFiles(t, state)) == 0 {
				if time.Now().After(deadline) {
					t.Fatal("no compaction in a minute of changes")
				}
				time.Sleep(200 * time.Microsecond)
			}
		}
		child.stop(t, round.sig)
		close(stop)
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		t.Logf("round ended by %s (during a compaction: %v): %d changes acknowledged", round.sig, round.duringCompaction, acked.Load())
	}
	child := startChild(t, bin, dir, state, accounts)
	for _, c := range clients {
		c.reconcile(t, child)
	}
	retained.check(t, child, clients)
	child.stop(t, syscall.SIGTERM)
	// Every kind of change was made, and checked after a stop.
	t.Logf("changes checked after the stops: %v", covered.n)
	for _, kind := range coveredKinds {
		if covered.n[kind] == 0 {
			t.Errorf("no %s was checked after a stop: the test did not cover it", kind)
		}
	}
}

// coverage counts the changes of each kind that were acknowledged and then
// found after a stop, so that the test cannot pass without covering them.
type coverage struct {
	mu sync.Mutex
	n  map[string]int
}

var covered = &coverage{n: map[string]int{}}

var coveredKinds = []string{
	"flow create", "flow rename", "flow delete", "app rename", "send", "flow step", "advance", "right check", "wrong check",
	"resend", "sna completion", "purge", "reset", "forget", "retention's delete", "number", "import",
}

func (c *coverage) add(kind string) {
	c.mu.Lock()
	c.n[kind]++
	c.mu.Unlock()
}

// killer is a client of the kill test: it makes changes, remembers those
// acknowledged, and checks them against a restarted sandbox.
type killer interface {
	// op makes one change: nil when it was acknowledged, a *refusal when
	// the sandbox refused it (a bug), another error when the sandbox
	// stopped (the change is in flight).
	op(c *child) error
	// reconcile checks what the restarted sandbox kept against what was
	// acknowledged, and takes the kept state as the truth.
	reconcile(t *testing.T, c *child)
}

// base is what every client has: an account, and a counter for names.
type base struct {
	key, secret string
	n           int
}

func newBase(key, secret string) base { return base{key: key, secret: secret} }

// vendor sends a signed vendor request; the data of a status "0".
func (b *base) vendor(c *child, method, path string, body any) (json.RawMessage, error) {
	return c.vendor(b.key, b.secret, method, path, body)
}

// control sends a control request about the account, with the token.
func (b *base) control(c *child, method, path string, body any, want int) (json.RawMessage, error) {
	return c.control(method, path, b.key, body, want)
}

// configClient creates flows, renames and deletes them, and renames its
// app.
type configClient struct {
	base
	flows    map[int64]string // acknowledged: flow id → its name
	appID    string
	appName  string
	inFlight *change // sent, not answered
	// done are the changes acknowledged since the last stop, by kind.
	done map[string]int
}

type change struct {
	kind string // "create", "rename", "delete", "app"
	id   int64
	name string
}

const flowBody = `{"name":%q,"flow":[{"waitingTime":60,"status":1,"channel":"sms"}]}`

func (cc *configClient) op(c *child) error {
	cc.n++
	name := fmt.Sprintf("%s-%d", cc.key, cc.n)
	if cc.appID == "" {
		data, err := cc.vendor(c, "POST", "/app/add", map[string]any{"name": "app-" + name})
		if err != nil {
			return err
		}
		var a struct{ AppID, Name string }
		if err := json.Unmarshal(data, &a); err != nil {
			return err
		}
		cc.appID, cc.appName = a.AppID, a.Name
		return nil
	}
	ids := slices.Sorted(maps.Keys(cc.flows))
	switch {
	case len(ids) == 0 || cc.n%3 == 0:
		cc.inFlight = &change{kind: "create", name: name}
		data, err := cc.vendor(c, "POST", "/flow/add", json.RawMessage(fmt.Sprintf(flowBody, name)))
		if err != nil {
			return err
		}
		var f struct{ FlowID int64 }
		if err := json.Unmarshal(data, &f); err != nil || f.FlowID == 0 {
			return &refusal{fmt.Sprintf("create answered %s", data)}
		}
		cc.flows[f.FlowID] = name
		cc.did("flow create")
	case cc.n%7 == 0:
		id := ids[cc.n%len(ids)]
		cc.inFlight = &change{kind: "delete", id: id}
		if _, err := cc.control(c, "DELETE", "/_sandbox/flows/"+strconv.FormatInt(id, 10), nil, http.StatusNoContent); err != nil {
			return err
		}
		delete(cc.flows, id)
		cc.did("flow delete")
	case cc.n%5 == 0:
		cc.inFlight = &change{kind: "app", name: "app-" + name}
		if _, err := cc.vendor(c, "PUT", "/app/update/"+cc.appID, map[string]any{"appId": cc.appID, "name": "app-" + name}); err != nil {
			return err
		}
		cc.appName = "app-" + name
		cc.did("app rename")
	default:
		id := ids[cc.n%len(ids)]
		cc.inFlight = &change{kind: "rename", id: id, name: name}
		if _, err := cc.vendor(c, "PUT", "/flow/update/"+strconv.FormatInt(id, 10), json.RawMessage(fmt.Sprintf(flowBody, name))); err != nil {
			return err
		}
		cc.flows[id] = name
		cc.did("flow rename")
	}
	cc.inFlight = nil
	return nil
}

func (cc *configClient) did(kind string) {
	if cc.done == nil {
		cc.done = map[string]int{}
	}
	cc.done[kind]++
}

func (cc *configClient) reconcile(t *testing.T, c *child) {
	t.Helper()
	var list []struct {
		FlowID int64  `json:"flowId"`
		Name   string `json:"name"`
	}
	c.mustControl(t, "GET", "/_sandbox/flows", cc.key, &list)
	kept := map[int64]string{}
	for _, f := range list {
		kept[f.FlowID] = f.Name
	}
	in := cc.inFlight
	for id, want := range cc.flows {
		got, found := kept[id]
		switch {
		case found && got == want:
		case found && in != nil && in.kind == "rename" && in.id == id && got == in.name:
			cc.flows[id] = got // the rename in flight was saved, its answer lost
		case !found && in != nil && in.kind == "delete" && in.id == id:
			delete(cc.flows, id) // the delete in flight was saved
		case !found:
			t.Fatalf("%s: flow %d (%s) was acknowledged and is gone", cc.key, id, want)
		default:
			t.Fatalf("%s: flow %d is %q; the last change acknowledged made it %q (in flight: %+v)", cc.key, id, got, want, in)
		}
	}
	for id, name := range kept {
		if _, known := cc.flows[id]; known || !strings.HasPrefix(name, cc.key+"-") { // other clients' flows are theirs
			continue
		}
		if in == nil || in.kind != "create" || name != in.name {
			t.Fatalf("%s: flow %d (%s) was never acknowledged nor in flight", cc.key, id, name)
		}
		cc.flows[id] = name // the create in flight was saved, its answer lost
	}
	if cc.appID != "" {
		var apps []struct{ AppID, Name string }
		c.mustControl(t, "GET", "/_sandbox/apps", cc.key, &apps)
		for _, a := range apps {
			if a.AppID != cc.appID {
				continue
			}
			if a.Name != cc.appName && (in == nil || in.kind != "app" || a.Name != in.name) {
				t.Fatalf("%s: app %s is named %q; the last change acknowledged named it %q", cc.key, a.AppID, a.Name, cc.appName)
			}
			cc.appName = a.Name
		}
	}
	// Everything acknowledged was found (or this failed above).
	for kind, n := range cc.done {
		if n > 0 {
			covered.add(kind)
		}
	}
	cc.done = nil
	cc.inFlight = nil
}

// serviceBase is a client of the OTP service: its account's app and
// template (made through the console on its first op), and its
// verifications.
type serviceBase struct {
	base
	role   string // in the names of what it makes: each client's own
	appID  string
	tplID  int64
	flowID int64
	verifs []*killVerif
}

// killVerif is a verification as a client knows it.
type killVerif struct {
	id, code, order string
	seq             int64 // the id's sequence: the account's creation order
	attempts        int   // at most
	verified        bool
	sna             bool
	wrong           bool
	replaced        bool
	purged          bool // a purge of its messages was acknowledged after it was sent
	stepDue         bool // an advance was acknowledged after it was sent: its flow step ran
}

func (sb *serviceBase) setUp(c *child, flow bool) error {
	if sb.appID != "" {
		return nil
	}
	sb.n++
	name := fmt.Sprintf("%s-%s-%d", sb.role, sb.key, sb.n) // a set-up in flight may have been saved
	var app struct{ AppID string }
	raw, err := sb.control(c, "POST", "/_sandbox/apps", map[string]any{"name": name, "codeExpiry": 60}, http.StatusCreated)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &app); err != nil {
		return err
	}
	var tpl struct{ TemplateID int64 }
	raw, err = sb.control(c, "POST", "/_sandbox/templates", map[string]any{"appId": app.AppID, "name": name, "text": "##code## is your code", "codeLength": 6}, http.StatusCreated)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		return err
	}
	if flow {
		var f struct{ FlowID int64 }
		data, err := sb.vendor(c, "POST", "/flow/add", json.RawMessage(fmt.Sprintf(`{"name":%q,"flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`, name)))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &f); err != nil {
			return err
		}
		sb.flowID = f.FlowID
	}
	sb.appID, sb.tplID = app.AppID, tpl.TemplateID
	return nil
}

// send sends a code to a number of the client's and reads it back.
func (sb *serviceBase) send(c *child, to string, extra map[string]any) (*killVerif, error) {
	sb.n++
	order := fmt.Sprintf("%s-%s-%d", sb.key, to, sb.n)
	body := map[string]any{"appId": sb.appID, "templateId": sb.tplID, "to": to, "orderId": order}
	maps.Copy(body, extra)
	data, err := sb.vendor(c, "POST", "/verification/send", body)
	if err != nil {
		return nil, err
	}
	v, err := sb.received(c, data, order)
	if err != nil {
		return nil, err
	}
	v.attempts = 1
	if _, flow := extra["flowId"]; flow {
		v.attempts = 2
	}
	sb.verifs = append(sb.verifs, v)
	return v, nil
}

// received reads a send's answer, and the code from the messages.
func (sb *serviceBase) received(c *child, data json.RawMessage, order string) (*killVerif, error) {
	var a struct {
		VerificationID string  `json:"verificationId"`
		SNAURL         *string `json:"snaUrl"`
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, err
	}
	var msgs []struct{ Code string }
	raw, err := sb.control(c, "GET", "/_sandbox/messages?verificationId="+a.VerificationID, nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &msgs); err != nil || len(msgs) == 0 {
		return nil, &refusal{fmt.Sprintf("%s: no message for %s: %s", sb.key, a.VerificationID, raw)}
	}
	seq, _ := strconv.ParseInt(a.VerificationID[13:], 10, 64)
	return &killVerif{id: a.VerificationID, code: msgs[0].Code, order: order, seq: seq}, nil
}

// record is a verification's state after a restart: matched 3 when the
// sandbox does not have it.
func (sb *serviceBase) record(t *testing.T, c *child, id string) int {
	t.Helper()
	var rec struct {
		Verifications struct{ Matched int } `json:"verifications"`
	}
	if err := json.Unmarshal(c.mustVendor(t, sb.key, sb.secret, "GET", "/verification/record/"+id, nil), &rec); err != nil {
		t.Fatal(err)
	}
	return rec.Verifications.Matched
}

// flowClient sends codes with a task flow (one SMS 30 s after a failed
// one, to numbers whose SMS fail) and moves its account's clock forward
// 30 s every fifth change: every flow sent before an acknowledged advance
// has had its step.
type flowClient struct {
	serviceBase
	advanced float64 // seconds acknowledged
	inFlight float64 // an advance in flight
}

func (fc *flowClient) op(c *child) error {
	if err := fc.setUp(c, true); err != nil {
		return err
	}
	if fc.n%5 == 4 {
		fc.n++
		fc.inFlight = 30
		if _, err := fc.control(c, "POST", "/_sandbox/clock", map[string]any{"advanceSeconds": 30}, http.StatusOK); err != nil {
			return err
		}
		fc.advanced += 30
		fc.inFlight = 0
		for _, v := range fc.verifs {
			v.stepDue = true
		}
		return nil
	}
	_, err := fc.send(c, fmt.Sprintf("99910%09d", fc.n), map[string]any{"flowId": fc.flowID})
	return err
}

func (fc *flowClient) reconcile(t *testing.T, c *child) {
	t.Helper()
	if fc.appID == "" {
		return
	}
	var clock struct {
		OffsetSeconds float64 `json:"offsetSeconds"`
	}
	c.mustControl(t, "GET", "/_sandbox/clock", fc.key, &clock)
	if clock.OffsetSeconds != fc.advanced && clock.OffsetSeconds != fc.advanced+fc.inFlight {
		t.Fatalf("%s: the clock is %v s ahead; the advances acknowledged add to %v (in flight: %v)", fc.key, clock.OffsetSeconds, fc.advanced, fc.inFlight)
	}
	fc.advanced, fc.inFlight = clock.OffsetSeconds, 0
	for _, v := range fc.verifs {
		if !v.stepDue || c.gone(v.id) {
			continue
		}
		var rec struct {
			SMS []json.RawMessage `json:"sms"`
		}
		if err := json.Unmarshal(c.mustVendor(t, fc.key, fc.secret, "POST", "/verification/orderId/record", map[string]any{"appId": fc.appID, "orderId": v.order}), &rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.SMS) < 2 {
			t.Fatalf("%s: verification %s was sent before an advance acknowledged, and its flow step is gone (%d attempts)", fc.key, v.id, len(rec.SMS))
		}
		covered.add("flow step")
	}
	if fc.advanced > 0 {
		covered.add("advance")
	}
}

// checkClient sends codes, checks them right and wrong, resends them,
// completes sna verifications, and purges its messages.
type checkClient struct {
	serviceBase
	inPurge bool
}

func (cc *checkClient) number() string {
	return "4915" + map[string]string{"kill-a": "1", "kill-b": "2"}[cc.key] + "0000001"
}

func (cc *checkClient) op(c *child) error {
	if err := cc.setUp(c, false); err != nil {
		return err
	}
	switch cc.n % 6 {
	case 1:
		v, err := cc.send(c, cc.number(), nil)
		if err != nil {
			return err
		}
		return cc.check(c, v, v.code)
	case 2:
		v, err := cc.send(c, cc.number(), nil)
		if err != nil {
			return err
		}
		return cc.check(c, v, "ABCDEF")
	case 3:
		old, err := cc.send(c, cc.number(), nil)
		if err != nil {
			return err
		}
		data, err := cc.vendor(c, "POST", "/verification/resend", map[string]any{"verificationId": old.id})
		if err != nil {
			return err
		}
		old.replaced = true
		v, err := cc.received(c, data, old.order)
		if err != nil {
			return err
		}
		v.attempts = 1
		cc.verifs = append(cc.verifs, v)
		return nil
	case 4:
		v, err := cc.send(c, cc.number(), map[string]any{"channel": "sna"})
		if err != nil {
			return err
		}
		resp, err := killHTTP.Get(c.root + "/sna/" + c.snaToken(v.id, cc))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return &refusal{fmt.Sprintf("%s: sna fetch of %s: HTTP %d", cc.key, v.id, resp.StatusCode)}
		}
		v.verified, v.sna = true, true
		return nil
	case 5:
		cc.n++
		cc.inPurge = true
		if _, err := cc.control(c, "DELETE", "/_sandbox/messages?to="+cc.number(), nil, http.StatusOK); err != nil {
			return err
		}
		cc.inPurge = false
		for _, v := range cc.verifs {
			v.purged = true
		}
		return nil
	}
	_, err := cc.send(c, cc.number(), nil)
	return err
}

func (cc *checkClient) check(c *child, v *killVerif, code string) error {
	data, err := cc.vendor(c, "POST", "/verification/verify", map[string]any{"verificationId": v.id, "code": code})
	if err != nil {
		return err
	}
	var a struct{ Matched int }
	if err := json.Unmarshal(data, &a); err != nil {
		return err
	}
	switch {
	case code == v.code && a.Matched == 0:
		v.verified = true
	case code != v.code && a.Matched == 2:
		v.wrong = true
	default:
		return &refusal{fmt.Sprintf("%s: check of %s answered matched %d", cc.key, v.id, a.Matched)}
	}
	return nil
}

func (cc *checkClient) reconcile(t *testing.T, c *child) {
	t.Helper()
	for _, v := range cc.verifs {
		if c.gone(v.id) {
			continue
		}
		matched := cc.record(t, c, v.id)
		switch {
		case v.verified && matched != 0:
			t.Fatalf("%s: verification %s was checked successfully and now says matched %d", cc.key, v.id, matched)
		case !v.verified && v.wrong && matched != 2:
			t.Fatalf("%s: verification %s had a wrong check acknowledged and now says matched %d", cc.key, v.id, matched)
		case v.verified && v.sna:
			covered.add("sna completion")
		case v.verified:
			covered.add("right check")
		case v.wrong:
			covered.add("wrong check")
		}
		covered.add("send")
		var msgs []json.RawMessage
		c.mustControl(t, "GET", "/_sandbox/messages?verificationId="+v.id, cc.key, &msgs)
		if v.purged && len(msgs) != 0 {
			t.Fatalf("%s: verification %s's message was purged, and is back", cc.key, v.id)
		}
		if v.purged {
			covered.add("purge")
		}
		if !v.purged && !cc.inPurge && len(msgs) == 0 {
			t.Fatalf("%s: verification %s's message is gone, with no purge", cc.key, v.id)
		}
		if v.replaced {
			var a struct{ Matched int }
			if err := json.Unmarshal(c.mustVendor(t, cc.key, cc.secret, "POST", "/verification/verify", map[string]any{"verificationId": v.id, "code": v.code}), &a); err != nil {
				t.Fatal(err)
			}
			if a.Matched != 5 {
				t.Fatalf("%s: verification %s was replaced by a resend, and its code answers matched %d", cc.key, v.id, a.Matched)
			}
			covered.add("resend")
		}
		if len(msgs) == 0 {
			v.purged = true // the purge in flight was saved
		}
	}
	cc.inPurge = false
}

// resetClient sends codes and resets its account now and then: after an
// acknowledged reset, what came before is gone.
type resetClient struct {
	serviceBase
	inReset bool
	// erased are the verifications an acknowledged reset took.
	erased []string
}

func (rc *resetClient) op(c *child) error {
	if err := rc.setUp(c, false); err != nil {
		return err
	}
	if rc.n%15 == 14 {
		rc.n++
		rc.inReset = true
		if _, err := rc.control(c, "POST", "/_sandbox/reset", nil, http.StatusNoContent); err != nil {
			return err
		}
		rc.inReset = false
		for _, v := range rc.verifs {
			rc.erased = append(rc.erased, v.id)
		}
		rc.verifs, rc.appID = nil, ""
		return nil
	}
	_, err := rc.send(c, "4915300000001", nil)
	return err
}

func (rc *resetClient) reconcile(t *testing.T, c *child) {
	t.Helper()
	var apps []json.RawMessage
	c.mustControl(t, "GET", "/_sandbox/apps", rc.key, &apps)
	switch {
	case rc.appID == "" && !rc.inReset && len(apps) > 1:
		t.Fatalf("%s: %d apps after an acknowledged reset", rc.key, len(apps))
	case rc.inReset && len(apps) == 0:
		rc.verifs, rc.appID = nil, "" // the reset in flight was saved
	}
	for _, id := range rc.erased {
		if rc.record(t, c, id) != 3 {
			t.Fatalf("%s: verification %s was erased by an acknowledged reset, and is back", rc.key, id)
		}
		covered.add("reset")
	}
	rc.erased = nil
	rc.inReset = false
}

// importClient fixes numbers' codes, and now and then imports the export
// it took at its start: after an acknowledged import, the numbers fixed
// since are gone; after an acknowledged number, it is there.
type importClient struct {
	base
	seed        json.RawMessage   // the export taken at the start
	seedNumbers map[string]string // its numbers' codes
	numbers     map[string]string // acknowledged: number → code
	inFlight    func(map[string]string) map[string]string
	done        map[string]int // acknowledged since the last stop, by kind
}

func (ic *importClient) op(c *child) error {
	if ic.seed == nil {
		for _, to := range []string{"4915500000001", "4915500000002"} {
			if _, err := ic.control(c, "PUT", "/_sandbox/numbers/"+to, map[string]any{"code": "1111"}, http.StatusOK); err != nil {
				return err
			}
		}
		seed, err := ic.control(c, "GET", "/_sandbox/export", nil, http.StatusOK)
		if err != nil {
			return err
		}
		ic.seed = seed
		ic.seedNumbers = map[string]string{"4915500000001": "1111", "4915500000002": "1111"}
		ic.numbers, ic.done = maps.Clone(ic.seedNumbers), map[string]int{}
		return nil
	}
	ic.n++
	kind, apply := "number", func(m map[string]string) map[string]string {
		m = maps.Clone(m)
		m[fmt.Sprintf("49155%08d", ic.n%5)] = fmt.Sprintf("%04d", ic.n%10000)
		return m
	}
	if ic.n%8 == 0 {
		kind, apply = "import", func(map[string]string) map[string]string { return maps.Clone(ic.seedNumbers) }
	}
	ic.inFlight = apply
	var err error
	if kind == "import" {
		_, err = ic.control(c, "PUT", "/_sandbox/import", ic.seed, http.StatusOK)
	} else {
		next := apply(ic.numbers)
		to := fmt.Sprintf("49155%08d", ic.n%5)
		_, err = ic.control(c, "PUT", "/_sandbox/numbers/"+to, map[string]any{"code": next[to]}, http.StatusOK)
	}
	if err != nil {
		return err
	}
	ic.numbers, ic.inFlight = apply(ic.numbers), nil
	ic.done[kind]++
	return nil
}

func (ic *importClient) reconcile(t *testing.T, c *child) {
	t.Helper()
	if ic.seed == nil {
		return
	}
	var got map[string]struct {
		Code string `json:"code"`
	}
	c.mustControl(t, "GET", "/_sandbox/numbers", ic.key, &got)
	codes := map[string]string{}
	for to, o := range got {
		codes[to] = o.Code
	}
	switch {
	case maps.Equal(codes, ic.numbers):
	case ic.inFlight != nil && maps.Equal(codes, ic.inFlight(ic.numbers)): // the change in flight was saved
	default:
		t.Fatalf("%s: the numbers after a stop are %v, want %v (the acknowledged changes)", ic.key, codes, ic.numbers)
	}
	for kind, n := range ic.done {
		for range n {
			covered.add(kind)
		}
	}
	ic.numbers, ic.inFlight, ic.done = codes, nil, map[string]int{}
}

// forgetClient opens accounts with the shared secret, leaves them idle,
// and looks at them again once they have been idle long enough to be
// forgotten: one it saw forgotten must stay forgotten after a restart.
type forgetClient struct {
	n         int
	open      []idleAccount // acknowledged: a flow created in each
	forgotten []string      // seen forgotten
	seen      atomic.Int64  // forgotten accounts seen this round
}

type idleAccount struct {
	key     string
	created time.Time
}

// forgetAfter is how long after its last request the test looks at an
// idle account: the children forget them after 500 ms (-account-idle),
// within a sweep (a tenth of that).
const forgetAfter = 800 * time.Millisecond

func (fc *forgetClient) op(c *child) error {
	time.Sleep(20 * time.Millisecond) // a few accounts a round: the idle time is what the test waits for
	if len(fc.open) == 0 || time.Since(fc.open[0].created) < forgetAfter {
		fc.n++
		key := fmt.Sprintf("idle-%d", fc.n)
		if _, err := c.vendor(key, sharedSecret, "POST", "/flow/add", json.RawMessage(fmt.Sprintf(flowBody, "idle-flow"))); err != nil {
			return err
		}
		fc.open = append(fc.open, idleAccount{key: key, created: time.Now()})
		return nil
	}
	// Looking opens the account again (empty); it is forgotten again later.
	key := fc.open[0].key
	var flows []json.RawMessage
	raw, err := c.control("GET", "/_sandbox/flows", key, nil, http.StatusOK)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &flows); err != nil {
		return err
	}
	if len(flows) != 0 {
		return &refusal{fmt.Sprintf("account %s was not forgotten after %s idle", key, time.Since(fc.open[0].created))}
	}
	fc.open = fc.open[1:]
	fc.forgotten = append(fc.forgotten, key)
	fc.seen.Add(1)
	return nil
}

func (fc *forgetClient) reconcile(t *testing.T, c *child) {
	t.Helper()
	for _, key := range fc.forgotten {
		var flows []json.RawMessage
		c.mustControl(t, "GET", "/_sandbox/flows", key, &flows)
		if len(flows) != 0 {
			t.Fatalf("account %s was forgotten, and its flow is back after a restart", key)
		}
		covered.add("forget")
	}
	fc.forgotten = nil
	// The accounts still open were loaded at the restart: their idle time
	// starts again.
	for i := range fc.open {
		fc.open[i].created = time.Now()
	}
	fc.seen.Store(0)
}

// retention checks what the retention kept of each account's
// verifications: the newest, whole, in creation order, so that a gap is a
// lost change and not the retention's work.
type retention struct{}

// killRetention is the children's -retention: small, so that the
// retention forgets verifications (and saves that) during the test.
const killRetention = 150

func (retention) check(t *testing.T, c *child, clients []killer) {
	t.Helper()
	byKey := map[string][]*killVerif{}
	for _, cl := range clients {
		var sb *serviceBase
		switch v := cl.(type) {
		case *flowClient:
			sb = &v.serviceBase
		case *checkClient:
			sb = &v.serviceBase
		case *resetClient:
			sb = &v.serviceBase
		default:
			continue
		}
		byKey[sb.key] = append(byKey[sb.key], sb.verifs...)
		defer func() {
			sb.verifs = slices.DeleteFunc(sb.verifs, func(v *killVerif) bool { return c.gone(v.id) })
		}()
	}
	for key, vs := range byKey {
		slices.SortFunc(vs, func(a, b *killVerif) int { return int(a.seq - b.seq) })
		kept := 0
		for i := len(vs) - 1; i >= 0; i-- {
			if !c.gone(vs[i].id) {
				kept += vs[i].attempts
				continue
			}
			// Gone: the retention's only if everything newer is kept and
			// fills it.
			for _, newer := range vs[i+1:] {
				if c.gone(newer.id) {
					t.Fatalf("%s: verification %s is kept, and %s before it is gone", key, newer.id, vs[i].id)
				}
			}
			if kept < killRetention-2*len(clients) {
				t.Fatalf("%s: verification %s is gone with %d attempts kept after it (the retention is %d)", key, vs[i].id, kept, killRetention)
			}
			covered.add("retention's delete")
			break
		}
	}
}

type refusal struct{ what string }

func (r *refusal) Error() string { return r.what }

// sharedSecret opens the kill test's idle accounts.
const sharedSecret = "kill-shared"

type child struct {
	cmd         *exec.Cmd
	base, root  string
	token       string
	stderr      *syncBuffer
	knownGone   map[string]bool // verifications found gone, by id
	knownGoneMu sync.Mutex
	snaTokens   map[string]string // by verificationId
}

func startChild(t *testing.T, bin, dir, state string, accounts map[string]string) *child {
	t.Helper()
	addr := filepath.Join(dir, "addr")
	_ = os.Remove(addr)
	args := []string{"-listen", "127.0.0.1:0", "-addr-file", addr, "-state", state, "-quiet", "-control-token", "kill-test",
		"-retention", strconv.Itoa(killRetention), "-open-accounts", "-secret", sharedSecret, "-account-idle", "500ms"}
	for k, s := range accounts {
		args = append(args, "-account", k+":"+s)
	}
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	c := &child{cmd: cmd, token: "kill-test", stderr: &syncBuffer{}, knownGone: map[string]bool{}, snaTokens: map[string]string{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(addr); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			c.base = strings.TrimSpace(string(b))
			c.root = strings.TrimSuffix(c.base, "/otp")
			return c
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			t.Fatalf("the sandbox did not start:\n%s", c.stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop ends the child with sig: SIGTERM must end it with status 0, at
// once, whatever was under way.
func (c *child) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if sig == syscall.SIGTERM && err != nil {
			t.Fatalf("SIGTERM: %v\n%s", err, c.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the sandbox did not stop on %s", sig)
	}
	if log := c.stderr.String(); strings.Contains(log, "level=ERROR") {
		t.Fatalf("the sandbox logged an error:\n%s", log)
	}
}

var killHTTP = &http.Client{Timeout: 10 * time.Second}

func (c *child) do(req *http.Request, want int) (json.RawMessage, error) {
	resp, err := killHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, &refusal{fmt.Sprintf("%s %s: HTTP %d %s", req.Method, req.URL, resp.StatusCode, raw)}
	}
	return raw, nil
}

// jsonBody is a request's body: none for nil.
func jsonBody(body any) io.Reader {
	if body == nil {
		return nil
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // the test's own values
	}
	return bytes.NewReader(b)
}

func (c *child) vendor(key, secret, method, path string, body any) (json.RawMessage, error) {
	req, err := http.NewRequest(method, c.base+path, jsonBody(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	signRequest(req, key, secret)
	raw, err := c.do(req, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var env struct {
		Status string          `json:"status"`
		Reason string          `json:"reason"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("%s %s: %s", method, path, raw)
	}
	if env.Status != "0" {
		return nil, &refusal{fmt.Sprintf("%s: %s %s: status %s %s", key, method, path, env.Status, env.Reason)}
	}
	return env.Data, nil
}

func (c *child) control(method, path, key string, body any, want int) (json.RawMessage, error) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, err := http.NewRequest(method, c.root+path+sep+"key="+key, jsonBody(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	return c.do(req, want)
}

func (c *child) mustVendor(t *testing.T, key, secret, method, path string, body any) json.RawMessage {
	t.Helper()
	data, err := c.vendor(key, secret, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func (c *child) mustControl(t *testing.T, method, path, key string, v any) {
	t.Helper()
	raw, err := c.control(method, path, key, nil, http.StatusOK)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

// gone says whether the restarted sandbox no longer has a verification
// (its record answers matched 3), asking once.
func (c *child) gone(id string) bool {
	c.knownGoneMu.Lock()
	defer c.knownGoneMu.Unlock()
	if g, asked := c.knownGone[id]; asked {
		return g
	}
	// Any account's record route answers for its own ids only: ask as
	// every account until one has it.
	g := true
	for _, acct := range []struct{ key, secret string }{{"kill-a", "secret-a"}, {"kill-b", "secret-b"}, {"kill-c", "secret-c"}} {
		data, err := c.vendor(acct.key, acct.secret, "GET", "/verification/record/"+id, nil)
		if err != nil {
			panic(err)
		}
		var rec struct {
			Verifications struct{ Matched int } `json:"verifications"`
		}
		if json.Unmarshal(data, &rec) == nil && rec.Verifications.Matched != 3 {
			g = false
			break
		}
	}
	c.knownGone[id] = g
	return g
}

// snaToken is the token of an sna verification's URL, from its message.
func (c *child) snaToken(id string, cc *checkClient) string {
	raw, err := cc.control(c, "GET", "/_sandbox/messages?verificationId="+id, nil, http.StatusOK)
	if err != nil {
		return ""
	}
	var msgs []struct {
		SNAURL string `json:"snaUrl"`
	}
	if json.Unmarshal(raw, &msgs) != nil || len(msgs) == 0 {
		return ""
	}
	return msgs[0].SNAURL[strings.LastIndex(msgs[0].SNAURL, "/")+1:]
}

// tempFiles are the compaction's temporary files beside the state file.
func tempFiles(t *testing.T, state string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(filepath.Dir(state), "."+filepath.Base(state)+".tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	return matches
}
