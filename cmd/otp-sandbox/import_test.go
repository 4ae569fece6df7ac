package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func signedPost(t *testing.T, url, key, secret, body string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	signRequest(req, key, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); !strings.Contains(string(b), `"status":"0"`) {
		t.Fatalf("POST %s: %s", url, b)
	}
}

func (s started) control(t *testing.T, method, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest(method, strings.TrimSuffix(s.base, "/otp")+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, b)
	}
	return b
}

// -import seeds an account at start from an export, into a new state file;
// a restart with the same flags keeps what the state file saved since,
// rather than going back to the export.
func TestImportAtStart(t *testing.T) {
	flow := func(name string) string {
		return `{"name":"` + name + `","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`
	}
	seed := start(t, "-open-accounts", "-secret", "shared")
	signedPost(t, seed.base+"/flow/add", "seed-key", "shared", flow("seeded-flow"))
	file := filepath.Join(t.TempDir(), "seed.json")
	doc := seed.control(t, "GET", "/_sandbox/export?key=seed-key")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}

	state := filepath.Join(t.TempDir(), "state.json")
	args := []string{"-open-accounts", "-secret", "shared", "-state", state, "-import", file}
	t.Run("first start", func(t *testing.T) { // stopped at its end, before the restart
		first := start(t, args...)
		if got := first.control(t, "GET", "/_sandbox/export?key=seed-key"); string(got) != string(doc) {
			t.Fatalf("the imported account's export:\n%s\nwant\n%s", got, doc)
		}
		if !strings.Contains(first.stderr.String(), "-import "+file+": account seed-key: 1 flow, 0 apps, 0 templates, 0 verifications, 0 numbers\n") {
			t.Fatalf("the start does not say what it imported:\n%s", first.stderr.String())
		}
		signedPost(t, first.base+"/flow/add", "seed-key", "shared", flow("added-since"))
	})

	again := start(t, args...)
	if _, body := signedGet(t, again.base+"/flow/list", "seed-key", "shared"); !strings.Contains(string(body), "added-since") {
		t.Fatalf("a restart with -import undid a saved change: %s", body)
	}
	if !strings.Contains(again.stderr.String(), "account seed-key is in the state file already, and is kept as it is") {
		t.Fatalf("the restart does not say it kept the account:\n%s", again.stderr.String())
	}

	// An account the sandbox does not have, without open accounts: said.
	err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-key", "k", "-secret", "s", "-import", file}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "-account seed-key:SECRET, or -open-accounts") {
		t.Fatalf("an import into no account: %v", err)
	}
}
