package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// statePath is a state file in a new directory of the test's.
func statePath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "state.json")
}

func withState(path string) func(*Options) { return func(o *Options) { o.StateFile = path } }

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// sameState says whether two servers hold the same objects in every
// account of keys.
func sameState(t *testing.T, a, b *Server, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if !reflect.DeepEqual(a.Flows(k), b.Flows(k)) || !reflect.DeepEqual(a.Apps(k), b.Apps(k)) || !reflect.DeepEqual(a.Templates(k), b.Templates(k)) {
			t.Fatalf("account %s reloaded differently:\n%+v %+v %+v\n%+v %+v %+v", k, a.Flows(k), a.Apps(k), a.Templates(k), b.Flows(k), b.Apps(k), b.Templates(k))
		}
	}
}

// Saving a change appends one record: its cost does not grow with the
// number of objects. Before the journal, every change rewrote the whole
// file, so the file grew by its whole size on each.
func TestSavingAChangeAppendsOneRecord(t *testing.T) {
	path := statePath(t)
	e := newEnv(t, withState(path))
	growth := func(change func()) int64 {
		before := fileSize(t, path)
		n := len(lines(t, path))
		change()
		if got := len(lines(t, path)); got != n+1 {
			t.Fatalf("a change wrote %d lines", got-n)
		}
		return fileSize(t, path) - before
	}
	early := growth(func() { e.newFlow("flow-first") })
	for i := range 2000 {
		if _, err := e.srv.AddFlow(otherKey, Flow{Name: fmt.Sprintf("bulk-%05d", i), Flow: []Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}}); err != nil {
			t.Fatal(err)
		}
	}
	late := growth(func() { e.newFlow("flow-later") })
	if late > early+8 { // the ids may have one more digit
		t.Fatalf("a create at 2000 objects wrote %d bytes, at 1 object %d", late, early)
	}
	f := e.srv.Flows(key)[0]
	growth(func() {
		e.must("PUT", "/otp/flow/update/"+id64(f.FlowID), `{"name":"flow-renamed","flow":[{"waitingTime":60,"status":1,"channel":"sms"}]}`)
	})
	growth(func() {
		if err := e.srv.DeleteFlow(f.FlowID); err != nil {
			t.Fatal(err)
		}
	})
	again := newEnv(t, withState(path))
	sameState(t, e.srv, again.srv, key, otherKey)
}

// Every kind of change survives a restart, in order, ids included.
func TestJournalReplaysEveryChange(t *testing.T) {
	path := statePath(t)
	e := newEnv(t, withState(path))
	f := e.newFlow("replayed-flow")
	a := e.newApp("replayed-app")
	gone := e.newApp("deleted-app")
	tp := e.newTemplate(a.AppID, "replayed-tpl")
	e.must("PUT", "/otp/template/update/"+id64(tp.TemplateID), `{"name":"replayed-tpl","text":"v2 ##code##","language":"CN"}`)
	e.must("PUT", "/otp/template/update/"+id64(tp.TemplateID), `{"name":"replayed-tpl","text":"v3 ##code##","language":"JP"}`)
	if _, err := e.srv.EditFlow(f.FlowID, func(f *Flow) { f.Name = "edited-flow" }); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.DeleteApp(gone.AppID); err != nil {
		t.Fatal(err)
	}
	e.asOther("POST", "/otp/flow/add", validFlow)
	e.asOther("POST", "/otp/app/add", `{"name":"other-app"}`)
	// One account's reset is replayed; the other account keeps its objects.
	e.mustControl(204, "POST", "/_sandbox/reset?key="+otherKey, "")
	last := decode[Flow](t, e.asOther("POST", "/otp/flow/add", `{"name":"after-reset","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`).Data)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	again := newEnv(t, withState(path))
	sameState(t, e.srv, again.srv, key, otherKey)
	if tpl := again.srv.Templates(key)[0]; tpl.Text != "v3 ##code##" || tpl.Language != "JP" {
		t.Fatalf("the last update did not win: %+v", tpl)
	}
	if fl := again.srv.Flows(otherKey); len(fl) != 1 || fl[0].Name != "after-reset" || len(again.srv.Apps(otherKey)) != 0 {
		t.Fatalf("the other account after its reset: %+v %+v", fl, again.srv.Apps(otherKey))
	}
	if g := again.newFlow("next-flow"); g.FlowID != last.FlowID+1 {
		t.Fatalf("flow ids go on at %d, want %d", g.FlowID, last.FlowID+1)
	}
	if !appIDUsed(again.srv, gone.AppID) {
		t.Error("the deleted app's id was forgotten: it could be given out again")
	}
}

