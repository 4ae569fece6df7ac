package provider

import (
	"fmt"
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

// TestAccModule_quickstartTests runs the terraform test suite of the module
// we ship (examples/quickstart/modules/otp/tests) with the CLI under test,
// twice in a row against the same account, as a user's pipeline would: the
// second run meets what the first left behind (the API cannot delete) and
// adopts it, and the account then holds exactly one object per name.
func TestAccModule_quickstartTests(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	if !hasTestCommand(w.version) {
		t.Skipf("%s has no test command (Terraform and OpenTofu 1.6+)", w.version)
	}
	w.copyDir("../../examples/quickstart/modules/otp")
	// init installs the tests' helper module; the provider is the dev
	// override, so it downloads nothing.
	w.must(nil, "get")
	for run := 1; run <= 2; run++ {
		out, code := w.run(nil, "test")
		if code != 0 || !strings.Contains(out, "10 passed, 0 failed") {
			t.Fatalf("run %d of the module's tests (exit %d):\n%s", run, code, out)
		}
	}
	want := map[string][]string{"task_flow": {"tftest-login-flow"}, "app": {"tftest-login-app"}, "template": {"tftest-login-sms"}}
	if got := e.accountNames(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after two runs the account holds %v, want one object per name: %v", got, want)
	}
}
