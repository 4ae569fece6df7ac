package sandbox

import (
	"encoding/json"
	"net/http"
	"testing"
)

// health asks GET /_sandbox/health as a probe does: with no token.
func (e *env) health(auth string) (int, Health) {
	e.t.Helper()
	status, raw, _ := e.controlAuth(auth, "GET", HealthPath, "")
	var h Health
	if err := json.Unmarshal(raw, &h); err != nil {
		e.t.Fatalf("GET %s: HTTP %d, not a health answer: %s", HealthPath, status, raw)
	}
	return status, h
}

// The probe of a container holds no token; a wrong one is no reason to
// answer otherwise.
func TestHealthNeedsNoToken(t *testing.T) {
	e := newEnv(t)
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + controlToken} {
		if status, h := e.health(auth); status != http.StatusOK || h != (Health{Status: "serving"}) {
			t.Errorf("Authorization %q: HTTP %d %+v", auth, status, h)
		}
	}
	req, _ := http.NewRequest("HEAD", e.hs.URL+HealthPath, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD: HTTP %d", resp.StatusCode)
	}
	// Nor is a sandbox without a control surface.
	off := newEnv(t, func(o *Options) { o.ControlToken = "" })
	if status, _ := off.health(""); status != http.StatusOK {
		t.Errorf("without a control token: HTTP %d", status)
	}
}

// It is about no account: a key in the query opens none, even where any
// key would.
func TestHealthOpensNoAccount(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.OpenAccounts, o.SharedSecret = true, "shared" })
	before := len(e.srv.accounts)
	if status, _, _ := e.controlAuth("", "GET", HealthPath+"?key=job-typo", ""); status != http.StatusOK {
		t.Fatalf("HTTP %d", status)
	}
	if len(e.srv.accounts) != before {
		t.Fatal("the health check opened an account")
	}
}

// The state file's status follows its writes: none yet, ok, failed (503,
// with the reason) and ok again once a write succeeds.
func TestHealthReportsTheStateFile(t *testing.T) {
	path := statePath(t)
	e := newEnv(t, withState(path))
	if status, h := e.health(""); status != http.StatusOK || h.StateFile != (StateFileHealth{InUse: true, Path: path, LastWrite: "none"}) {
		t.Fatalf("at start: HTTP %d %+v", status, h)
	}
	e.newFlow("health-1")
	if status, h := e.health(""); status != http.StatusOK || h.Status != "serving" || h.StateFile.LastWrite != "ok" {
		t.Fatalf("after a change: HTTP %d %+v", status, h)
	}

	// A file that refuses writes, as a full or failed disk would.
	e.failAt(failAppend)
	wantRefused(t, e.call("POST", "/otp/flow/add", validFlow, nil), "-18", "")
	status, h := e.health("")
	if status != http.StatusServiceUnavailable || h.Status != "failing" || h.StateFile.LastWrite != "failed" || h.StateFile.Error == "" {
		t.Fatalf("after a failed write: HTTP %d %+v", status, h)
	}

	e.srv.journal.failHook.Store(nil)
	e.newFlow("health-2")
	if status, h := e.health(""); status != http.StatusOK || h.StateFile.LastWrite != "ok" || h.StateFile.Error != "" {
		t.Fatalf("after a write succeeded again: HTTP %d %+v", status, h)
	}
}
