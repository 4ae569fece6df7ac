package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccGuide_testingOTPFlows runs the snippets of the guide "Testing an
// application's OTP flow" as its reader would: the configuration applied
// with the CLI under test (named terraform on PATH, as in the guide), then
// each test script with bash, curl and md5sum, against a fresh sandbox.
func TestAccGuide_testingOTPFlows(t *testing.T) {
	if realAccount() {
		t.Skip("needs the sandbox's clock and message log")
	}
	for _, tool := range []string{"bash", "curl", "md5sum", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the guide's snippets need %s", tool)
		}
	}
	e, token := newServiceEnv(t)
	w := newCLIWorkspace(t, e, nil)
	const guide = "../../examples/guides/testing-otp-flows"
	w.copyDir(guide + "/config")
	if err := os.MkdirAll(filepath.Join(w.dir, "test"), 0o700); err != nil {
		t.Fatal(err)
	}
	shims := t.TempDir()
	if err := os.Symlink(w.cli, filepath.Join(shims, "terraform")); err != nil {
		t.Fatal(err)
	}
	w.must(nil, "apply", "-auto-approve")
	for _, script := range []string{"send-and-check.sh", "fallback.sh", "send-limit.sh", "fixed-code.sh"} {
		for _, f := range []string{"otp.sh", script} {
			b, err := os.ReadFile(filepath.Join(guide, "test", f)) //nolint:gosec // the repository's own files
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(w.dir, "test", f), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command("bash", "test/"+script)
		cmd.Dir = w.dir
		cmd.Env = append(append([]string(nil), w.env...), "PATH="+shims+string(os.PathListSeparator)+os.Getenv("PATH"),
			"OTP_SANDBOX_CONTROL_TOKEN="+token)
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(out), "FAIL") {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
		t.Logf("%s:\n%s", script, out)
	}
}
