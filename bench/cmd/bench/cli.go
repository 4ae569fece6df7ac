package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// variant is one provider as the CLI sees it: a dev_overrides directory
// holding the memory-measuring wrapper under the provider's name, and the
// CLI configuration that points at it.
type variant struct {
	name      string
	dir       string // under -work; also names its run directories and logs
	cliConfig string
	rssLog    string
	env       []string // added to the CLI's environment, which the provider inherits
}

// calibration reports a variant of the no-I/O provider.
func (v *variant) calibration() bool { return v.name == noio || v.name == quiet }

// providerAddresses are every source address the configuration's
// itniotech/otp can resolve to, as in scripts/devenv.sh.
var providerAddresses = []string{
	"registry.terraform.io/itniotech/otp",
	"registry.opentofu.org/itniotech/otp",
	"registry.terraform.io/hashicorp/otp",
	"registry.opentofu.org/hashicorp/otp",
}

func newVariant(name, dir, binary, wrap string, env []string) (*variant, error) {
	override := filepath.Join(dir, "override")
	if err := os.MkdirAll(override, 0o700); err != nil {
		return nil, err
	}
	// A copy, not a symlink: the wrapper finds its files next to its own
	// executable, which a symlink would resolve away.
	if err := copyFile(wrap, filepath.Join(override, "terraform-provider-otp"), 0o700); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(binary)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(override, "rsswrap.target"), []byte(abs+"\n"), 0o600); err != nil {
		return nil, err
	}
	var cfg strings.Builder
	cfg.WriteString("provider_installation {\n  dev_overrides {\n")
	for _, a := range providerAddresses {
		fmt.Fprintf(&cfg, "    %q = %q\n", a, override)
	}
	cfg.WriteString("  }\n  direct {}\n}\n")
	v := &variant{
		name:      name,
		dir:       filepath.Base(dir),
		cliConfig: filepath.Join(dir, "cli.tfrc"),
		rssLog:    filepath.Join(override, "rsswrap.log"),
		env:       env,
	}
	return v, os.WriteFile(v.cliConfig, []byte(cfg.String()), 0o600)
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from) //nolint:gosec // our own build output
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode) //nolint:gosec // under -work
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// cliEnv is the environment of every CLI command. Nothing of the user's
// CLI setup may reach it: HOME is a scratch directory because the CLIs still
// read files under it when TF_CLI_CONFIG_FILE is set (credentials.tfrc.json,
// and OpenTofu's container registry credentials); TF_*/TOFU_* could
// reattach other providers, log, or change the plan;
// OTP_* would reach our provider (read_from_list, retries) but not the
// calibration one; GO* runtime settings would change the memory and time
// of both providers in ways other machines do not reproduce.
func cliEnv(environ []string, home string) []string {
	var env []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "TF_"), strings.HasPrefix(name, "TOFU_"), strings.HasPrefix(name, "OTP_"),
			strings.HasPrefix(name, "XDG_"), strings.HasPrefix(name, "CHECKPOINT_"), name == "HOME",
			name == "GOGC", name == "GOMEMLIMIT", name == "GOMAXPROCS", name == "GODEBUG":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
}

func cliVersion(ctx context.Context, cli string, env []string) (string, error) {
	cmd := exec.CommandContext(ctx, cli, "version") //nolint:gosec // the CLI scripts/cli.sh chose
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s version: %w", cli, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(first), nil
}

// args are the CLI arguments of an operation. -parallelism is the default
// (10) unless told otherwise, written out because the apply budget uses it.
func (b *bench) args(op string) []string {
	p := fmt.Sprintf("-parallelism=%d", b.opts.parallelism)
	switch op {
	case opPlan, opPlanNew, opPlanAdopt:
		return []string{"plan", "-input=false", "-no-color", "-detailed-exitcode", p}
	case opQuery:
		return []string{"query", "-no-color"}
	default:
		return []string{"apply", "-auto-approve", "-input=false", "-no-color", p}
	}
}

// describe names a command in errors.
func (b *bench) describe(v *variant, op string, n int, dir string) string {
	return fmt.Sprintf("%s %s (%s provider, N=%d) in %s", filepath.Base(b.opts.cli), strings.Join(b.args(op), " "), v.name, n, dir)
}

