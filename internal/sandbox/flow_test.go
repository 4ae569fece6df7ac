package sandbox

import (
	"errors"
	"strings"
	"testing"
)

func TestFlowCreateReadListUpdate(t *testing.T) {
	e := newEnv(t)
	raw := e.must("POST", "/otp/flow/add", validFlow)
	f := decode[Flow](t, raw)
	if f.FlowID != firstFlowID || f.Name != "login-fallback" || len(f.Flow) != 2 || f.Flow[0].ChannelCut != 0 || f.Flow[1].ChannelCut != 1 {
		t.Fatalf("created %+v", f)
	}
	if !strings.Contains(string(raw), `"channelCut":0`) {
		t.Fatalf("channelCut must always be present in answers: %s", raw)
	}
	id := id64(f.FlowID)
	if d := e.must("GET", "/otp/flow/details/"+id, ""); string(d) != string(raw) {
		t.Fatalf("details %s, want %s", d, raw)
	}
	f2 := e.newFlow("signup-fallback")
	if f2.FlowID != f.FlowID+1 {
		t.Fatalf("ids must increase: %d then %d", f.FlowID, f2.FlowID)
	}
	list := decode[[]Flow](t, e.must("GET", "/otp/flow/list", ""))
	if len(list) != 2 || list[0].FlowID != f.FlowID || list[1].FlowID != f2.FlowID {
		t.Fatalf("list %+v", list)
	}

	// Update is a full replacement; keeping one's own name is fine.
	updated := decode[Flow](t, e.must("PUT", "/otp/flow/update/"+id, `{"name":"login-fallback","flow":[{"waitingTime":120,"status":2,"channel":"call"}]}`))
	if updated.FlowID != f.FlowID || len(updated.Flow) != 1 || updated.Flow[0].WaitingTime != 120 {
		t.Fatalf("updated %+v", updated)
	}
	wantRefused(t, e.call("PUT", "/otp/flow/update/"+id, `{"name":"signup-fallback","flow":[{"waitingTime":120,"status":2,"channel":"call"}]}`, nil), "-20", "name")
	if raw := e.asOther("GET", "/otp/flow/list", "").Data; string(raw) != "[]" {
		t.Fatalf("an empty list must be [], got %s", raw)
	}
}

