package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestProbeAddress(t *testing.T) {
	for listen, want := range map[string]string{
		"0.0.0.0:8787":   "127.0.0.1:8787",
		":8787":          "127.0.0.1:8787",
		"[::]:8787":      "[::1]:8787",
		"127.0.0.1:9000": "127.0.0.1:9000",
		"sandbox:8787":   "sandbox:8787",
	} {
		if got, err := probeAddress(listen); err != nil || got != want {
			t.Errorf("probeAddress(%q) = %q, %v; want %q", listen, got, err, want)
		}
	}
	for _, bad := range []string{"127.0.0.1:0", "8787", ""} {
		if _, err := probeAddress(bad); err == nil {
			t.Errorf("probeAddress(%q) accepted", bad)
		}
	}
}

// -health as a container runs it: the address from the variable the
// server reads too, one line, exit 0 (nil) while it serves and 1 (an
// error) once it is gone.
func TestHealthProbe(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	s := start(t, "-key", "k", "-secret", "s", "-state", state)
	u, err := url.Parse(s.base)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("OTP_SANDBOX_LISTEN", u.Host)
	var out syncBuffer
	if err := run(t.Context(), []string{"-health"}, &out); err != nil {
		t.Fatalf("-health against a serving sandbox: %v", err)
	}
	if got := out.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "healthy: GET http://"+u.Host+"/_sandbox/health: HTTP 200, serving; state file "+state+", last write none") {
		t.Fatalf("-health said %q", got)
	}

	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	err = run(t.Context(), []string{"-health", "-listen", closed}, &out)
	if err == nil || !strings.HasPrefix(err.Error(), "unhealthy: GET http://"+closed+"/_sandbox/health: dial tcp") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("-health against a closed port: %v", err)
	}
}

// A sandbox that cannot save, and something that is not a sandbox, fail
// the check with the reason.
func TestHealthProbeFailures(t *testing.T) {
	for name, c := range map[string]struct {
		status int
		body   string
		want   string
	}{
		"failing": {503, `{"status":"failing","stateFile":{"inUse":true,"path":"/data/state.json","lastWrite":"failed","error":"no space left on device"}}`,
			"HTTP 503, failing; state file /data/state.json, last write failed: no space left on device"},
		"not a sandbox": {404, "404 page not found\n", `answered HTTP 404, not an otp-sandbox health answer: "404 page not found"`},
	} {
		t.Run(name, func(t *testing.T) {
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer hs.Close()
			err := probe(t.Context(), strings.TrimPrefix(hs.URL, "http://"), &syncBuffer{})
			if err == nil || !strings.HasPrefix(err.Error(), "unhealthy: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}
