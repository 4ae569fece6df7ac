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

// testPasses runs the module's tests, fails unless they all pass, and
// returns what the command printed.
func (w *cliWorkspace) testPasses(what string) string {
	w.t.Helper()
	out, err := w.test(what)
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// test runs the module's tests and returns what the command printed, with
// how they failed, if they did; it may run on another goroutine than the
// test's.
func (w *cliWorkspace) test(what string) (string, error) {
	cmd := exec.Command(w.cli, "test", "-no-color")
	cmd.Dir, cmd.Env = w.dir, w.env
	out, err := cmd.CombinedOutput()
	// OpenTofu reports errors of its teardown (destroying what a state
	// holds) and still exits 0: a clean run has no error at all.
	if err != nil || !strings.Contains(string(out), " 0 failed") || strings.Contains(string(out), "Error:") {
		return string(out), fmt.Errorf("%s (%w):\n%s", what, err, out)
	}
	return string(out), nil
}

// TestAccModule_quickstartTests runs the terraform test suite of the module
// we ship (examples/quickstart/modules/otp/tests) with the CLI under test,
// twice in a row against the same account, as a user's pipeline would: the
// second run meets what the first left behind (the API cannot delete) and
// adopts it, and the account then holds exactly one object per name.
//
// The second run reads as cleanly as the first: each object is one warning
// per run, its destroy at the teardown, which in the second run also says
// that adopt_existing adopted it; no plan (four of the runs only plan)
// announces an adoption or explains how adoption behaves; and the output is
// at most 1.3 times as long.
func TestAccModule_quickstartTests(t *testing.T) {
	e := newAccEnv(t)
	w := moduleWorkspace(t, e, "../../examples/quickstart/modules/otp")
	runs := []string{w.testPasses("the first run of the module's tests"), w.testPasses("the second run of the module's tests")}
	e.holdsOnly("after two runs", map[string][]string{"task_flow": {"tftest-login-flow"}, "app": {"tftest-login-app"}, "template": {"tftest-login-sms"}})

	for i, out := range runs {
		if n := strings.Count(out, "Warning: "); n != len(allKinds) {
			t.Errorf("run %d printed %d warnings, want one per object (%d):\n%s", i+1, n, len(allKinds), out)
		}
		for _, k := range allKinds {
			for name, id := range k.ids(e) {
				if n := strings.Count(out, fmt.Sprintf("Warning: %s %s Stays in the OTP Account", k.title, id)); n != 1 {
					t.Errorf("run %d warns %d times that %s %s stays, want once:\n%s", i+1, n, k.info.noun, id, out)
				}
				adopted := fmt.Sprintf("adopt_existing adopted %s %s (%q) in this test", k.info.noun, id, name)
				if n := strings.Count(strings.Join(strings.Fields(out), " "), adopted); n != i {
					t.Errorf("run %d says %d times %q, want %d:\n%s", i+1, n, adopted, i, out)
				}
			}
		}
		for _, never := range []string{"Adopting", "How adopt_existing Adopts", "terraform import"} {
			if strings.Contains(out, never) {
				t.Errorf("run %d says %q:\n%s", i+1, never, out)
			}
		}
	}
	first, second := lines(runs[0]), lines(runs[1])
	t.Logf("the first run printed %d lines, the second %d (%.2f times as many)", first, second, float64(second)/float64(first))
	if float64(second) > 1.3*float64(first) {
		t.Errorf("the second run printed %d lines, more than 1.3 times the first's %d:\n%s\n\nThe first:\n%s", second, first, runs[1], runs[0])
	}
}

// lines counts the lines of a command's output.
func lines(out string) int {
	return strings.Count(strings.TrimSuffix(out, "\n"), "\n") + 1
}