func TestFlowValidation(t *testing.T) {
	node := `{"waitingTime":60,"status":1,"channel":"sms"}`
	withNode := func(n string) string { return `{"name":"abcd","flow":[` + node + `,` + n + `]}` }
	tests := []struct {
		name, body, reason string
	}{
		{"not JSON", `{`, "JSON object"},
		{"array body", `[]`, "JSON object"},
		{"null body", `null`, "JSON object"},
		{"no name", `{"flow":[` + node + `]}`, "name is required"},
		{"null name", `{"name":null,"flow":[` + node + `]}`, "name is required"},
		{"name not a string", `{"name":1234,"flow":[` + node + `]}`, "name must be a string"},
		{"name 3 chars", `{"name":"abc","flow":[` + node + `]}`, "name must be 4 to 32 characters"},
		{"name 33 chars", `{"name":"` + strings.Repeat("a", 33) + `","flow":[` + node + `]}`, "name must be 4 to 32 characters"},
		{"name 3 Chinese chars (9 bytes)", `{"name":"登录流","flow":[` + node + `]}`, "name must be 4 to 32 characters"},
		{"name 33 Chinese chars", `{"name":"` + strings.Repeat("流", 33) + `","flow":[` + node + `]}`, "name must be 4 to 32 characters"},
		{"no flow", `{"name":"abcd"}`, "flow is required"},
		{"null flow", `{"name":"abcd","flow":null}`, "flow is required"},
		{"flow not array", `{"name":"abcd","flow":{}}`, "flow must be an array"},
		{"empty flow", `{"name":"abcd","flow":[]}`, "at least one node"},
		{"node not object", withNode(`3`), "flow[1] must be an object"},
		{"waitingTime missing", withNode(`{"status":1,"channel":"sms"}`), "flow[1].waitingTime is required"},
		{"waitingTime 29", withNode(`{"waitingTime":29,"status":1,"channel":"sms"}`), "flow[1].waitingTime must be between 30 and 120 seconds"},
		{"waitingTime 121", withNode(`{"waitingTime":121,"status":1,"channel":"sms"}`), "flow[1].waitingTime must be between 30 and 120"},
		{"waitingTime string", withNode(`{"waitingTime":"60","status":1,"channel":"sms"}`), "flow[1].waitingTime must be an integer"},
		{"waitingTime fraction", withNode(`{"waitingTime":60.5,"status":1,"channel":"sms"}`), "flow[1].waitingTime must be an integer"},
		{"waitingTime huge", withNode(`{"waitingTime":99999999999999999999,"status":1,"channel":"sms"}`), "flow[1].waitingTime must be an integer"},
		{"status missing", withNode(`{"waitingTime":60,"channel":"sms"}`), "flow[1].status is required"},
		{"status 0", withNode(`{"waitingTime":60,"status":0,"channel":"sms"}`), "flow[1].status must be 1"},
		{"status 3", withNode(`{"waitingTime":60,"status":3,"channel":"sms"}`), "flow[1].status must be 1"},
		{"status bool", withNode(`{"waitingTime":60,"status":true,"channel":"sms"}`), "flow[1].status must be an integer"},
		{"channel missing", withNode(`{"waitingTime":60,"status":1}`), "flow[1].channel is required"},
		{"channel email", withNode(`{"waitingTime":60,"status":1,"channel":"email"}`), `flow[1].channel must be "sms" or "call"`},
		{"channel upper case", withNode(`{"waitingTime":60,"status":1,"channel":"SMS"}`), `flow[1].channel must be "sms" or "call"`},
		{"channel number", withNode(`{"waitingTime":60,"status":1,"channel":1}`), `flow[1].channel must be "sms" or "call"`},
		{"channelCut 2", withNode(`{"waitingTime":60,"status":1,"channel":"sms","channelCut":2}`), "flow[1].channelCut must be 0"},
		{"channelCut -1", withNode(`{"waitingTime":60,"status":1,"channel":"sms","channelCut":-1}`), "flow[1].channelCut must be 0"},
		{"channelCut string", withNode(`{"waitingTime":60,"status":1,"channel":"sms","channelCut":"0"}`), "flow[1].channelCut must be an integer"},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantRefused(t, e.call("POST", "/otp/flow/add", tt.body, nil), "-22", tt.reason)
		})
	}
	if n := len(e.srv.Flows(key)); n != 0 {
		t.Fatalf("%d invalid flows were stored", n)
	}
	for _, body := range []string{
		`{"name":"登录流程","flow":[` + node + `]}`,
		`{"name":"` + strings.Repeat("流", 32) + `","flow":[` + node + `]}`,
		`{"name":"abcd","flow":[{"waitingTime":30,"status":2,"channel":"call","channelCut":null}]}`,
		`{"name":"` + strings.Repeat("a", 32) + `","flow":[{"waitingTime":120,"status":1,"channel":"sms","channelCut":1}]}`,
	} {
		e.must("POST", "/otp/flow/add", body)
	}
	// The same rules apply to update.
	f := e.srv.Flows(key)[0]
	wantRefused(t, e.call("PUT", "/otp/flow/update/"+id64(f.FlowID), `{"name":"abcd","flow":[]}`, nil), "-22", "at least one node")
}

