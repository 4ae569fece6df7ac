package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A container is configured by its environment alone (a GitHub Actions
// service takes no command line): the image's way of opening accounts and
// keeping a state file, and a flag on the command line winning over its
// variable.
func TestRunTakesItsSettingsFromTheEnvironment(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	t.Setenv("OTP_SANDBOX_OPEN_ACCOUNTS", "true")
	t.Setenv("OTP_SANDBOX_STATE", state)
	t.Setenv("OTP_SANDBOX_LISTEN", "256.0.0.1:1") // start's -listen 127.0.0.1:0 wins
	s := start(t, "-secret", "shared")
	if status, body := signedGet(t, s.base+"/flow/list", "job-env", "shared"); status != "0" {
		t.Fatalf("the open account of $OTP_SANDBOX_OPEN_ACCOUNTS: %s", body)
	}
	if fi, err := os.Stat(state); err != nil || fi.Size() == 0 {
		t.Fatalf("the state file of $OTP_SANDBOX_STATE: %v", err)
	}
}

func TestRunNamesTheVariableOfABadValue(t *testing.T) {
	for env, value := range map[string]string{"OTP_SANDBOX_QUIET": "yes please", "OTP_SANDBOX_RETENTION": "many", "OTP_SANDBOX_WINDOW": "-1"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, value)
			err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-key", "k", "-secret", "s"}, &syncBuffer{})
			if err == nil || !strings.HasPrefix(err.Error(), "$"+env+"=") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestHelpNamesEveryVariable(t *testing.T) {
	var out syncBuffer
	if err := run(t.Context(), []string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v", err)
	}
	for _, v := range flagVariables {
		if !strings.Contains(out.String(), "$"+v.env) {
			t.Errorf("the help does not name $%s", v.env)
		}
	}
}

// The README's table of flags names each flag's variable.
func TestREADMENamesEveryVariable(t *testing.T) {
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range flagVariables {
		if !strings.Contains(string(b), "| `-"+v.flag+"`") || !strings.Contains(string(b), "`"+v.env) {
			t.Errorf("README.md's table of flags does not give -%s with $%s", v.flag, v.env)
		}
	}
}

// Every flag is set by a variable too: a service container takes no
// command line. A new flag without one fails here.
func TestEveryFlagHasAVariable(t *testing.T) {
	var out syncBuffer
	if err := run(t.Context(), []string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v", err)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		name, found := strings.CutPrefix(line, "  -")
		if !found {
			continue
		}
		name, _, _ = strings.Cut(name, " ")
		if _, excepted := flagsWithoutVariable[name]; excepted || slices.ContainsFunc(flagVariables, func(v struct{ flag, env string }) bool { return v.flag == name }) {
			continue
		}
		t.Errorf("-%s has no environment variable: add it to flagVariables (or, with the reason, to flagsWithoutVariable)", name)
	}
}
