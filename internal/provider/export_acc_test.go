package provider

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// An account carried to another sandbox: the quickstart applied and a code
// sent and checked wrong; the account exported; a new otp-sandbox started
// with -import. There, the next plan is empty, and the lists, details and
// records the API answers are the ones it answered before.
func TestAccSandbox_exportImport(t *testing.T) {
	if realAccount() {
		t.Skip("needs the sandbox's export")
	}
	e, token, w := quickstartWorkspace(t)
	w.must(nil, "apply", "-auto-approve")
	var out struct {
		SendIDs struct {
			Value struct {
				AppID      string `json:"appId"`
				TemplateID int64  `json:"templateId"`
				FlowID     int64  `json:"flowId"`
			} `json:"value"`
		} `json:"send_ids"`
	}
	if err := json.Unmarshal([]byte(w.must(nil, "output", "-json")), &out); err != nil {
		t.Fatal(err)
	}
	ids := out.SendIDs.Value
	c := &serviceClient{t: t, base: e.base, key: e.key, secret: e.secret, token: token}
	status, data := c.api("/verification/send", map[string]any{"appId": ids.AppID, "templateId": ids.TemplateID, "to": "4915100000555", "orderId": "carried-order"})
	var sent struct {
		VerificationID string `json:"verificationId"`
	}
	if err := json.Unmarshal(data, &sent); status != "0" || err != nil {
		t.Fatalf("send: %s %s", status, data)
	}
	if m := c.verify(sent.VerificationID, "00000000"); m != 2 {
		t.Fatalf("a wrong code: matched %d", m)
	}
	tid, fid := strconv.FormatInt(ids.TemplateID, 10), strconv.FormatInt(ids.FlowID, 10)
	answers := func(base string) map[string]string {
		got := map[string]string{}
		for _, r := range []struct{ method, path, body string }{
			{"GET", "/flow/list", ""}, {"GET", "/template/list", ""},
			{"GET", "/flow/details/" + fid, ""}, {"GET", "/template/details/" + tid, ""}, {"GET", "/app/details/" + ids.AppID, ""},
			{"GET", "/verification/record/" + sent.VerificationID, ""},
			{"POST", "/verification/orderId/record", `{"appId":"` + ids.AppID + `","orderId":"carried-order"}`},
		} {
			api := &serviceClient{t: t, base: base, key: e.key, secret: e.secret}
			answer := string(api.signed(r.method, r.path, []byte(r.body)))
			if !strings.Contains(answer, `"status":"0"`) {
				t.Fatalf("%s %s: %s", r.method, r.path, answer)
			}
			got[r.method+" "+r.path] = answer
		}
		return got
	}
	before := answers(e.base)

	req, _ := http.NewRequest("GET", strings.TrimSuffix(e.base, "/otp")+"/_sandbox/export?key="+e.key, nil)
	var doc json.RawMessage
	c.do(req, &doc)
	file := filepath.Join(t.TempDir(), "account.json")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	carried := startSandboxBinary(t, []string{"OTP_SANDBOX_CONTROL_TOKEN=" + token}, "-account", e.key+":"+e.secret, "-import", file)

	after := answers(carried)
	for what, b := range before {
		if after[what] != b {
			t.Errorf("%s: before the export %s\nafter the import %s", what, b, after[what])
		}
	}
	if plan, code := w.run([]string{EnvBaseURL + "=" + carried}, "plan", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan against the imported account is not empty (exit %d):\n%s", code, plan)
	}
}
