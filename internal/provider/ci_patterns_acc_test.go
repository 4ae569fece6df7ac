package provider

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// The CI patterns teams run, through the real CLI and the real provider
// binary: a plan saved on one runner and applied on another, a plan never
// applied, module tests that rename, two pipelines at once. Adoption keeps
// nothing between commands, so each of them works whatever happens in
// between; these tests hold it to that.

// leftovers are the objects an earlier run left in the account: an app, a
// template of it and a task flow, as the console shows them.
type leftovers struct{ app, template, flow string }

func (e *accEnv) leftovers(prefix string) leftovers {
	e.t.Helper()
	a, err := e.sb.AddApp(e.key, sandbox.App{Name: prefix + "-app", CodeExpiry: 5})
	e.must(err)
	tpl, err := e.sb.AddTemplate(e.key, sandbox.Template{AppID: a.AppID, Name: prefix + "-sms", Text: "##code## is your code", SpeechRate: 50})
	e.must(err)
	f, err := e.sb.AddFlow(e.key, sandbox.Flow{Name: prefix + "-flow", Flow: []sandbox.Node{{WaitingTime: 60, Status: 1, Channel: "sms"}}})
	e.must(err)
	return leftovers{app: a.AppID, template: formatIntID(tpl.TemplateID), flow: formatIntID(f.FlowID)}
}

// leftoversConfig is the configuration that uses the leftovers' names.
func leftoversConfig(prefix string) string {
	return fmt.Sprintf("resource \"otp_app\" \"login\" {\n  name = %q\n}\n\n", prefix+"-app") +
		template("sms", "app_id = otp_app.login.id", fmt.Sprintf("name = %q", prefix+"-sms"), `text = "##code## is your code"`) +
		taskFlow("fallback", prefix+"-flow", node(60, 1, "sms"))
}

// runner is the workspace as another CI runner sees it: a copy of the
// directory (the saved plan included) elsewhere, with another home, cache
// and temporary directory.
func (w *cliWorkspace) runner(name string) *cliWorkspace {
	w.t.Helper()
	other := *w
	root := filepath.Join(filepath.Dir(w.dir), name)
	other.dir = filepath.Join(root, "work")
	other.env = nil
	for _, kv := range w.env {
		if k, _, _ := strings.Cut(kv, "="); k != "HOME" {
			other.env = append(other.env, kv)
		}
	}
	for _, d := range []string{"home", "cache"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			w.t.Fatal(err)
		}
	}
	// A short path: go-plugin puts the provider's socket there, and a
	// socket's path has a limit of about 100 bytes.
	tmp, err := os.MkdirTemp("", "otp-runner-")
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = os.RemoveAll(tmp) })
	if err := os.Symlink(tmp, filepath.Join(root, "tmp")); err != nil {
		w.t.Fatal(err)
	}
	other.env = append(other.env, "HOME="+filepath.Join(root, "home"), "XDG_CACHE_HOME="+filepath.Join(root, "cache"), "TMPDIR="+tmp)
	other.copyDir(w.dir)
	return &other
}

// nothingKept fails if the provider left anything in the runner's cache or
// temporary directory (the CLI keeps nothing there either with
// CHECKPOINT_DISABLE, and the plugin cache unset).
func (w *cliWorkspace) nothingKept() {
	w.t.Helper()
	root := filepath.Dir(w.dir)
	for _, d := range []string{"cache", "tmp", "home/.cache"} {
		top, err := filepath.EvalSymlinks(filepath.Join(root, d))
		if err != nil {
			continue // never made: nothing written
		}
		_ = filepath.WalkDir(top, func(p string, _ fs.DirEntry, err error) error {
			if err == nil && p != top {
				w.t.Errorf("%s was written under the runner's %s", p, d)
			}
			return nil
		})
	}
}

