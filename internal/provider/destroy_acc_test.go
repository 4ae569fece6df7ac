package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// TestAccDestroy_warnsAtPlan: plan -destroy, the destroy's own plan and a
// planned replacement say before anything is applied that the objects stay
// in the account, naming each; nothing is sent for it.
func TestAccDestroy_warnsAtPlan(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	other, err := e.sb.AddApp(e.key, sandbox.App{Name: "other-app", CodeExpiry: 5})
	e.must(err)
	body := taskFlow("one", "stays-one", node(60, 1, "sms")) + taskFlow("two", "stays-two", node(60, 1, "sms")) +
		template("sms", fmt.Sprintf("app_id = %q", e.hostApp()), `name = "stays-tpl"`, `text = "##code##"`)
	w.config(body)
	w.must(nil, "apply", "-auto-approve")
	one, two, tpl := e.idOf(tkFlow, "stays-one"), e.idOf(tkFlow, "stays-two"), e.idOf(tkTemplate, "stays-tpl")

	e.sb.ResetCounts()
	out := w.must(nil, "plan", "-destroy", "-refresh=false")
	// One warning per object, its id in the summary, so that the CLI folds
	// none of them away.
	for _, want := range []string{
		fmt.Sprintf(`Warning: Task Flow %s Stays in the OTP Account`, one), fmt.Sprintf(`task flow %s ("stays-one")`, one),
		fmt.Sprintf(`Warning: Task Flow %s Stays in the OTP Account`, two), fmt.Sprintf(`task flow %s ("stays-two")`, two),
		fmt.Sprintf(`Warning: Template %s Stays in the OTP Account`, tpl), fmt.Sprintf(`template %s ("stays-tpl")`, tpl),
		"the OTP API cannot delete",
	} {
		if !expectError(want).MatchString(out) {
			t.Errorf("plan -destroy lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "more similar warning") {
		t.Errorf("plan -destroy folded warnings, hiding objects:\n%s", out)
	}
	if n := e.sb.Total(); n != 0 {
		t.Errorf("plan -destroy -refresh=false sent %v", e.sb.Counts())
	}

	// A replacement: the template moves to another app under a new name.
	moved := taskFlow("one", "stays-one", node(60, 1, "sms")) + taskFlow("two", "stays-two", node(60, 1, "sms")) +
		template("sms", fmt.Sprintf("app_id = %q", other.AppID), `name = "stays-tpl-moved"`, `text = "##code##"`)
	w.config(moved)
	out = w.must(nil, "plan")
	if !expectError(fmt.Sprintf("Warning: Template %s Stays in the OTP Account", tpl), "Replacing it creates a new template", fmt.Sprintf(`template %s ("stays-tpl")`, tpl),
		fmt.Sprintf("terraform import otp_template.<name> %s", tpl)).MatchString(out) {
		t.Errorf("the replacement's plan does not warn that the old template stays:\n%s", out)
	}
	// Applied, the replacement says it once too; then back as it was.
	out = w.must(nil, "apply", "-auto-approve")
	warnedOnce(t, "the replacement's apply", out, map[string]string{"Template " + tpl: "Stays"})
	tpl = e.idOf(tkTemplate, "stays-tpl-moved")
	body = moved

	// terraform destroy: its own plan warns, once per object, and its apply
	// does not repeat it.
	w.config(body)
	out = w.must(nil, "destroy", "-auto-approve")
	warnedOnce(t, "terraform destroy", out, map[string]string{
		"Task Flow " + one: "Stays", "Task Flow " + two: "Stays", "Template " + tpl: "Stays"})

	// A saved destroy plan applied later: its plan warned whoever made it,
	// and the apply of what was reviewed says it no more.
	// (The names are taken by what the destroy left: adopt them back.)
	w.must([]string{EnvAdoptExisting + "=true"}, "apply", "-auto-approve")
	out = w.must(nil, "plan", "-destroy", "-out=destroy.tfplan")
	warnedOnce(t, "plan -destroy -out", out, map[string]string{
		"Task Flow " + one: "Stays", "Task Flow " + two: "Stays", "Template " + tpl: "Stays"})
	out = w.must(nil, "apply", "destroy.tfplan")
	warnedOnce(t, "apply of the saved destroy plan", out, map[string]string{
		"Task Flow " + one: "", "Task Flow " + two: "", "Template " + tpl: ""})
	if !strings.Contains(out, "3 destroyed") || strings.Contains(out, "in the OTP Account") {
		t.Errorf("the apply of the saved destroy plan:\n%s", out)
	}
}

// TestAccDestroy_underAdoption: with adopt_existing on, what a destroy says
// of each object is one sentence: the import command is no use when the next
// create adopts it.
func TestAccDestroy_underAdoption(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	on := []string{EnvAdoptExisting + "=true"}
	w.config(taskFlow("one", "short-one", node(60, 1, "sms")))
	w.must(on, "apply", "-auto-approve")
	one := e.idOf(tkFlow, "short-one")
	out := w.must(on, "destroy", "-auto-approve")
	want := fmt.Sprintf(`Destroying it only forgets task flow %s ("short-one"): the OTP API cannot delete. adopt_existing is on: a later create of its name adopts it.`, one)
	warnedOnce(t, "terraform destroy", out, map[string]string{"Task Flow " + one: "Stays"})
	if !expectError(want).MatchString(out) || strings.Contains(out, "terraform import") || strings.Contains(out, "vendor console") {
		t.Errorf("the destroy under adoption does not say it in one sentence (%q):\n%s", want, out)
	}
}

// warnedOnce checks that a command's output warns exactly once of each
// object, with the wording given (Stays: the plan's; Still Exists: the
// apply's; "": neither), and never with the other.
func warnedOnce(t *testing.T, what, out string, want map[string]string) {
	t.Helper()
	for object, wording := range want {
		for _, w := range []string{"Stays", "Still Exists"} {
			n := strings.Count(out, fmt.Sprintf("Warning: %s %s in the OTP Account", object, w))
			if w == wording && n != 1 || w != wording && n != 0 {
				t.Errorf("%s warns %d times that %s %s:\n%s", what, n, object, w, out)
			}
		}
	}
}

// TestAccDestroy_pastATakenName: terraform destroy plans the configuration
// before it destroys, so a new resource whose name the account holds stops
// it; the error says how to destroy anyway, and that way works, sending
// nothing.
func TestAccDestroy_pastATakenName(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	w.config(taskFlow("one", "kept-one", node(60, 1, "sms")))
	w.must(nil, "apply", "-auto-approve")
	one := e.idOf(tkFlow, "kept-one")
	_, err := e.sb.AddFlow(e.key, sandbox.Flow{Name: "console-held", Flow: []sandbox.Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}})
	e.must(err)
	w.config(taskFlow("one", "kept-one", node(60, 1, "sms")) + taskFlow("two", "console-held", node(60, 1, "sms")))

	out, code := w.run(nil, "destroy", "-auto-approve")
	if code == 0 || !expectError("Task Flow Name Already Taken", "this error also stops a destroy", "terraform destroy -refresh=false").MatchString(out) {
		t.Fatalf("destroy exit %d, want the name-taken error with the way past it:\n%s", code, out)
	}
	e.sb.ResetCounts()
	out = w.must(nil, "destroy", "-auto-approve", "-refresh=false")
	if !expectError(fmt.Sprintf("Warning: Task Flow %s Stays in the OTP Account", one), "Destroy complete! Resources: 1 destroyed").MatchString(out) {
		t.Errorf("destroy -refresh=false:\n%s", out)
	}
	if n := e.sb.Total(); n != 0 {
		t.Errorf("destroy -refresh=false sent %v", e.sb.Counts())
	}
	if left := w.must(nil, "state", "list"); strings.TrimSpace(left) != "" {
		t.Errorf("state still lists %q", left)
	}
}
