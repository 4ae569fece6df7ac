package main

import (
	"crypto/md5" //nolint:gosec // the vendor's signature scheme
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

func TestAccountsFrom(t *testing.T) {
	for _, tt := range []struct {
		name        string
		flags       []string
		env         string
		key, secret string
		open        bool
		want        map[string]string
		err         string
	}{
		{name: "flags", flags: []string{"a:1", "b:2"}, want: map[string]string{"a": "1", "b": "2"}},
		{name: "a secret with a colon", flags: []string{"a:x:y"}, want: map[string]string{"a": "x:y"}},
		{name: "the variable", env: "a:1, b:2", want: map[string]string{"a": "1", "b": "2"}},
		{name: "flags over the variable", flags: []string{"c:3"}, env: "a:1", want: map[string]string{"c": "3"}},
		{name: "and -key", flags: []string{"a:1"}, key: "k", secret: "s", want: map[string]string{"a": "1", "k": "s"}},
		{name: "the same twice", flags: []string{"a:1", "a:1"}, want: map[string]string{"a": "1"}},
		{name: "open, shared secret only", secret: "s", open: true, want: map[string]string{}},
		{name: "none", want: map[string]string{}},
		{name: "no colon", flags: []string{"a:1", "secret-only"}, err: "-account (entry 2): write it as KEY:SECRET"},
		{name: "empty secret", env: "a:", err: `$OTP_SANDBOX_ACCOUNTS (entry 1): the secret of API key "a" is empty`},
		{name: "empty key", flags: []string{":hunter2"}, err: "the API key is empty"},
		{name: "two secrets", flags: []string{"a:1"}, key: "a", secret: "2", err: `-key: API key "a" is given twice`},
		{name: "key alone", key: "k", err: "without a secret"},
		{name: "secret alone", secret: "s", err: "-secret (or OTP_API_SECRET) is given without an API key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := accountsFrom(tt.flags, tt.env, tt.key, tt.secret, tt.open)
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want %q", err, tt.err)
				}
				for _, secret := range []string{"hunter2", "secret-only"} {
					if strings.Contains(err.Error(), secret) {
						t.Fatalf("the error shows a secret: %v", err)
					}
				}
			case err != nil:
				t.Fatal(err)
			case !maps.Equal(got, tt.want):
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRunRefusesASecretWithoutAKey(t *testing.T) {
	t.Setenv("OTP_API_KEY", "")
	err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-account", "a:b", "-secret", "x"}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "-secret is given without -key") {
		t.Fatalf("got %v", err)
	}
}

func TestRunRefusesAPositionalArgument(t *testing.T) {
	err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "state.json"}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), `unexpected argument "state.json"`) {
		t.Fatalf("got %v", err)
	}
}