// The file is compacted when it has grown: it stays about the size of what
// is live, and loads the same, ids included.
func TestJournalIsCompacted(t *testing.T) {
	path := statePath(t)
	e := newEnv(t, withState(path))
	a := e.newApp("compacted-app")
	gone := e.newApp("deleted-app")
	if err := e.srv.DeleteApp(gone.AppID); err != nil {
		t.Fatal(err)
	}
	f := e.newFlow("compacted-flow")
	watch := watchFile(t, path)
	for i := range 3000 {
		if _, err := e.srv.EditFlow(f.FlowID, func(f *Flow) { f.Flow[0].WaitingTime = 30 + i%90 }); err != nil {
			t.Fatal(err)
		}
		watch.seen()
	}
	if err := e.srv.Close(); err != nil { // a compaction under way finishes first
		t.Fatal(err)
	}
	// 3000 updates of ~130 bytes would be ~390 KiB without compaction; a
	// compaction lets the changes go on while it writes the new file, and
	// keeps them: the file holds at most what was appended since the last.
	if n, size := watch.seen(), fileSize(t, path); n < 2 || size > 3*minCompactBytes {
		t.Fatalf("%d compactions; the file is %d bytes", n, size)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("files left beside the state file: %v", entries)
	}
	again := newEnv(t, withState(path))
	sameState(t, e.srv, again.srv, key)
	if !appIDUsed(again.srv, gone.AppID) || !appIDUsed(again.srv, a.AppID) {
		t.Error("compaction forgot app ids given out")
	}
	if g := again.newFlow("after-compaction"); g.FlowID != f.FlowID+1 {
		t.Fatalf("flow id after compaction %d", g.FlowID)
	}
}

// A reset of everything empties the file: a header and nothing else.
func TestResetEmptiesTheFile(t *testing.T) {
	path := statePath(t)
	e := newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{key: secret} })
	e.newFlow("to-be-reset")
	e.newApp("to-be-reset")
	e.mustControl(204, "POST", "/_sandbox/reset", "")
	if got := lines(t, path); len(got) != 1 || got[0] != journalHeader {
		t.Fatalf("after a reset the file holds %q", got)
	}
	again := newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{key: secret} })
	if len(again.srv.Flows(key))+len(again.srv.Apps(key)) != 0 {
		t.Fatal("objects came back after a reset")
	}
	if f := again.newFlow("first-again"); f.FlowID != firstFlowID {
		t.Fatalf("ids after a reset and a restart start at %d", f.FlowID)
	}
}

// A last record whose write was cut short is dropped with a log line, and
// the start goes on; the file is cut before it, so that the next record
// follows a whole one.
func TestTornLastRecordIsDropped(t *testing.T) {
	path := statePath(t)
	e := newEnv(t, withState(path))
	kept := e.newFlow("kept-flow")
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	whole := fileSize(t, path)
	for _, torn := range []string{
		`{"op":"put","key":"sandbox-key","kind":"flow","id":"10002","obj":{"flowId":10002,"na`,
		`{"op":"put","key":"sandbox-key","kind":"flow","id":"10002","obj":{"flowId":10002,"name":"whole-but-no-newline","flow":[{"waitingTime":30,"status":1,"channel":"sms","channelCut":0}]}}`,
		"\x00\x00\x00\x00\x00\x00", // a power loss can leave zeros where the record was going
	} {
		t.Run(fmt.Sprintf("%.12q", torn), func(t *testing.T) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString(torn); err != nil {
				t.Fatal(err)
			}
			_ = f.Close()
			var log syncBuf
			again := newEnv(t, withState(path), func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
			if fl := again.srv.Flows(key); len(fl) != 1 || !reflect.DeepEqual(fl[0], kept) {
				t.Fatalf("flows %+v", fl)
			}
			if !strings.Contains(log.String(), "dropped its last record") || !strings.Contains(log.String(), path) {
				t.Fatalf("no log line about the torn record:\n%s", log.String())
			}
			if got := fileSize(t, path); got != whole {
				t.Fatalf("the file is %d bytes, want %d: the torn record was not cut off", got, whole)
			}
			again.newFlow("next-flow")
			if err := again.srv.Close(); err != nil {
				t.Fatal(err)
			}
			third := newEnv(t, withState(path))
			if fl := third.srv.Flows(key); len(fl) != 2 || fl[1].Name != "next-flow" {
				t.Fatalf("after the torn record: %+v", fl)
			}
			if err := third.srv.DeleteFlow(fl(third)[1].FlowID); err != nil {
				t.Fatal(err)
			}
			if err := third.srv.Close(); err != nil {
				t.Fatal(err)
			}
			whole = fileSize(t, path)
		})
	}
}

