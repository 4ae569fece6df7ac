package sandbox

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
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

// The file is compacted when it has grown: it stays the size of what is
// live, and loads the same, ids included.
func TestJournalIsCompacted(t *testing.T) {
	path := statePath(t)
	e := newEnv(t, withState(path))
	a := e.newApp("compacted-app")
	gone := e.newApp("deleted-app")
	if err := e.srv.DeleteApp(gone.AppID); err != nil {
		t.Fatal(err)
	}
	f := e.newFlow("compacted-flow")
	largest := int64(0)
	for i := range 3000 {
		if _, err := e.srv.EditFlow(f.FlowID, func(f *Flow) { f.Flow[0].WaitingTime = 30 + i%90 }); err != nil {
			t.Fatal(err)
		}
		largest = max(largest, fileSize(t, path))
	}
	// 3000 updates of ~130 bytes would be ~390 KiB without compaction.
	if largest > 2*minCompactBytes+1024 {
		t.Fatalf("the file grew to %d bytes", largest)
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
