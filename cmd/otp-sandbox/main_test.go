package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/apicheck"
	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

func TestWindowFlag(t *testing.T) {
	for in, want := range map[string]time.Duration{"300": 300 * time.Second, "5m": 5 * time.Minute, "90s": 90 * time.Second} {
		var w windowFlag
		if err := w.Set(in); err != nil || time.Duration(w) != want {
			t.Errorf("Set(%q) = %v, %v; want %v", in, time.Duration(w), err, want)
		}
	}
	for _, bad := range []string{"", "abc", "0", "-5", "-1m"} {
		var w windowFlag
		if err := w.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}

func TestRunRejectsHalfTheCredentials(t *testing.T) {
	t.Setenv("OTP_API_KEY", "")
	t.Setenv("OTP_API_SECRET", "")
	err := run(t.Context(), []string{"-key", "only-a-key", "-listen", "127.0.0.1:0"}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "-key (or OTP_API_KEY) is given without a secret") {
		t.Fatalf("got %v", err)
	}
}

func TestRunReportsACorruptStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(t.Context(), []string{"-state", path, "-listen", "127.0.0.1:0", "-key", "k", "-secret", "s"}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "cannot be loaded") {
		t.Fatalf("got %v", err)
	}
}

func TestHelpExplainsTheControlToken(t *testing.T) {
	var out syncBuffer
	if err := run(t.Context(), []string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"-control-token", "-token-file", `"Authorization: Bearer <token>"`, "$OTP_SANDBOX_CONTROL_TOKEN", "/_sandbox/", "0600"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the help does not mention %s:\n%s", want, out.String())
		}
	}
}

func TestControlToken(t *testing.T) {
	t.Run("generated and printed", func(t *testing.T) {
		t.Setenv(controlTokenEnv, "")
		s := start(t)
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(s.token) {
			t.Fatalf("token %q is not 32 hex characters", s.token)
		}
		if !strings.Contains(s.stderr.String(), "generated token: "+s.token) {
			t.Fatalf("the generated token was not printed:\n%s", s.stderr.String())
		}
		s.checkControl(t)
	})
	t.Run("from the environment, not printed", func(t *testing.T) {
		t.Setenv(controlTokenEnv, "token-from-env")
		s := start(t)
		if s.token != "token-from-env" || strings.Contains(s.stderr.String(), "token-from-env") {
			t.Fatalf("token %q, stderr:\n%s", s.token, s.stderr.String())
		}
		s.checkControl(t)
	})
	t.Run("from the flag, over the environment", func(t *testing.T) {
		t.Setenv(controlTokenEnv, "token-from-env")
		s := start(t, "-control-token", "token-from-flag")
		if s.token != "token-from-flag" || strings.Contains(s.stderr.String(), "token-from-flag") {
			t.Fatalf("token %q, stderr:\n%s", s.token, s.stderr.String())
		}
		s.checkControl(t)
	})
}

type started struct {
	base, token string
	stderr      *syncBuffer
}

// start runs the command on a free port until the test ends.
func start(t *testing.T, args ...string) started {
	t.Helper()
	t.Setenv("OTP_API_KEY", "")
	t.Setenv("OTP_API_SECRET", "")
	dir := t.TempDir()
	addrFile, tokenFile := filepath.Join(dir, "addr"), filepath.Join(dir, "token")
	// An existing token file that others may read becomes private.
	if err := os.WriteFile(tokenFile, []byte("stale\n"), 0o644); err != nil { //nolint:gosec // on purpose
		t.Fatal(err)
	}
	// Every request and answer is checked against the OpenAPI document.
	checked := func(srv *sandbox.Server) http.Handler {
		return apicheck.Handler(t, sandbox.OpenAPI(srv.Prefix(), sandbox.DefaultURL), srv.Prefix(), srv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- runServing(ctx, append([]string{"-listen", "127.0.0.1:0", "-addr-file", addrFile, "-token-file", tokenFile, "-quiet"}, args...), stderr, checked)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if !strings.Contains(stderr.String(), "otp-sandbox: stopped") {
			t.Errorf("no clean stop:\n%s", stderr.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			token, err := os.ReadFile(tokenFile)
			if err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(tokenFile); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("token file mode %v, %v", fi.Mode(), err)
			}
			if !strings.Contains(stderr.String(), `requires "Authorization: Bearer <token>"`) {
				t.Fatalf("stderr does not say how to use the control surface:\n%s", stderr.String())
			}
			return started{base: strings.TrimSpace(string(b)), token: strings.TrimSpace(string(token)), stderr: stderr}
		}
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox did not start:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s started) checkControl(t *testing.T) {
	t.Helper()
	control := strings.TrimSuffix(s.base, "/otp") + "/_sandbox/requests"
	for auth, want := range map[string]int{"": 401, "Bearer wrong": 401, "Bearer " + s.token: 200} {
		req, _ := http.NewRequest("GET", control, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Authorization %q: HTTP %d, want %d", auth, resp.StatusCode, want)
		}
	}
}

// syncBuffer is written by the command's goroutine and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
