package provider

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAccModule_quickstartTestsInOpenAccounts runs the quickstart module's
// test suite twice at the same time against one otp-sandbox process
// started with -open-accounts, each run with its own API key, as two CI
// jobs sharing a sandbox would: the suite's names are fixed, so in one
// account the runs would meet each other's objects; in their own accounts
// both pass and each account ends with its own three objects.
func TestAccModule_quickstartTestsInOpenAccounts(t *testing.T) {
	const shared, token = "shared-secret", "accounts-test-token"
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" || realAccount() {
		t.Skip("needs a CLI (run through scripts/testacc.sh) and the sandbox")
	}
	base := startOpenSandbox(t, shared, token)
	keys := []string{"ci-job-1", "ci-job-2"}
	workspaces := make([]*cliWorkspace, len(keys))
	for i, k := range keys {
		e := newAccEnv(t)
		// The workspace's environment points the provider at the shared
		// process, signed with the job's key.
		e.base, e.key, e.secret = base, k, shared
		w := newCLIWorkspace(t, e, nil)
		if !hasTestCommand(w.version) {
			t.Skipf("%s has no test command (Terraform and OpenTofu 1.6+)", w.version)
		}
		w.copyDir("../../examples/quickstart/modules/otp")
		w.must(nil, "get")
		workspaces[i] = w
	}

	type result struct {
		out  string
		code int
	}
	results := make([]result, len(keys))
	var wg sync.WaitGroup
	for i, w := range workspaces {
		wg.Go(func() {
			out, code := w.run(nil, "test")
			results[i] = result{out, code}
		})
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 || !strings.Contains(r.out, " passed, 0 failed") {
			t.Errorf("the run of %s (exit %d):\n%s", keys[i], r.code, r.out)
		}
	}
	if t.Failed() {
		return
	}

	// Each account holds the suite's three objects, its own.
	flowIDs := map[string]bool{}
	for _, k := range keys {
		for _, kind := range []string{"flows", "apps", "templates"} {
			var objs []map[string]any
			controlGet(t, base, token, "/_sandbox/"+kind+"?key="+k, &objs)
			if len(objs) != 1 || !strings.HasPrefix(objs[0]["name"].(string), "tftest-login") {
				t.Fatalf("account %s holds %s %v, want one of the suite's", k, kind, objs)
			}
			if kind == "flows" {
				flowIDs[string(mustJSON(t, objs[0]["flowId"]))] = true
			}
		}
	}
	if len(flowIDs) != len(keys) {
		t.Fatalf("the accounts share their flow: %v", flowIDs)
	}
}

// startOpenSandbox builds otp-sandbox and runs it with open accounts on a
// free port until the test ends; it returns the API's base URL.
func startOpenSandbox(t *testing.T, shared, token string) string {
	t.Helper()
	return startSandboxBinary(t, []string{"OTP_API_SECRET=" + shared, "OTP_SANDBOX_CONTROL_TOKEN=" + token}, "-open-accounts")
}

// startSandboxBinary builds otp-sandbox and starts it on a free port with
// env and args, as a pipeline would; it returns the API's base URL.
func startSandboxBinary(t *testing.T, env []string, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "otp-sandbox")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/otp-sandbox").CombinedOutput(); err != nil {
		t.Fatalf("go build of otp-sandbox: %v\n%s", err, out)
	}
	addr := filepath.Join(dir, "addr")
	cmd := exec.Command(bin, append([]string{"-listen", "127.0.0.1:0", "-addr-file", addr, "-quiet"}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(addr); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.TrimSpace(string(b))
		}
	}
	t.Fatalf("otp-sandbox did not start:\n%s", stderr.String())
	return ""
}

func controlGet(t *testing.T, base, token, path string, v any) {
	t.Helper()
	req, err := http.NewRequest("GET", strings.TrimSuffix(base, "/otp")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
