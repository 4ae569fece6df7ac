package sandbox

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestStateFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, func(o *Options) { o.StateFile = path })
	e.must("POST", "/otp/flow/add", validFlow)
	e.newFlow("second")
	a := e.newApp("first-app")
	gone := e.newApp("deleted-app")
	tp := e.newTemplate(a.AppID, "first-tpl")
	e.must("PUT", "/otp/template/update/"+id64(tp.TemplateID), `{"name":"first-tpl","text":"code: ##code##","language":"CN","speechRate":0}`)
	if _, err := e.srv.AddApp(otherKey, App{Name: "other-app", CodeExpiry: 30}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.DeleteApp(gone.AppID); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}

	again := newEnv(t, func(o *Options) { o.StateFile = path })
	for _, k := range []string{key, otherKey} {
		if !reflect.DeepEqual(again.srv.Flows(k), e.srv.Flows(k)) ||
			!reflect.DeepEqual(again.srv.Apps(k), e.srv.Apps(k)) ||
			!reflect.DeepEqual(again.srv.Templates(k), e.srv.Templates(k)) {
			t.Fatalf("account %s reloaded differently", k)
		}
	}
	if tpl := again.srv.Templates(key)[0]; tpl.Language != "CN" || tpl.SpeechRate != 0 || tpl.AppID != a.AppID {
		t.Fatalf("template reloaded as %+v", tpl)
	}
	// Each kind's ids go on where they stopped, and an app id is never
	// given out again, even one whose app was deleted.
	if f := again.newFlow("third"); f.FlowID != firstFlowID+2 {
		t.Fatalf("flow id after reload %d", f.FlowID)
	}
	if tp2 := again.newTemplate(a.AppID, "second-tpl"); tp2.TemplateID != firstTemplateID+1 {
		t.Fatalf("template id after reload %d", tp2.TemplateID)
	}
	if !appIDUsed(again.srv, gone.AppID) {
		t.Fatal("the deleted app's id was forgotten")
	}
}

// A file from before apps and templates (flows only, at the top level)
// still loads.
func TestStateFileOldLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	old := `{
  "nextId": 10003,
  "accounts": {
    "sandbox-key": [
      {"flowId": 10001, "name": "login-fallback", "flow": [{"waitingTime": 60, "status": 1, "channel": "sms", "channelCut": 0}]},
      {"flowId": 10002, "name": "second", "flow": [{"waitingTime": 30, "status": 2, "channel": "call", "channelCut": 1}]}
    ]
  }
}`
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) { o.StateFile = path })
	if fl := e.srv.Flows(key); len(fl) != 2 || fl[1].Name != "second" || fl[1].Flow[0].ChannelCut != 1 {
		t.Fatalf("loaded %+v", fl)
	}
	if f := e.newFlow("third"); f.FlowID != 10003 {
		t.Fatalf("next flow id %d", f.FlowID)
	}
	a := e.newApp("new-app")
	if tp := e.newTemplate(a.AppID, "new-tpl"); tp.TemplateID != firstTemplateID {
		t.Fatalf("first template id %d", tp.TemplateID)
	}
	// Converted to a journal at start, which loads too.
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), journalHeader+"\n") {
		t.Fatalf("saved as %s", b)
	}
	if again := newEnv(t, func(o *Options) { o.StateFile = path }); len(again.srv.Flows(key)) != 3 || len(again.srv.Templates(key)) != 1 {
		t.Fatal("the rewritten file did not load")
	}
}