// TestAccAdoption_savedPlanOnAnotherRunner: plan -out with adoption on in one
// job, apply of that file in another (another directory, home and cache):
// with adoption still on it adopts; with it off it stops with the name-taken
// error that says adoption must be on at apply too; with an adopted object
// deleted in between it creates that one and says so; never Terraform's
// "inconsistent final plan", and nothing written to the runners' caches.
func TestAccAdoption_savedPlanOnAnotherRunner(t *testing.T) {
	on := []string{EnvAdoptExisting + "=true"}
	for _, tc := range []struct {
		name    string
		apply   []string
		between func(e *accEnv, l leftovers)
		check   func(t *testing.T, e *accEnv, l leftovers, out string, code int)
	}{
		{"adoption on at apply", on, nil, func(t *testing.T, e *accEnv, l leftovers, out string, code int) {
			if code != 0 || !strings.Contains(out, "Apply complete! Resources: 3 added") {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			if strings.Contains(out, "Warning: Adopted") || strings.Count(out, "Warning: Adopting") != 3 {
				t.Errorf("the apply should show each adoption once, as its own plan does:\n%s", out)
			}
		}},
		{"adoption off at apply", nil, nil, func(t *testing.T, e *accEnv, l leftovers, out string, code int) {
			if code == 0 || strings.Contains(out, "inconsistent final plan") ||
				!expectError("Name Already Taken", "A saved plan (plan -out) made with adoption on must be applied with it on too").MatchString(out) {
				t.Fatalf("exit %d, want the name-taken error:\n%s", code, out)
			}
		}},
		{"a leftover deleted in between", on, func(e *accEnv, l leftovers) { tkFlow.consoleDelete(e, l.flow) },
			func(t *testing.T, e *accEnv, l leftovers, out string, code int) {
				// The apply's own plan finds the name free and plans a
				// create, which it shows; the other two are adopted.
				now := e.idOf(tkFlow, "ci-flow")
				if code != 0 || now == l.flow || strings.Count(out, "Warning: Adopting") != 2 ||
					!regexp.MustCompile(fmt.Sprintf(`otp_task_flow.fallback: Creation complete after \d+s \[id=%s\]`, now)).MatchString(out) {
					t.Fatalf("exit %d, want the flow created anew (%s) and the others adopted:\n%s", code, now, out)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAccEnv(t)
			w := newCLIWorkspace(t, e, nil)
			l := e.leftovers("ci")
			w.config(leftoversConfig("ci"))
			first := w.runner("plan-job")
			out := first.must(on, "plan", "-out=ci.tfplan")
			if strings.Count(out, "Warning: Adopting") != 3 {
				t.Fatalf("the plan should warn of each adoption:\n%s", out)
			}
			if tc.between != nil {
				tc.between(e, l)
			}
			second := first.runner("apply-job")
			out, code := second.run(tc.apply, "apply", "ci.tfplan")
			tc.check(t, e, l, out, code)
			e.holdsOnly("after the apply", map[string][]string{"app": {"ci-app"}, "task_flow": {"ci-flow"}, "template": {"ci-sms"}})
			first.nothingKept()
			second.nothingKept()
		})
	}
}

// TestAccAdoption_planNeverApplied: a plan that adopts, never applied, then
// an account emptied (a reset sandbox, or objects removed in the console):
// the next plan just plans the creates. Nothing of the first plan is kept.
func TestAccAdoption_planNeverApplied(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	e.leftovers("never")
	w.config(leftoversConfig("never"))
	on := []string{EnvAdoptExisting + "=true"}
	if out := w.must(on, "plan"); strings.Count(out, "Warning: Adopting") != 3 {
		t.Fatalf("the plan should warn of each adoption:\n%s", out)
	}
	e.must(e.sb.Reset())
	out := w.must(on, "plan")
	if !strings.Contains(out, "Plan: 3 to add") || strings.Contains(out, "Warning: Adopting") || strings.Contains(out, "Error") {
		t.Fatalf("the plan after the reset:\n%s", out)
	}
	w.must(on, "apply", "-auto-approve")
	e.holdsOnly("after the apply", map[string][]string{"app": {"never-app"}, "task_flow": {"never-flow"}, "template": {"never-sms"}})
}

// TestAccModule_testsThatRename: a test file whose runs create a flow and a
// template, rename the flow and change the template's text, then rename the
// flow back, passes twice in a row against one account (the second run
// adopts what the first left), which then holds one object per name. On
// Terraform 1.14+ one provider process serves every run of the file: the
// rename back is the same object taking its name again, not a duplicate.
func TestAccModule_testsThatRename(t *testing.T) {
	e := newAccEnv(t)
	w := moduleWorkspace(t, e, "testdata/rename-module")
	w.testPasses("the first run of the tests")
	w.testPasses("the second run of the tests")
	e.holdsOnly("after two runs", map[string][]string{"app": {"tftest-rename-app"}, "task_flow": {"tftest-rename-flow"}, "template": {"tftest-rename-sms"}})
}

// TestAccModule_twoPipelinesAtOnce: two pipelines (two branches) run the
// quickstart's module tests at the same time against one fresh account, with
// adoption on, twice: both pass every time, whichever creates a name first
// (the other's create is refused and adopts it), and the account then holds
// one object per name.
func TestAccModule_twoPipelinesAtOnce(t *testing.T) {
	e := newAccEnv(t)
	base := moduleWorkspace(t, e, "../../examples/quickstart/modules/otp")
	pipelines := []*cliWorkspace{base.runner("branch-a"), base.runner("branch-b")}
	for round := 1; round <= 2; round++ {
		errs := make([]error, len(pipelines))
		var wg sync.WaitGroup
		for i, p := range pipelines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = p.test(fmt.Sprintf("round %d, pipeline %d", round, i+1))
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	}
	e.holdsOnly("after two rounds", map[string][]string{"app": {"tftest-login-app"}, "task_flow": {"tftest-login-flow"}, "template": {"tftest-login-sms"}})
}
