package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The program serves the web inbox at its root and says where at start.
func TestTheProgramServesTheInbox(t *testing.T) {
	s := start(t)
	root := strings.TrimSuffix(s.base, "/otp") + "/"
	resp, err := http.Get(root) //nolint:noctx // a test
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") || !strings.Contains(string(page), `src="/inbox/inbox.js"`) {
		t.Fatalf("GET %s: %d %v\n%s", root, resp.StatusCode, resp.Header, page)
	}
	if !strings.Contains(s.stderr.String(), "otp-sandbox: web inbox at "+root+" (sign in with the control token") {
		t.Fatalf("the start does not say where the inbox is:\n%s", s.stderr.String())
	}
}
