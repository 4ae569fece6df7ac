package provider

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
)

// The CLI starts each provider process as its child, so the CLI command a
// process serves (terraform plan, tofu test, …) is its parent's command
// line. Only what adoption says depends on it: under terraform test, which
// plans the same resources run after run (plan-only runs included), a plan
// does not announce adoptions (adoption.go), and the destroy at the test's
// teardown says what was adopted, with the object's destroy (destroy.go).
//
// Where the system does not say, or the provider is not the CLI's child (a
// debugger, the provider served inside go test), the command is "", and the
// provider behaves as for any command but test: it says more, never less.

// commandTest is the CLI command that runs a module's tests.
const commandTest = "test"

// ParentCLICommand returns the command of the CLI that started this process
// ("plan", "apply", "test", …), or "" when it cannot tell.
func ParentCLICommand() string {
	return cliSubcommand(processArgs(os.Getppid()))
}

// cliSubcommand is the command in a CLI's arguments: the first one after
// the program that is not an option (terraform [global options] <command>
// …, where the global options are -chdir=DIR, -help and -version).
func cliSubcommand(args []string) string {
	if len(args) < 2 {
		return ""
	}
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

// splitNUL splits arguments that the system keeps NUL-terminated (Linux's
// /proc/<pid>/cmdline, FreeBSD's kern.proc.args).
func splitNUL(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\x00")
}

// parseProcArgs2 reads macOS's kern.procargs2: the argument count (a 32-bit
// integer in the machine's byte order, little-endian on every Mac Go builds
// for), the executable's path, NUL padding, then the arguments, each
// NUL-terminated (the environment follows).
func parseProcArgs2(b []byte) []string {
	if len(b) < 4 {
		return nil
	}
	argc := int(binary.LittleEndian.Uint32(b))
	rest := b[4:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return nil
	}
	rest = bytes.TrimLeft(rest[i:], "\x00")
	args := make([]string, 0, argc)
	for len(args) < argc && len(rest) > 0 {
		end := bytes.IndexByte(rest, 0)
		if end < 0 {
			end = len(rest)
		}
		args = append(args, string(rest[:end]))
		rest = rest[min(end+1, len(rest)):]
	}
	if len(args) < argc {
		return nil
	}
	return args
}