func TestCorruptStateFilesAreRefusedAndKept(t *testing.T) {
	flow := func(id int, name string) string {
		return `{"flowId":` + id64(int64(id)) + `,"name":"` + name + `","flow":[{"waitingTime":60,"status":1,"channel":"sms","channelCut":0}]}`
	}
	app := func(id, name string) string {
		return `{"appId":"` + id + `","name":"` + name + `","codeExpiry":5,"periodTotalSendLimit":{"enabled":false,"unit":null,"period":null,"limit":null},"periodPhoneSendLimit":{"enabled":false,"unit":null,"period":null,"limit":null},"createTime":"2026-01-01T08:00:00+08:00"}`
	}
	tpl := func(id int, appID string) string {
		return `{"templateId":` + id64(int64(id)) + `,"appId":"` + appID + `","name":"some-tpl","text":"##code##","codeType":1,"codeLength":4,"speechRate":50,"language":"EN","maxDuration":59,"repeatCnt":1,"senderId":""}`
	}
	for _, tt := range []struct{ name, content, want string }{
		{"not JSON", `{"flows": {`, "unexpected EOF"},
		{"unknown top-level field", `{"flows":{"nextId":10001,"accounts":{}},"verifications":{}}`, `unknown field "verifications"`},
		{"unknown field in an object", `{"flows":{"nextId":10002,"accounts":{"k":[` + strings.Replace(flow(10001, "abcd"), `"name"`, `"colour":"red","name"`, 1) + `]}}}`, `unknown field "colour"`},
		{"flow id not below nextId", `{"flows":{"nextId":10002,"accounts":{"k":[` + flow(10002, "abcd") + `]}}}`, "not below nextId 10002"},
		{"old layout, id not below nextId", `{"nextId":5,"accounts":{"k":[` + flow(10001, "abcd") + `]}}`, "not below nextId"},
		{"both layouts", `{"nextId":10002,"accounts":{},"flows":{"accounts":{}}}`, "both the old layout"},
		{"duplicate flow id", `{"flows":{"nextId":10005,"accounts":{"k":[` + flow(10001, "abcd") + `],"j":[` + flow(10001, "efgh") + `]}}}`, "appears twice"},
		{"duplicate name", `{"flows":{"nextId":10005,"accounts":{"k":[` + flow(10001, "abcd") + `,` + flow(10002, "abcd") + `]}}}`, `name "abcd"`},
		{"invalid flow", `{"flows":{"nextId":10005,"accounts":{"k":[` + flow(10001, "abc") + `]}}}`, "name must be 4 to 32"},
		{"app id never issued", `{"apps":{"usedIds":{"other":true},"accounts":{"k":[` + app("abcdEFGH", "some-app") + `]}}}`, "not among usedIds"},
		{"invalid app", `{"apps":{"usedIds":{"abcdEFGH":true},"accounts":{"k":[` + strings.Replace(app("abcdEFGH", "some-app"), `"codeExpiry":5`, `"codeExpiry":0`, 1) + `]}}}`, "codeExpiry"},
		{"template of an unknown app", `{"templates":{"nextId":20002,"accounts":{"k":[` + tpl(20001, "nope") + `]}}}`, `appId "nope" does not exist`},
		{"template of another account's app", `{"apps":{"usedIds":{"abcdEFGH":true},"accounts":{"j":[` + app("abcdEFGH", "some-app") + `]}},"templates":{"nextId":20002,"accounts":{"k":[` + tpl(20001, "abcdEFGH") + `]}}}`, "does not exist"},
		{"template id not below nextId", `{"apps":{"usedIds":{"abcdEFGH":true},"accounts":{"k":[` + app("abcdEFGH", "some-app") + `]}},"templates":{"nextId":20001,"accounts":{"k":[` + tpl(20001, "abcdEFGH") + `]}}}`, "not below nextId 20001"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := New(Options{Accounts: map[string]string{key: secret}, StateFile: path})
			if err == nil || !strings.Contains(err.Error(), "cannot be loaded") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want cannot be loaded with %q", err, tt.want)
			}
			if b, _ := os.ReadFile(path); !bytes.Equal(b, []byte(tt.content)) {
				t.Fatal("the corrupt file was overwritten")
			}
		})
	}
	t.Run("a consistent file with every kind loads", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.json")
		content := `{"flows":{"nextId":10002,"accounts":{"k":[` + flow(10001, "abcd") + `]}},"apps":{"usedIds":{"abcdEFGH":true,"gone1234":true},"accounts":{"k":[` + app("abcdEFGH", "some-app") + `]}},"templates":{"nextId":20002,"accounts":{"k":[` + tpl(20001, "abcdEFGH") + `]}}}`
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		srv, err := New(Options{Accounts: map[string]string{"k": "s"}, StateFile: path})
		if err != nil {
			t.Fatal(err)
		}
		if len(srv.Flows("k")) != 1 || len(srv.Apps("k")) != 1 || len(srv.Templates("k")) != 1 {
			t.Fatal("objects missing")
		}
	})
}

// A change the state file cannot record is undone and answered -18, or
// returned as an error by the Go methods.
func TestFailedSavesAreRolledBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) { o.StateFile = filepath.Join(dir, "state.json") })
	a := e.newApp("kept-app")
	tp := e.newTemplate(a.AppID, "kept-tpl")
	// The disk fails.
	e.failAt(failAppend)
	wantRefused(t, e.call("POST", "/otp/app/add", `{"name":"not-saved"}`, nil), "-18", "")
	wantRefused(t, e.call("PUT", "/otp/template/update/"+id64(tp.TemplateID), `{"name":"not-saved","text":"##code##"}`, nil), "-18", "")
	if len(e.srv.Apps(key)) != 1 || e.srv.Templates(key)[0].Name != "kept-tpl" {
		t.Fatal("a change that was not saved stayed")
	}
	if err := e.srv.DeleteTemplate(tp.TemplateID); !errors.Is(err, errNotSaved) {
		t.Fatalf("delete: %v", err)
	}
	if status, _ := e.control("DELETE", "/_sandbox/templates/"+id64(tp.TemplateID)+"?key="+key, ""); status != 500 {
		t.Fatalf("control delete: %d", status)
	}
	if len(e.srv.Templates(key)) != 1 {
		t.Fatal("a delete that was not saved stayed")
	}
	// A reset too: before, it emptied memory and left the file as it was.
	if status, _ := e.control("POST", "/_sandbox/reset?key="+key, ""); status != 500 {
		t.Fatalf("control reset: %d", status)
	}
	if len(e.srv.Apps(key)) != 1 || len(e.srv.Templates(key)) != 1 {
		t.Fatal("a reset that was not saved stayed")
	}
}
