package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stderrCounter installs, in place of the provider, a wrapper that runs the
// real binary with its standard error appended to a file (so the CLI sees
// none of it) and records each start, so that a test can tell "wrote
// nothing" from "was never run".
func stderrCounter(stderrLog, starts *string) func(override, binary string) {
	return func(override, binary string) {
		*stderrLog, *starts = filepath.Join(override, "stderr.log"), filepath.Join(override, "starts.log")
		script := fmt.Sprintf("#!/bin/sh\necho start >> %q\nexec %q \"$@\" 2>> %q\n", *starts, binary, *stderrLog)
		if err := os.WriteFile(filepath.Join(override, "terraform-provider-otp"), []byte(script), 0o700); err != nil { //nolint:gosec // a test's own script
			panic(err)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func fileText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path) //nolint:gosec // a test's own file
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// TestAccLogging_nothingTheCLIDiscards: with no TF_LOG the CLI keeps no
// provider log, so the provider binary writes nothing at all to stderr,
// from the SDK, the framework or our own code; with TF_LOG=WARN it writes
// WARN lines and nothing below. A logger variable set by the user wins,
// which also proves that the wrapper sees what the provider writes.
func TestAccLogging_nothingTheCLIDiscards(t *testing.T) {
	e := newAccEnv(t)
	var stderrLog, starts string
	w := newCLIWorkspace(t, e, stderrCounter(&stderrLog, &starts))
	w.config(taskFlow("quiet", "quiet-flow", node(60, 1, "sms")) + taskFlow("gone", "deleted-in-console", node(60, 1, "sms")))

	w.must(nil, "apply", "-auto-approve")
	w.must(nil, "plan", "-detailed-exitcode")
	if n := strings.Count(fileText(t, starts), "start"); n < 2 {
		t.Fatalf("the provider was started %d times through the wrapper, want at least 2: the dev_overrides did not apply", n)
	}
	if n := fileSize(t, stderrLog); n != 0 {
		t.Fatalf("with no TF_LOG the provider wrote %d bytes to stderr, want none:\n%.2000s", n, fileText(t, stderrLog))
	}

	// WARN: the refresh of a flow deleted in the console warns; nothing of
	// the SDK's or framework's TRACE and DEBUG lines comes along.
	tkFlow.consoleDelete(e, e.idOf(tkFlow, "deleted-in-console"))
	if _, code := w.run([]string{"TF_LOG=WARN"}, "plan", "-detailed-exitcode"); code != 2 {
		t.Fatalf("the plan after a console delete exited %d, want 2 (a change)", code)
	}
	warn := fileText(t, stderrLog)
	if !strings.Contains(warn, "no longer exists in the account") || !strings.Contains(warn, `"@level":"warn"`) {
		t.Fatalf("with TF_LOG=WARN the provider's warning is missing from stderr:\n%.2000s", warn)
	}
	for _, below := range []string{`"@level":"trace"`, `"@level":"debug"`, `"@level":"info"`} {
		if strings.Contains(warn, below) {
			t.Fatalf("with TF_LOG=WARN the provider wrote %s lines:\n%.2000s", below, warn)
		}
	}

	// An explicit logger variable always wins, even with TF_LOG unset.
	before := fileSize(t, stderrLog)
	w.run([]string{"TF_LOG_SDK_PROTO=TRACE"}, "plan")
	explicit := fileText(t, stderrLog)[before:]
	if !strings.Contains(explicit, `"@module":"sdk.proto"`) || strings.Contains(explicit, `"@module":"sdk.framework"`) {
		t.Fatalf("TF_LOG_SDK_PROTO=TRACE alone should bring the protocol's lines and only those:\n%.2000s", explicit)
	}
}

// TestAccLogging_traceIsComplete: with TF_LOG=TRACE the CLI's log holds the
// lines of the SDK, the framework and the provider, as before; the secret
// and the API key (both sensitive in the schema) stay masked.
func TestAccLogging_traceIsComplete(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	w.config(taskFlow("traced", "traced-flow", node(60, 1, "sms")))
	logFile := filepath.Join(t.TempDir(), "trace.log")
	w.must([]string{"TF_LOG=TRACE", "TF_LOG_PATH=" + logFile}, "apply", "-auto-approve")
	log := fileText(t, logFile)
	for _, want := range []string{
		"@module=sdk.proto",                                                                        // terraform-plugin-go
		"@module=sdk.framework",                                                                    // the framework
		"OTP API request succeeded", "signed_at_unix=", "Creating the OTP API client", "/flow/add", // ours
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the TRACE log of %s lacks %q", w.version, want)
		}
	}
	for what, secret := range map[string]string{"API secret": e.secret, "API key": e.key} {
		if i := strings.Index(log, secret); i >= 0 {
			t.Errorf("the TRACE log contains the %s: %s", what, log[max(0, i-300):min(len(log), i+100)])
		}
	}
}
