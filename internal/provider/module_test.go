package provider

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// accountNames lists the names of every object of the account, by kind.
func (e *accEnv) accountNames() map[string][]string {
	out := map[string][]string{}
	for _, k := range allKinds {
		for name := range k.ids(e) {
			out[k.typeName] = append(out[k.typeName], name)
		}
		slices.Sort(out[k.typeName])
	}
	return out
}

// holdsOnly fails unless the account holds exactly these names, by kind.
func (e *accEnv) holdsOnly(what string, want map[string][]string) {
	e.t.Helper()
	if got := e.accountNames(); fmt.Sprint(got) != fmt.Sprint(want) {
		e.t.Fatalf("%s the account holds %v, want one object per name: %v", what, got, want)
	}
}

// moduleWorkspace is a workspace holding a copy of a module with its tests,
// their helper modules installed; the test is skipped on a CLI without test.
func moduleWorkspace(t *testing.T, e *accEnv, src string) *cliWorkspace {
	t.Helper()
	w := newCLIWorkspace(t, e, nil)
	if !hasTestCommand(w.version) {
		t.Skipf("%s has no test command (Terraform and OpenTofu 1.6+)", w.version)
	}
	w.copyDir(src)
	// get installs the tests' helper modules; the provider is the dev
	// override, so it downloads nothing.
	w.must(nil, "get")
	return w
}

// testPasses runs the module's tests and fails unless they all pass.
func (w *cliWorkspace) testPasses(what string) {
	w.t.Helper()
	if err := w.test(what); err != nil {
		w.t.Fatal(err)
	}
}

// test runs the module's tests and says how they failed, if they did; it
// may run on another goroutine than the test's.
func (w *cliWorkspace) test(what string) error {
	cmd := exec.Command(w.cli, "test", "-no-color")
	cmd.Dir, cmd.Env = w.dir, w.env
	out, err := cmd.CombinedOutput()
	// OpenTofu reports errors of its teardown (destroying what a state
	// holds) and still exits 0: a clean run has no error at all.
	if err != nil || !strings.Contains(string(out), " 0 failed") || strings.Contains(string(out), "Error:") {
		return fmt.Errorf("%s (%w):\n%s", what, err, out)
	}
	return nil
}

// TestAccModule_quickstartTests runs the terraform test suite of the module
// we ship (examples/quickstart/modules/otp/tests) with the CLI under test,
// twice in a row against the same account, as a user's pipeline would: the
// second run meets what the first left behind (the API cannot delete) and
// adopts it, and the account then holds exactly one object per name.
func TestAccModule_quickstartTests(t *testing.T) {
	e := newAccEnv(t)
	w := moduleWorkspace(t, e, "../../examples/quickstart/modules/otp")
	w.testPasses("the first run of the module's tests")
	w.testPasses("the second run of the module's tests")
	e.holdsOnly("after two runs", map[string][]string{"task_flow": {"tftest-login-flow"}, "app": {"tftest-login-app"}, "template": {"tftest-login-sms"}})
}
