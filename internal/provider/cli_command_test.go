package provider

import (
	"encoding/binary"
	"os"
	"runtime"
	"slices"
	"testing"
)

// TestCLISubcommand: the command is the first argument after the program
// that is not an option, whatever global options come first.
func TestCLISubcommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"terraform", "plan", "-out=x.tfplan"}, "plan"},
		{[]string{"/usr/local/bin/tofu", "-chdir=modules/otp", "test", "-verbose"}, "test"},
		{[]string{`C:\tools\terraform.exe`, "-chdir=C:\\work", "apply", "-auto-approve"}, "apply"},
		{[]string{"terraform", "-version"}, ""},
		{[]string{"terraform"}, ""},
		{nil, ""},
	} {
		if got := cliSubcommand(tc.args); got != tc.want {
			t.Errorf("%q: command %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestParseProcArgs2 reads macOS's kern.procargs2 as the kernel writes it.
func TestParseProcArgs2(t *testing.T) {
	raw := func(argc uint32, rest string) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, argc), rest...)
	}
	for _, tc := range []struct {
		what string
		b    []byte
		want []string
	}{
		{"arguments, then the environment", raw(3, "/opt/homebrew/bin/tofu\x00\x00\x00\x00tofu\x00test\x00-no-color\x00HOME=/Users/me\x00"),
			[]string{"tofu", "test", "-no-color"}},
		{"no padding", raw(2, "/usr/bin/terraform\x00terraform\x00plan\x00"), []string{"terraform", "plan"}},
		{"cut short", raw(3, "/usr/bin/terraform\x00terraform\x00"), nil},
		{"no path", raw(1, "terraform"), nil},
		{"too short", []byte{1, 0}, nil},
	} {
		if got := parseProcArgs2(tc.b); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.what, got, tc.want)
		}
	}
}

func TestSplitNUL(t *testing.T) {
	if got := splitNUL([]byte("tofu\x00test\x00")); !slices.Equal(got, []string{"tofu", "test"}) {
		t.Errorf("%q", got)
	}
	if got := splitNUL(nil); got != nil {
		t.Errorf("%q", got)
	}
}

// TestProcessArgsOfThisProcess: on the systems the provider is released
// for, a process's arguments are read as the process itself has them.
func TestProcessArgsOfThisProcess(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd", "windows":
	default:
		t.Skipf("the provider does not read other processes' arguments on %s", runtime.GOOS)
	}
	if got := processArgs(os.Getpid()); !slices.Equal(got, os.Args) {
		t.Fatalf("processArgs of this process: %q, want %q", got, os.Args)
	}
}