func fl(e *env) []Flow { return e.srv.Flows(key) }

// What the sandbox cannot read stops the start, naming it, and the file
// stays as it was.
func TestUnreadableJournalsAreRefusedAndKept(t *testing.T) {
	const flowPut = `{"op":"put","key":"k","kind":"flow","id":"10001","obj":{"flowId":10001,"name":"abcd","flow":[{"waitingTime":60,"status":1,"channel":"sms","channelCut":0}]}}`
	for _, tt := range []struct{ name, content, want string }{
		{"unknown record field", journalHeader + "\n" + strings.Replace(flowPut, `"op"`, `"when":1,"op"`, 1) + "\n", `line 2: unknown field "when"`},
		{"unknown object field", journalHeader + "\n" + strings.Replace(flowPut, `"name"`, `"colour":"red","name"`, 1) + "\n", `line 2: put flow "10001": unknown field "colour"`},
		{"unknown kind", journalHeader + "\n" + `{"op":"put","key":"k","kind":"invoice","id":"v1","obj":{}}` + "\n", `line 2: unknown record kind "invoice"`},
		{"unknown operation", journalHeader + "\n" + `{"op":"merge","key":"k","kind":"flow","id":"10001"}` + "\n", `unknown operation "merge"`},
		{"unknown header field", `{"journal":"otp-sandbox","version":1,"compressed":true}` + "\n", `line 1: unknown field "compressed"`},
		{"newer version", `{"journal":"otp-sandbox","version":2}` + "\n", "version 1"},
		{"id mismatch", journalHeader + "\n" + strings.Replace(flowPut, `"id":"10001"`, `"id":"10002"`, 1) + "\n", "flowId is 10001"},
		{"delete of nothing", journalHeader + "\n" + `{"op":"delete","key":"k","kind":"flow","id":"10001"}` + "\n", "no such flow"},
		{"a broken line before the last", journalHeader + "\n{\"op\":\n" + flowPut + "\n", "line 2"},
		{"invalid object", journalHeader + "\n" + strings.Replace(flowPut, `"abcd"`, `"abc"`, 1) + "\n", "name must be 4 to 32"},
		{"two objects of one name", journalHeader + "\n" + flowPut + "\n" + strings.ReplaceAll(flowPut, "10001", "10002") + "\n", `has the name "abcd"`},
		{"no key", journalHeader + "\n" + strings.Replace(flowPut, `"key":"k",`, "", 1) + "\n", "names no account"},
		{"incomplete header", `{"journal":"otp-sandbox","vers`, "header line is incomplete"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := statePath(t)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := New(Options{Accounts: map[string]string{"k": "s"}, StateFile: path})
			if err == nil || !strings.Contains(err.Error(), "cannot be loaded") || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want an error naming %s and %q", err, path, tt.want)
			}
			if b, _ := os.ReadFile(path); string(b) != tt.content {
				t.Fatal("the file was changed")
			}
		})
	}
}

// The state file's directory is checked at start: missing or not
// writable, the start stops, naming the path and the reason.
func TestStateDirectoryIsCheckedAtStart(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "a-file")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{filepath.Join(dir, "missing", "state.json"), "directory " + filepath.Join(dir, "missing") + " does not exist"},
		{filepath.Join(aFile, "state.json"), aFile + " is not a directory"},
		{dir, dir + " is a directory"},
	}
	// Not writable: chmod does not stop root, a read-only file system does.
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "read-only")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct{ path, want string }{filepath.Join(ro, "state.json"), ro + " is not writable: permission denied"})
	} else if err := os.WriteFile("/sys/otp-sandbox-probe", nil, 0o600); err != nil {
		cases = append(cases, struct{ path, want string }{"/sys/state.json", "/sys is not writable"})
	}
	for _, tt := range cases {
		_, err := New(Options{Accounts: map[string]string{key: secret}, StateFile: tt.path})
		if err == nil || !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.path, err, tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 2 {
		t.Errorf("files left behind: %v", entries)
	}
}

