// Command rsswrap measures the peak memory of a provider process. The
// benchmark installs it, under the provider's executable name, in the
// directory a CLI's dev_overrides point at; it runs the real provider as a
// child with the same arguments, environment and standard streams, and when
// the child ends appends its maximum resident set size and CPU time to a log.
//
// The CLI cannot tell the difference: the plugin handshake is a line the
// child writes on the inherited stdout, and the wrapper exits with the
// child's status as soon as the child ends. Measuring the provider from
// outside keeps the provider itself free of benchmark code, and measures the
// real provider and the calibration provider in exactly the same way.
//
// Next to the wrapper (it finds its directory from its own executable, so it
// must be a copy, not a symlink):
//
//	rsswrap.target  the path of the real provider binary
//	rsswrap.log     written: "start PID" when a child starts and
//	                "end PID MAXRSS_KIB USER_µS SYSTEM_µS" when it ends
//
// The start lines let the benchmark wait for every provider process that a
// command started to end before it reads the peaks.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

func main() { os.Exit(run()) }

func run() int {
	self, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	dir := filepath.Dir(self)
	target, err := os.ReadFile(filepath.Join(dir, "rsswrap.target")) //nolint:gosec // the benchmark wrote it next to us
	if err != nil {
		return fail(err)
	}
	logPath := filepath.Join(dir, "rsswrap.log")

	// No context: the child lives exactly as long as the CLI lets it, and
	// every signal the wrapper gets is passed on.
	//nolint:gosec,noctx // the target is the benchmark's own build of a provider
	cmd := exec.Command(strings.TrimSpace(string(target)), os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr

	// Caught before the child starts, so that no signal meant for the
	// provider can kill the wrapper and orphan the child.
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
		return fail(err)
	}
	appendLine(logPath, fmt.Sprintf("start %d\n", cmd.Process.Pid))
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()

	werr := cmd.Wait()
	var maxRSS int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss // KiB on Linux
	}
	appendLine(logPath, fmt.Sprintf("end %d %d %d %d\n", cmd.Process.Pid, maxRSS,
		cmd.ProcessState.UserTime().Microseconds(), cmd.ProcessState.SystemTime().Microseconds()))

	var exit *exec.ExitError
	switch {
	case werr == nil:
		return 0
	case errors.As(werr, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return exit.ExitCode()
	default:
		return fail(werr)
	}
}

// appendLine writes the whole line in one write on an O_APPEND file, so that
// the lines of provider processes ending at the same time do not interleave.
func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600) //nolint:gosec // path is next to the wrapper
	if err != nil {
		fmt.Fprintln(os.Stderr, "rsswrap:", err)
		return
	}
	if _, err := f.WriteString(line); err != nil {
		fmt.Fprintln(os.Stderr, "rsswrap:", err)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "rsswrap:", err)
	}
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "rsswrap:", err)
	return 1
}