// The state path is checked before the sandbox listens: a missing
// directory, or a file it cannot read, stops the start, naming it.
func TestRunChecksTheStateFile(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.json")
	if err := os.WriteFile(unknown, []byte(`{"flows":{"nextId":10001,"accounts":{}},"faults":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "missing", "state.json"): "does not exist",
		unknown: `unknown field "faults"`,
	} {
		var out syncBuffer
		err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-key", "k", "-secret", "s", "-state", path}, &out)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", path, err, want)
		}
		if strings.Contains(out.String(), "serving") {
			t.Errorf("%s: it started:\n%s", path, out.String())
		}
	}
}

func TestHelpSaysWhatTheStateFileKeepsAndWhoOpenAccountsAreFor(t *testing.T) {
	var out syncBuffer
	if err := run(t.Context(), []string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v", err)
	}
	help := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"-account KEY:SECRET", "$OTP_SANDBOX_ACCOUNTS", "-open-accounts", "for test machines only",
		"keeps every account across restarts", "the service's clock", "GET /_sandbox/export", "-import", "the numbers' outcomes and fixed codes, and the settings. It does not keep faults or request counters",
		"A reset of the whole sandbox empties it", "SIGKILL", "a power loss can lose the last second's changes",
		"-max-accounts", "-account-idle", "-retention-total", "-public-url", "the accounts named at start are never forgotten",
		"signed like the vendor API with an account's own key and secret, which reaches that account alone",
		"SIGINT or SIGTERM stops it within a second", "it exits 0",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("the help does not say %q", want)
		}
	}
}

// signRequest signs a vendor request as the API documents: the key, the
// time, and the MD5 of key, secret and time.
func signRequest(req *http.Request, key, secret string) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := md5.Sum([]byte(key + secret + ts)) //nolint:gosec // the vendor's scheme
	req.Header.Set("Api-Key", key)
	req.Header.Set("Timestamp", ts)
	req.Header.Set("Sign", hex.EncodeToString(sum[:]))
}

func signedGet(t *testing.T, url, key, secret string) (status string, body []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	signRequest(req, key, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	var env struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("%s: %s", url, body)
	}
	return env.Status, body
}

func TestRunServesSeveralAccounts(t *testing.T) {
	t.Setenv(accountsEnv, "env-a:env-secret-a,env-b:env-secret-b")
	s := start(t)
	for _, k := range []string{"env-a", "env-b"} {
		if status, body := signedGet(t, s.base+"/flow/list", k, strings.Replace(k, "env-", "env-secret-", 1)); status != "0" {
			t.Fatalf("%s: %s", k, body)
		}
	}
	if status, _ := signedGet(t, s.base+"/flow/list", "env-a", "env-secret-b"); status != "-1" {
		t.Fatalf("another account's secret: %s", status)
	}
	if !strings.Contains(s.stderr.String(), `the accounts of API keys "env-a", "env-b"`) || strings.Contains(s.stderr.String(), "env-secret") {
		t.Fatalf("the start-up line:\n%s", s.stderr.String())
	}
	t.Run("flags over the variable", func(t *testing.T) {
		s := start(t, "-account", "flag-a:flag-secret")
		if status, _ := signedGet(t, s.base+"/flow/list", "flag-a", "flag-secret"); status != "0" {
			t.Fatal("the -account account")
		}
		if status, _ := signedGet(t, s.base+"/flow/list", "env-a", "env-secret-a"); status != "-1" {
			t.Fatal("the variable's account too")
		}
	})
}

func TestRunOpenAccounts(t *testing.T) {
	s := start(t, "-open-accounts", "-secret", "shared")
	for _, k := range []string{"job-1", "job-2"} {
		if status, body := signedGet(t, s.base+"/flow/list", k, "shared"); status != "0" || !strings.Contains(string(body), `"data":[]`) {
			t.Fatalf("%s: %s", k, body)
		}
	}
	if status, _ := signedGet(t, s.base+"/flow/list", "job-3", "not-shared"); status != "-1" {
		t.Fatal("a wrong secret opened an account")
	}
	if !strings.Contains(s.stderr.String(), "open accounts") {
		t.Fatalf("the start-up line:\n%s", s.stderr.String())
	}
}

// A state file that holds accounts the sandbox is not started with is
// said at start, naming them.
func TestRunSaysWhichAccountsTheStateFileHolds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	srv, err := sandbox.New(sandbox.Options{OpenAccounts: true, SharedSecret: "shared", StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"job-B", "job-A"} {
		if _, err := srv.AddFlow(k, sandbox.Flow{Name: "left-behind", Flow: []sandbox.Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	s := start(t, "-key", "a", "-secret", "secret-a", "-state", path)
	if !strings.Contains(s.stderr.String(), "the state file holds accounts it was not started with: job-A, job-B") {
		t.Fatalf("the start did not say so:\n%s", s.stderr.String())
	}
}

// The start says whether a state file keeps the accounts, and how many it
// held (the trial's finding 10: a sandbox started without -state, or from
// an old file, said nothing of it); in the singular for one.
//
// Each start is a subtest of its own, so that each sandbox has stopped
// before the next reads its state file.
func TestRunSaysWhetherAStateFileIsUsed(t *testing.T) {
	t.Run("no state file", func(t *testing.T) {
		if s := start(t, "-key", "a", "-secret", "secret-a"); !strings.Contains(s.stderr.String(), "otp-sandbox: no state file (-state): every account is in memory only") {
			t.Fatalf("a start without -state:\n%s", s.stderr.String())
		}
	})
	path := filepath.Join(t.TempDir(), "state.json")
	args := []string{"-open-accounts", "-secret", "shared", "-state", path}
	t.Run("a new file", func(t *testing.T) {
		s := start(t, args...)
		if !strings.Contains(s.stderr.String(), "otp-sandbox: state file "+path+": it held no account") {
			t.Fatalf("a start with a new state file:\n%s", s.stderr.String())
		}
		signedPost(t, s.base+"/flow/add", "job-1", "shared", `{"name":"kept","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`)
	})
	t.Run("one account", func(t *testing.T) {
		s := start(t, args...)
		if !strings.Contains(s.stderr.String(), "otp-sandbox: state file "+path+": loaded 1 account from it") {
			t.Fatalf("a start with a state file of one account:\n%s", s.stderr.String())
		}
		signedPost(t, s.base+"/flow/add", "job-2", "shared", `{"name":"kept","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`)
	})
	t.Run("two accounts", func(t *testing.T) {
		if s := start(t, args...); !strings.Contains(s.stderr.String(), "otp-sandbox: state file "+path+": loaded 2 accounts from it") {
			t.Fatalf("a start with a state file of two accounts:\n%s", s.stderr.String())
		}
	})
}

// SIGTERM answers an open wait on the messages with what it has, and the
// sandbox exits 0 at once. (Before, it waited 5 s for the wait, cut it
// with an empty reply, and exited 1.)
func TestSIGTERMAnswersTheWaitsAndExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and stops a sandbox process")
	}
	bin := filepath.Join(t.TempDir(), "otp-sandbox")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	child := startChild(t, bin, dir, filepath.Join(dir, "state.json"), map[string]string{"term-a": "secret-a"})
	answer := make(chan string, 1)
	go func() {
		raw, err := child.control("GET", "/_sandbox/messages?wait=60", "term-a", nil, http.StatusOK)
		if err != nil {
			answer <- err.Error()
			return
		}
		answer <- strings.TrimSpace(string(raw))
	}()
	time.Sleep(300 * time.Millisecond) // the wait is open
	begin := time.Now()
	child.stop(t, syscall.SIGTERM) // fails unless it exits 0
	if got := <-answer; got != "[]" {
		t.Fatalf("the open wait was answered %q, want []", got)
	}
	if took := time.Since(begin); took > 4*time.Second {
		t.Fatalf("the stop took %s", took)
	}
}
