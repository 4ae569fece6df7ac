package main

import (
	"os"
	"strings"
	"testing"
	"time"
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
	err := run([]string{"-key", "only-a-key", "-listen", "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "give both an API key and a secret") {
		t.Fatalf("got %v", err)
	}
}

func TestRunReportsACorruptStateFile(t *testing.T) {
	path := t.TempDir() + "/state.json"
	if err := writeFile(path, "{not json"); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"-state", path, "-listen", "127.0.0.1:0", "-key", "k", "-secret", "s"})
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("got %v", err)
	}
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