// measure runs one operation and checks that it did what is measured.
func (b *bench) measure(ctx context.Context, v *variant, dir, logPath, op string, n int) (sample, error) {
	if err := os.Remove(v.rssLog); err != nil && !errors.Is(err, os.ErrNotExist) {
		return sample{}, err
	}
	args := b.args(op)
	env := append(append(append([]string(nil), b.env...), v.env...), "TF_CLI_CONFIG_FILE="+v.cliConfig)
	if adopting(op) {
		env = append(env, "OTP_ADOPT_EXISTING=true") // the calibration provider has no such setting, and ignores it
	}
	wall, code, err := runCLI(ctx, b.opts.cli, args, dir, env, logPath)
	what := b.describe(v, op, n, dir)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %w", what, err)
	}
	want := ""
	switch op {
	case opApply, opApplyAdopt:
		want = fmt.Sprintf("Resources: %d added, 0 changed, 0 destroyed.", n)
	case opUpdate:
		want = "Resources: 0 added, 1 changed, 0 destroyed."
	}
	switch {
	case code == 2 && op == opPlan:
		return sample{}, commandFailed(what, "the plan is not empty", logPath)
	case code == 0 && (op == opPlanNew || op == opPlanAdopt):
		return sample{}, commandFailed(what, "the plan is empty; it should create (or adopt) every flow", logPath)
	case code == 2 && (op == opPlanNew || op == opPlanAdopt):
	case code != 0:
		return sample{}, commandFailed(what, fmt.Sprintf("exit status %d", code), logPath)
	case op == opQuery:
		out, err := os.ReadFile(logPath) //nolint:gosec // under -work
		if err != nil {
			return sample{}, err
		}
		got := 0
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "list.otp_task_flow.all ") {
				got++
			}
		}
		if got != n {
			return sample{}, commandFailed(what, fmt.Sprintf("the query printed %d results, want %d", got, n), logPath)
		}
	case want != "":
		out, err := os.ReadFile(logPath) //nolint:gosec // under -work
		if err != nil {
			return sample{}, err
		}
		if !strings.Contains(string(out), want) {
			return sample{}, commandFailed(what, fmt.Sprintf("the output does not say %q", want), logPath)
		}
	}
	u, err := providerUsage(ctx, v.rssLog)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %w", what, err)
	}
	return sample{wall: wall, rssKiB: u.peakKiB, procs: u.ended, cpu: u.cpu}, nil
}

// runCLI runs the CLI with its output in logPath and returns the wall time
// and exit status. The CLI gets its own process group so that a Ctrl-C in
// the terminal does not hit it together with our own interrupt: a second
// interrupt makes it exit at once, leaving providers and a state lock
// behind. On cancellation it gets one interrupt, time to stop its
// providers, and then its whole group is killed.
func runCLI(ctx context.Context, cli string, args []string, dir string, env []string, logPath string) (time.Duration, int, error) {
	logFile, err := os.Create(logPath) //nolint:gosec // under -work
	if err != nil {
		return 0, 0, err
	}
	defer logFile.Close()
	cmd := exec.Command(cli, args...) //nolint:gosec,noctx // the CLI scripts/cli.sh chose; cancellation is below
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		return 0, 0, ctx.Err()
	}
	err = waitErr
	wall := time.Since(start)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return wall, 0, nil
	case errors.As(err, &exit):
		return wall, exit.ExitCode(), nil
	default:
		return 0, 0, err
	}
}

// logTail is how much of a failed command's log is printed: the CLI writes
// its errors last, and an apply of 1000 resources logs thousands of lines
// before them.
const logTail = 200

type failedCommand struct {
	what, why, log string
}

func (e *failedCommand) Error() string {
	return fmt.Sprintf("%s failed: %s\n----- its log -----\n%s----- end of log -----", e.what, e.why, e.log)
}

func commandFailed(what, why, logPath string) error {
	data, err := os.ReadFile(logPath) //nolint:gosec // under -work
	if err != nil {
		return &failedCommand{what: what, why: why, log: fmt.Sprintf("(cannot read %s: %v)\n", logPath, err)}
	}
	lines := strings.SplitAfter(string(data), "\n")
	text := string(data)
	if len(lines) > logTail {
		text = fmt.Sprintf("(%d earlier lines left out)\n", len(lines)-logTail) + strings.Join(lines[len(lines)-logTail:], "")
	}
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return &failedCommand{what: what, why: why, log: text}
}

// usage is what the wrapper logged about the provider processes of one
// command.
type usage struct {
	started, ended int
	peakKiB        int64         // the largest max RSS
	cpu            time.Duration // user + system, summed
}

// providerUsage reads the wrapper's log. The CLI normally waits for its
// providers to exit, but not always for as long as the wrapper takes to log,
// so it waits until every process that started has ended.
func providerUsage(ctx context.Context, path string) (usage, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		u, err := readRSSLog(path)
		if err != nil {
			return u, err
		}
		if u.started > 0 && u.started == u.ended {
			return u, nil
		}
		if time.Now().After(deadline) {
			if u.started == 0 {
				return u, errors.New("no provider process was started through the wrapper: the dev_overrides did not apply")
			}
			return u, fmt.Errorf("%d of %d provider processes did not end within 10s of the command", u.started-u.ended, u.started)
		}
		select {
		case <-ctx.Done():
			return u, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func readRSSLog(path string) (usage, error) {
	var u usage
	f, err := os.Open(path) //nolint:gosec // under -work
	if errors.Is(err, os.ErrNotExist) {
		return u, nil
	}
	if err != nil {
		return u, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 2 && fields[0] == "start":
			u.started++
		case len(fields) == 5 && fields[0] == "end":
			var n [3]int64
			for i := range n {
				v, perr := strconv.ParseInt(fields[2+i], 10, 64)
				if perr != nil {
					return u, fmt.Errorf("%s: %q: %w", path, sc.Text(), perr)
				}
				n[i] = v
			}
			u.ended++
			u.peakKiB = max(u.peakKiB, n[0])
			u.cpu += time.Duration(n[1]+n[2]) * time.Microsecond
		}
	}
	return u, sc.Err()
}
