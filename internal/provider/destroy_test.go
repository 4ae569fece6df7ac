package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// offline are provider settings that reach no API: what these tests plan and
// apply sends nothing (a request would fail, and fail the test).
func offline(more map[string]tftypes.Value) map[string]tftypes.Value {
	s := map[string]tftypes.Value{
		"base_url":    tftypes.NewValue(tftypes.String, "http://127.0.0.1:9/otp"),
		"api_key":     tftypes.NewValue(tftypes.String, "key"),
		"api_secret":  tftypes.NewValue(tftypes.String, "secret"),
		"max_retries": tftypes.NewValue(tftypes.Number, 0),
	}
	for k, v := range more {
		s[k] = v
	}
	return s
}

// TestDestroyWarnsOncePerObject: the plan of a destroy, or of a replacement,
// warns that the object stays, and marks the planned change; the apply of a
// change so marked says nothing more, whichever process applies it (a saved
// plan: its author saw the plan's warnings), and the apply of one that no
// plan warned of says it.
func TestDestroyWarnsOncePerObject(t *testing.T) {
	const flows = "otp_task_flow"
	w := newWire(t, "", offline(nil))
	prior := valueOf(t, taskFlowKind, flowModel(otp.Flow{ID: 10001, Name: "login-flow", Nodes: []otp.Node{{WaitingTime: 60, Status: 1, Channel: "sms", ChannelCut: otp.Int(0)}}}))
	planned := w.plan(flows, prior, w.null(flows), nil)
	if got := warnings(planned.Diagnostics); len(got) != 1 || !strings.HasPrefix(got[0], "Task Flow 10001 Stays in the OTP Account: ") {
		t.Fatalf("the destroy's plan warns %q, want that task flow 10001 stays", got)
	}
	for name, applier := range map[string]*wire{"the planning process": w, "another process": newWire(t, "", offline(nil))} {
		if got := warnings(applier.apply(flows, prior, w.null(flows), planned).Diagnostics); len(got) != 0 {
			t.Errorf("the apply in %s of a destroy whose plan warned warns again: %q", name, got)
		}
	}
	unmarked := *planned
	unmarked.PlannedPrivate = nil
	got := warnings(w.apply(flows, prior, w.null(flows), &unmarked).Diagnostics)
	if len(got) != 1 || !strings.HasPrefix(got[0], "Task Flow 10001 Still Exists in the OTP Account: ") {
		t.Fatalf("the apply of a destroy that no plan warned of warns %q, want that task flow 10001 still exists", got)
	}

	// A replacement (a template moved to another app) marks its change too.
	const templates = "otp_template"
	tpl := otp.Template{ID: 20001, AppID: "mRELxtHc", Name: "login-sms", Text: "##code##", CodeType: 1, CodeLength: 4,
		Language: "EN", SpeechRate: 50, MaxDuration: 59, RepeatCount: 1}
	before := valueOf(t, templateKind, templateStateModel(tpl))
	tpl.AppID, tpl.Name = "nOTHERap", "login-sms-2"
	after := templateStateModel(tpl)
	after.ID, after.SMSSegments = types.StringNull(), types.Int64Null() // as configured
	planned = w.plan(templates, before, valueOf(t, templateKind, after), nil)
	if got := warnings(planned.Diagnostics); len(got) != 1 || !strings.Contains(got[0], "Replacing it creates a new template") {
		t.Fatalf("the replacement's plan warns %q, want that template 20001 stays", got)
	}
	if len(planned.PlannedPrivate) == 0 {
		t.Fatal("the replacement's plan did not mark its change")
	}
}

// TestDestroyWarningsUnderAdoption: with adopt_existing on, a destroy's
// warning is one sentence that names the object and says that a later create
// adopts it; without it, the warning says how to import it again.
func TestDestroyWarningsUnderAdoption(t *testing.T) {
	const flows = "otp_task_flow"
	prior := valueOf(t, taskFlowKind, flowModel(otp.Flow{ID: 10001, Name: "login-flow", Nodes: []otp.Node{{WaitingTime: 60, Status: 1, Channel: "sms", ChannelCut: otp.Int(0)}}}))
	for _, adopting := range []bool{false, true} {
		w := newWire(t, "", offline(map[string]tftypes.Value{"adopt_existing": tftypes.NewValue(tftypes.Bool, adopting)}))
		got := warnings(w.plan(flows, prior, w.null(flows), nil).Diagnostics)
		short := `Task Flow 10001 Stays in the OTP Account: Destroying it only forgets task flow 10001 ("login-flow"): ` +
			`the OTP API cannot delete. adopt_existing is on: a later create of its name adopts it.`
		switch {
		case len(got) != 1:
			t.Fatalf("adopt_existing %v: warnings %q, want one", adopting, got)
		case adopting && got[0] != short:
			t.Errorf("with adopt_existing on, the destroy warns %q, want %q", got[0], short)
		case !adopting && !strings.Contains(got[0], "terraform import otp_task_flow.<name> 10001"):
			t.Errorf("with adopt_existing off, the destroy warning lacks how to import it again: %q", got[0])
		}
	}
}