func TestFlowConsole(t *testing.T) {
	e := newEnv(t)
	f := e.newFlow("console-flow")
	id := id64(f.FlowID)

	edited := decode[Flow](t, e.mustControl(200, "PATCH", "/_sandbox/flows/"+id+"?key="+key, `{"name":"edited-in-console"}`))
	if edited.Name != "edited-in-console" || len(edited.Flow) != 1 {
		t.Fatalf("edited %+v", edited)
	}
	if d := decode[Flow](t, e.must("GET", "/otp/flow/details/"+id, "")); d.Name != "edited-in-console" {
		t.Fatalf("edit not visible: %+v", d)
	}
	for _, bad := range []string{
		`{"flow":[{"waitingTime":5,"status":1,"channel":"sms"}]}`,            // invalid value
		`{"flow":[{"waitingTime":60,"status":1,"channel":"sms","extra":1}]}`, // unknown node field
		`{"name":1234}`,    // wrong type
		`{"nom":"abcd"}`,   // unknown field
		`{"flowId":10005}`, // the id
		`[]`,               // not an object
		`null`,             // not an object
		`{"name":"ab"}`,    // too short
		`{"name":"abcd"`,   // not JSON
		`{"flow":"nodes"}`, // wrong type
	} {
		if status, raw := e.control("PATCH", "/_sandbox/flows/"+id+"?key="+key, bad); status != 400 {
			t.Fatalf("PATCH %s: %d %s", bad, status, raw)
		}
	}
	if status, _ := e.control("PATCH", "/_sandbox/flows/99999?key="+key, `{"name":"abcd"}`); status != 404 {
		t.Fatalf("PATCH unknown: %d", status)
	}
	if status, _ := e.control("PATCH", "/_sandbox/flows/abc?key="+key, `{"name":"abcd"}`); status != 400 {
		t.Fatalf("PATCH bad id: %d", status)
	}

	// Go edits: validated, id kept, names unique.
	other := e.newFlow("other-flow")
	if _, err := e.srv.EditFlow(f.FlowID, func(f *Flow) { f.Name = "other-flow" }); err == nil || !strings.Contains(err.Error(), "name") {
		t.Fatalf("rename onto another flow: %v", err)
	}
	got, err := e.srv.EditFlow(f.FlowID, func(f *Flow) { f.FlowID = 1; f.Flow[0].ChannelCut = 1 })
	if err != nil || got.FlowID != f.FlowID || got.Flow[0].ChannelCut != 1 {
		t.Fatalf("edit: %+v %v", got, err)
	}
	got.Flow[0].WaitingTime = 1 // the caller's copy, not the store's
	if e.srv.Flows(key)[0].Flow[0].WaitingTime != 30 {
		t.Fatal("the result shares memory with the store")
	}
	if _, err := e.srv.EditFlow(99999, func(*Flow) {}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("edit unknown: %v", err)
	}

	e.mustControl(204, "DELETE", "/_sandbox/flows/"+id+"?key="+key, "")
	wantRefused(t, e.call("GET", "/otp/flow/details/"+id, "", nil), "-24", "flowId")
	if err := e.srv.DeleteFlow(f.FlowID); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "flow "+id) {
		t.Fatalf("second delete: %v", err)
	}
	if status, _ := e.control("DELETE", "/_sandbox/flows/"+id+"?key="+key, ""); status != 404 {
		t.Fatalf("control delete unknown: %d", status)
	}

	created := decode[Flow](t, e.mustControl(201, "POST", "/_sandbox/flows?key="+key, `{"name":"from-console","flow":[{"waitingTime":30,"status":2,"channel":"call","channelCut":1}]}`))
	if created.FlowID != other.FlowID+1 {
		t.Fatalf("console add got id %d", created.FlowID)
	}
	for _, bad := range []string{`{"name":"from-console","flow":[{"waitingTime":30,"status":2,"channel":"call"}]}`, `{"name":"abcd","flow":[]}`, `{"name":"abcd","flow":[],"extra":1}`} {
		if status, raw := e.control("POST", "/_sandbox/flows?key="+key, bad); status != 400 {
			t.Fatalf("console add %s: %d %s", bad, status, raw)
		}
	}
	if _, err := e.srv.AddFlow("nobody", Flow{Name: "abcd", Flow: []Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}}); err == nil {
		t.Fatal("AddFlow for an unknown key")
	}
	if fl := e.srv.Flows(key); len(fl) != 2 || fl[1].Name != "from-console" {
		t.Fatalf("flows %+v", fl)
	}
}