// After Close, changes fail (and are undone) rather than go unsaved.
func TestChangesAfterCloseFail(t *testing.T) {
	e := newEnv(t, withState(statePath(t)))
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, e.call("POST", "/otp/flow/add", validFlow, nil), "-18", "")
	if len(e.srv.Flows(key)) != 0 {
		t.Fatal("a change that was not saved stayed")
	}
	if err := e.srv.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
}

// Concurrent changes from many clients are all in the file, in the order
// they were made: a reload holds what memory holds.
func TestConcurrentChangesAreJournaled(t *testing.T) {
	path := statePath(t)
	e := newEnv(t, withState(path))
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Go(func() {
			for i := range 40 {
				name := fmt.Sprintf("c%d-flow-%d", c, i)
				created, err := e.srv.AddFlow(key, Flow{Name: name, Flow: []Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := e.srv.EditFlow(created.FlowID, func(f *Flow) { f.Flow[0].WaitingTime = 31 + c }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	again := newEnv(t, withState(path))
	sameState(t, e.srv, again.srv, key)
	if len(again.srv.Flows(key)) != 320 {
		t.Fatalf("%d flows", len(again.srv.Flows(key)))
	}
}

// appIDUsed says whether an app id was given out, so that it never is
// again.
func appIDUsed(s *Server, id string) bool {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	return s.idStateLocked(appKind.one, appKind.ids).UsedIDs[id]
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// compactions counts the compactions of a journal: each renames a new file
// over it.
type compactions struct {
	t    *testing.T
	path string
	last os.FileInfo
	n    int
}

func watchFile(t *testing.T, path string) *compactions {
	c := &compactions{t: t, path: path}
	c.last = c.stat()
	return c
}

func (c *compactions) stat() os.FileInfo {
	c.t.Helper()
	fi, err := os.Stat(c.path)
	if err != nil {
		c.t.Fatal(err)
	}
	return fi
}

// seen is how many compactions have renamed a new file over the journal
// so far (two between looks count as one).
func (c *compactions) seen() int {
	if fi := c.stat(); !os.SameFile(fi, c.last) {
		c.last = fi
		c.n++
	}
	return c.n
}

// A change that set off a compaction is in the new file: the compaction
// is made from the state the change is in. (Before, a send whose save
// started a compaction was written into a snapshot taken without it, and
// was lost at the next start.) Sends, checks right and wrong, and resends,
// until the journal has been compacted five times.
func TestNoAcknowledgedChangeIsLostToACompaction(t *testing.T) {
	path := statePath(t)
	e := newHTTPSvc(t, withState(path))
	watch := watchFile(t, path)
	type verif struct{ id, code, want string }
	var all []verif
	for i := 0; watch.seen() < 5; i++ {
		if i > 20000 {
			t.Fatal("the journal was not compacted")
		}
		id := e.send("4915100000001", fmt.Sprintf(`,"orderId":"o-%d"`, i))
		v := verif{id: id, code: e.code(id), want: "unchecked"}
		switch i % 8 { // mostly sends: whatever change sets a compaction off must be kept
		case 1:
			if e.verify(id, v.code) != engine.MatchedOK {
				t.Fatal("a right check failed")
			}
			v.want = "checked"
		case 2:
			if e.verify(id, "ABCDEF") != engine.MatchedWrong {
				t.Fatal("a wrong check passed")
			}
			v.want = "wrong"
		case 3:
			r := decode[engine.SendAnswer](t, e.must("POST", "/otp/verification/resend", `{"verificationId":"`+id+`"}`))
			v.want = "replaced"
			all = append(all, verif{id: r.VerificationID, code: v.code, want: "unchecked"})
		}
		all = append(all, v)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := httpSvc{env: newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{key: secret} })}
	for _, v := range all {
		rec := decode[engine.RecordAnswer](t, again.must("GET", "/otp/verification/record/"+v.id, ""))
		got := map[int]string{-1: "unchecked", 0: "checked", 2: "wrong", 3: "gone"}[rec.Verifications.Matched]
		if v.want == "replaced" {
			if m := again.verify(v.id, v.code); m != engine.MatchedExpired {
				t.Fatalf("%s was replaced by a resend before the restart; its code after: matched %d, want 5", v.id, m)
			}
			continue
		}
		if got != v.want {
			t.Fatalf("verification %s after %d compactions and a restart: %s (matched %d), want %s", v.id, watch.n, got, rec.Verifications.Matched, v.want)
		}
	}
}

// A purge of the messages is one record, however many messages it takes
// out: before, it wrote every verification it touched again, under the
// lock every account waited for.
func TestAPurgeIsOneRecord(t *testing.T) {
	path := statePath(t)
	e := newHTTPSvc(t, withState(path))
	for i := range 300 {
		e.send(fmt.Sprintf("49151%08d", i), "")
	}
	n := len(lines(t, path))
	e.mustControl(200, "DELETE", "/_sandbox/messages", "")
	if got := len(lines(t, path)) - n; got != 1 {
		t.Fatalf("a purge of 300 messages wrote %d records", got)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := httpSvc{env: newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{key: secret} })}
	if ms := again.messages(""); len(ms) != 0 {
		t.Fatalf("%d messages after the purge and a restart", len(ms))
	}
}

// A compaction takes each account's state under that account's lock alone,
// and writes the new file holding none: while it writes (held there by a
// failure point that waits), every account goes on, a new account opens,
// another is reset, objects are created and deleted; and the new file holds
// it all.
func TestACompactionBlocksNoAccount(t *testing.T) {
	path := statePath(t)
	e := newHTTPSvc(t, withState(path), func(o *Options) {
		o.Accounts = map[string]string{key: secret, otherKey: otherSecret}
		o.OpenAccounts, o.SharedSecret = true, "shared-secret"
	})
	e.send("4915100000001", "")
	e.asOther("POST", "/otp/flow/add", `{"name":"other-flow","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`)
	gone := e.newFlow("deleted-during")
	writing, release := make(chan struct{}), make(chan struct{})
	hook := func(point string) error {
		if point == failCompactWrite {
			close(writing)
			<-release
		}
		return nil
	}
	e.srv.journal.failHook.Store(&hook)
	done := make(chan error, 1)
	go func() { done <- e.srv.compactNow() }()
	<-writing

	codeOf := func(id string) string {
		ms := decode[[]Message](t, e.mustControl(200, "GET", "/_sandbox/messages?key="+key+"&verificationId="+id, ""))
		return ms[0].Code
	}
	during := make(chan struct{})
	var sent string
	go func() {
		defer close(during)
		sent = e.send("4915100000002", "")
		e.verify(sent, codeOf(sent))
		e.asOther("POST", "/otp/flow/add", `{"name":"during-flow","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`)
		e.mustControl(204, "POST", "/_sandbox/reset?key="+otherKey, "")
		e.asOther("POST", "/otp/app/add", `{"name":"after-reset"}`)
		if r := e.call("POST", "/otp/flow/add", validFlow, e.signed("opened-during", "shared-secret")); r.Status != "0" {
			t.Errorf("a new account during the compaction: %+v", r)
		}
		if err := e.srv.DeleteFlow(gone.FlowID); err != nil {
			t.Error(err)
		}
		e.mustControl(200, "POST", "/_sandbox/clock?key="+key, `{"advanceSeconds":60}`)
	}()
	select {
	case <-during:
	case <-time.After(time.Minute):
		t.Fatal("the accounts waited for the compaction")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("files left beside the state file: %v", entries)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := newEnv(t, withState(path), func(o *Options) {
		o.Accounts = map[string]string{key: secret, otherKey: otherSecret}
		o.OpenAccounts, o.SharedSecret = true, "shared-secret"
	})
	sameState(t, e.srv, again.srv, key, otherKey, "opened-during")
	if fl := again.srv.Flows(otherKey); len(fl) != 0 || len(again.srv.Apps(otherKey)) != 1 {
		t.Fatalf("the reset during the compaction was lost: %+v", fl)
	}
	if fl := again.srv.Flows("opened-during"); len(fl) != 1 {
		t.Fatal("the account opened during the compaction was lost")
	}
	svc := httpSvc{env: again}
	if m := svc.verify(sent, "ABCDEF"); m != engine.MatchedUsed {
		t.Fatalf("the check made during the compaction: matched %d after a restart, want 4", m)
	}
	if c := decode[clockAnswer](t, svc.mustControl(200, "GET", "/_sandbox/clock?key="+key, "")); c.OffsetSeconds != 60 {
		t.Fatalf("the advance made during the compaction: offset %d after a restart", c.OffsetSeconds)
	}
}

// A compaction that fails leaves a whole file: before the new file is
// renamed over the journal (while it is written, or once written and
// synced), the journal goes on as it was; after, the new file is the
// journal, and what cannot be appended any more is refused, changing
// nothing. Either way, a restart finds every change acknowledged.
func TestACompactionThatFailsLeavesTheFileWhole(t *testing.T) {
	for _, point := range []string{failCompactWrite, failBeforeRename, failAfterRename} {
		t.Run(point, func(t *testing.T) {
			path := statePath(t)
			e := newHTTPSvc(t, withState(path))
			for i := range 20 {
				id := e.send(fmt.Sprintf("49151%08d", i), "")
				if i%2 == 0 {
					e.verify(id, e.code(id))
				}
			}
			e.newFlow("before-the-failure")
			e.failAt(point)
			err := e.srv.compactNow()
			if err == nil || !strings.Contains(err.Error(), point) {
				t.Fatalf("the compaction answered %v", err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Fatalf("files left beside the state file: %v", entries)
			}
			e.srv.journal.failHook.Store(nil)
			after := e.call("POST", "/otp/flow/add", `{"name":"after-the-failure","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`, nil)
			if point == failAfterRename {
				wantRefused(t, after, "-18", "")
				if status, _ := e.control("DELETE", "/_sandbox/messages", ""); status != 500 {
					t.Fatalf("a purge after the journal broke: %d", status)
				}
			} else if after.Status != "0" {
				t.Fatalf("a change after the failed compaction: %+v", after)
			}
			wantMessages := e.messages("")
			if err := e.srv.Close(); err != nil && point != failAfterRename {
				t.Fatal(err)
			}
			again := httpSvc{env: newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{key: secret} })}
			sameState(t, e.srv, again.srv, key)
			if got := again.messages(""); !reflect.DeepEqual(got, wantMessages) {
				t.Fatalf("messages after a restart:\n%+v\nwant\n%+v", got, wantMessages)
			}
		})
	}
}

// A reset of everything empties the file, or changes nothing: when the
// empty file cannot be put in place, memory keeps everything (500); once it
// is in place, memory is emptied too, whatever fails after. (Before, a
// reset whose reopen failed put the old state back in memory over an
// emptied file.)
func TestAResetOfEverythingIsWholeOrNothing(t *testing.T) {
	for _, point := range []string{failBeforeRename, failAfterRename} {
		t.Run(point, func(t *testing.T) {
			path := statePath(t)
			one := func(o *Options) { o.Accounts = map[string]string{key: secret} }
			e := newHTTPSvc(t, withState(path), one)
			e.send("4915100000001", "")
			e.failAt(point)
			status, _ := e.control("POST", "/_sandbox/reset", "")
			kept := len(e.srv.Flows(key)) + len(e.messages(""))
			switch {
			case point == failBeforeRename && (status != 500 || kept == 0):
				t.Fatalf("a reset that could not empty the file: %d, %d objects and messages kept", status, kept)
			case point == failAfterRename && (status != 204 || kept != 0):
				t.Fatalf("a reset that emptied the file: %d, %d objects and messages kept", status, kept)
			}
			again := httpSvc{env: newEnv(t, withState(path), one)}
			sameState(t, e.srv, again.srv, key)
			if got := len(again.messages("")); (got == 0) != (kept == 0) {
				t.Fatalf("%d messages after a restart, %d before", got, kept)
			}
		})
	}
}

// A temporary file left by a compaction that a crash cut short is removed
// at start, and the journal beside it loads.
func TestALeftoverTemporaryFileIsRemoved(t *testing.T) {
	path := statePath(t)
	e := newEnv(t, withState(path))
	f := e.newFlow("kept-flow")
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-1234567")
	if err := os.WriteFile(leftover, []byte(journalHeader+"\n{\"op\":"), 0o600); err != nil {
		t.Fatal(err)
	}
	var log syncBuf
	again := newEnv(t, withState(path), func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the leftover is still there: %v", err)
	}
	if !strings.Contains(log.String(), "removed the temporary file") {
		t.Fatalf("no log line:\n%s", log.String())
	}
	if fl := again.srv.Flows(key); len(fl) != 1 || !reflect.DeepEqual(fl[0], f) {
		t.Fatalf("flows %+v", fl)
	}
}
