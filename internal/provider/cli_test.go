package provider

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Some of what a user sees cannot be asserted through terraform-plugin-testing:
// warnings (it drops them), what the provider binary itself writes (it serves
// the provider in-process), and commands it does not run (plan -destroy,
// query -generate-config-out). These tests drive the CLI that the acceptance
// tests use (TF_ACC_TERRAFORM_PATH) against the real provider binary, built
// once per test process, through dev_overrides, as a user's CI would.

// TestMain removes the provider binary built for the CLI tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if providerBuild.dir != "" {
		_ = os.RemoveAll(providerBuild.dir)
	}
	os.Exit(code)
}

var providerBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// providerBinary builds the provider (the module root, ../..) once.
func providerBinary(t *testing.T) string {
	t.Helper()
	providerBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "otp-provider-build-")
		if err != nil {
			providerBuild.err = err
			return
		}
		providerBuild.dir = dir
		providerBuild.path = filepath.Join(dir, "terraform-provider-otp")
		out, err := exec.Command("go", "build", "-o", providerBuild.path, "../..").CombinedOutput()
		if err != nil {
			providerBuild.err = fmt.Errorf("go build of the provider: %w\n%s", err, out)
		}
	})
	if providerBuild.err != nil {
		t.Fatal(providerBuild.err)
	}
	return providerBuild.path
}

// cliWorkspace is a working directory, a CLI configuration whose
// dev_overrides point at the provider binary, and a scrubbed environment.
type cliWorkspace struct {
	t        *testing.T
	e        *accEnv
	cli      string
	dir      string
	override string // the dev_overrides directory
	env      []string
	version  string // the CLI's first line of "version"
}

// providerSources are every address "itniotech/otp" resolves to, on
// Terraform and on OpenTofu, whatever namespace the tests' CLI assumes.
var providerSources = []string{
	"registry.terraform.io/itniotech/otp", "registry.opentofu.org/itniotech/otp",
	"registry.terraform.io/hashicorp/otp", "registry.opentofu.org/hashicorp/otp",
}

// newCLIWorkspace sets up a workspace whose provider is the real binary, or
// whatever wrap writes into the override directory in its place (it is
// given the directory and the real binary's path).
func newCLIWorkspace(t *testing.T, e *accEnv, wrap func(override, binary string)) *cliWorkspace {
	t.Helper()
	e.needsSandbox()
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH is not set (run through scripts/testacc.sh)")
	}
	binary := providerBinary(t)
	root := t.TempDir()
	w := &cliWorkspace{t: t, e: e, cli: cli, dir: filepath.Join(root, "work"), override: filepath.Join(root, "override")}
	for _, d := range []string{w.dir, w.override, filepath.Join(root, "home")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if wrap != nil {
		wrap(w.override, binary)
	} else if err := os.Symlink(binary, filepath.Join(w.override, "terraform-provider-otp")); err != nil {
		t.Fatal(err)
	}
	var cfg strings.Builder
	cfg.WriteString("provider_installation {\n  dev_overrides {\n")
	for _, s := range providerSources {
		fmt.Fprintf(&cfg, "    %q = %q\n", s, w.override)
	}
	cfg.WriteString("  }\n  direct {}\n}\n")
	cliConfig := filepath.Join(root, "cli.tfrc")
	if err := os.WriteFile(cliConfig, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// Nothing of the developer's shell may reach the CLI or the provider:
	// no TF_* (logging, reattached providers), no OTP_* (the provider's
	// settings); the credentials come from the variables, as we recommend.
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "OTP_") || strings.HasPrefix(name, "TOFU_") ||
			strings.HasPrefix(name, "CHECKPOINT_") || strings.HasPrefix(name, "XDG_") || name == "HOME" {
			continue
		}
		w.env = append(w.env, kv)
	}
	w.env = append(w.env, "HOME="+filepath.Join(root, "home"), "TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1",
		EnvAPIKey+"="+e.key, EnvAPISecret+"="+e.secret, EnvBaseURL+"="+e.base)
	out, err := exec.Command(cli, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	w.version, _, _ = strings.Cut(string(out), "\n")
	return w
}

// config writes main.tf: the provider block (credentials from the
// environment) and body.
func (w *cliWorkspace) config(body string) {
	w.t.Helper()
	w.write("main.tf", "terraform {\n  required_providers {\n    otp = {\n      source = \"itniotech/otp\"\n    }\n  }\n}\n\nprovider \"otp\" {}\n\n"+body)
}

func (w *cliWorkspace) write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// run runs the CLI with extra environment variables and returns its output
// (stdout and stderr) and exit status.
func (w *cliWorkspace) run(extraEnv []string, args ...string) (string, int) {
	w.t.Helper()
	if args[0] != "state" { // state's subcommands take no -no-color
		args = append(args[:1:1], append([]string{"-no-color"}, args[1:]...)...)
	}
	cmd := exec.Command(w.cli, args...)
	cmd.Dir = w.dir
	cmd.Env = append(append([]string(nil), w.env...), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	}
	w.t.Fatalf("%s %s: %v\n%s", w.cli, strings.Join(args, " "), err, out.String())
	return "", 0
}

// must runs a command that has to succeed (exit status 0, or one of ok).
func (w *cliWorkspace) must(extraEnv []string, args ...string) string {
	w.t.Helper()
	out, code := w.run(extraEnv, args...)
	if code != 0 {
		w.t.Fatalf("%s %s exited with %d:\n%s", filepath.Base(w.cli), strings.Join(args, " "), code, out)
	}
	return out
}

// copyDir copies a directory of the repository (a module we ship, with its
// tests) into the workspace.
func (w *cliWorkspace) copyDir(src string) {
	w.t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(w.dir, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		b, err := os.ReadFile(p) //nolint:gosec // the repository's own files
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o600)
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// hasTestCommand: terraform test and tofu test came in 1.6.
func hasTestCommand(version string) bool {
	var name string
	var major, minor int
	if _, err := fmt.Sscanf(version, "%s v%d.%d", &name, &major, &minor); err != nil {
		return false
	}
	return major > 1 || major == 1 && minor >= 6
}
