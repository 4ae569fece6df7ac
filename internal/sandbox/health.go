package sandbox

import (
	"net/http"
	"sync/atomic"
)

// The health route: whether the sandbox serves, and whether its state file
// takes its changes.

// HealthPath is where the sandbox says whether it serves. It needs no
// control token: whatever probes it (a container's health check, a
// Kubernetes probe, a CI job waiting for its service) holds none, and the
// answer tells nothing of any account.
const HealthPath = "/_sandbox/health"

// Health is the answer of GET /_sandbox/health.
type Health struct {
	// Status is "serving", or "failing" when the state file's last write
	// (or sync) failed: the sandbox then answers every change -18 (500 on
	// the control surface), so it is not healthy, though it serves.
	Status    string          `json:"status"`
	StateFile StateFileHealth `json:"stateFile"`
}

// StateFileHealth is what the sandbox knows of its state file.
type StateFileHealth struct {
	InUse bool   `json:"inUse"`
	Path  string `json:"path,omitempty"`
	// LastWrite is "ok" or "failed" for the last change written since the
	// start, "none" before the first; empty without a state file.
	LastWrite string `json:"lastWrite,omitempty"`
	// Error is why the last write, or the last sync to disk, failed.
	Error string `json:"error,omitempty"`
}

// fileHealth is the outcome of the journal's last write and last sync,
// set by the writer and the syncer and read by the health route without
// waiting for either.
type fileHealth struct {
	written  atomic.Bool
	writeErr atomic.Pointer[string] // nil once a write succeeds
	syncErr  atomic.Pointer[string] // nil once a sync succeeds
}

func (h *fileHealth) wrote(err error) {
	h.written.Store(true)
	h.writeErr.Store(errText(err))
}

func (h *fileHealth) synced(err error) { h.syncErr.Store(errText(err)) }

func errText(err error) *string {
	if err == nil {
		return nil
	}
	s := err.Error()
	return &s
}

// Health reports whether the sandbox can serve and save.
func (s *Server) Health() Health {
	h := Health{Status: "serving"}
	j := s.journal
	if j == nil {
		return h
	}
	h.StateFile = StateFileHealth{InUse: true, Path: j.path, LastWrite: "none"}
	if j.health.written.Load() {
		h.StateFile.LastWrite = "ok"
	}
	if e := j.health.writeErr.Load(); e != nil {
		h.Status, h.StateFile.LastWrite, h.StateFile.Error = "failing", "failed", *e
	} else if e := j.health.syncErr.Load(); e != nil {
		h.Status, h.StateFile.Error = "failing", "syncing to disk: "+*e
	}
	return h
}

// healthRoute is the one route of the control surface without the token
// or an account. It answers 503 while the state file cannot be written,
// so that a probe's failure says what a client would meet on its next
// change.
func healthRoute() route {
	return route{Route: Route{
		Method: "GET", Path: HealthPath, Auth: AuthNone,
		Does: "Whether the sandbox serves, and what it knows of its state file. Needs no token and no key: for health checks " +
			"(otp-sandbox -health probes it, for containers that have no shell).",
		Replies: []Reply{
			replies(http.StatusOK, `{"status": "serving", "stateFile": {"inUse": <bool>, "path": "<file>", "lastWrite": "ok"}}; `+
				`lastWrite is "none" before the first change, and path and lastWrite are left out without a state file`, Health{}),
			replies(http.StatusServiceUnavailable, `and {"status": "failing", "stateFile": {…, "lastWrite": "failed", "error": "<why>"}} `+
				"while the last write (or sync to disk) of the state file failed (every change fails too, until a write succeeds again)", Health{}),
		},
	}, plain: func(s *Server, w http.ResponseWriter, _ *http.Request) {
		h := s.Health()
		status := http.StatusOK
		if h.Status != "serving" {
			status = http.StatusServiceUnavailable
		}
		controlJSON(w, status, h)
	}}
}
