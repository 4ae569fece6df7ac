package sandbox

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ErrNotFound is returned (wrapped, naming the kind and id) by the Edit and
// Delete methods for an id no account has. One sentinel serves every kind:
// errors.Is(err, ErrNotFound).
var ErrNotFound = errors.New("sandbox: no such object")

// ErrInUse is returned (wrapped) by DeleteApp for an app that templates
// still use.
var ErrInUse = errors.New("sandbox: still in use")

// Reset forgets every object, counter and fault, and saves the empty state.
// Ids start over, as in a new account.
func (s *Server) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = newState()
	s.counts = map[string]int{}
	s.agents = map[string]bool{}
	s.setFaultsLocked(Faults{})
	return s.persistLocked()
}

// Counts returns the number of requests each vendor route has received
// (every request, including refused and faulted ones), by route name
// (RouteFlowAdd...).
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// Total is the number of requests all vendor routes have received.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.counts {
		n += v
	}
	return n
}

// ResetCounts zeroes the request counters and forgets the user agents.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
	s.agents = map[string]bool{}
}

// UserAgents returns the distinct User-Agent headers seen since the last
// reset, sorted.
func (s *Server) UserAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.agents))
}

// SetFaults replaces the fault configuration and restarts its limits and
// random draws.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(f)
}

// CurrentFaults returns the fault configuration.
func (s *Server) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	f.Routes = slices.Clone(f.Routes)
	return f
}

func (s *Server) setFaultsLocked(f Faults) {
	seed := f.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	f.Routes = slices.Clone(f.Routes)
	s.faults = f
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))   //nolint:gosec // fault draws, not security
	s.idRNG = rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed)) //nolint:gosec // ids, not secrets
	s.injects = map[string]int{}
}

// Injected returns how many faults of each kind were injected since the
// faults were last set.
func (s *Server) Injected() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.injects)
}

// The console operations every kind shares; each kind's file wraps them in
// typed methods.

func (k *kind[T]) all(s *Server, key string) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return k.list(s.state, key)
}

func (k *kind[T]) consoleAdd(s *Server, key string, obj T) (T, error) {
	var zero T
	if _, known := s.opts.Accounts[key]; !known {
		return zero, fmt.Errorf("sandbox: unknown API key %q", key)
	}
	if k.zero != nil {
		k.zero(&obj)
	}
	obj, err := k.validate(obj)
	if err != nil {
		return zero, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return k.insert(s, key, obj, now)
}

// consoleEdit runs edit on a copy of an object of any account, under the
// lock, so that no other change comes in between; what edit cannot change
// (the id, the fixed fields) it is put back before validation.
func (k *kind[T]) consoleEdit(s *Server, id string, edit func(*T) error) (T, error) {
	var zero T
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	key, i, found := k.locate(s.state, id)
	if !found {
		return zero, k.notFound(id)
	}
	old := k.coll(s.state).Accounts[key][i]
	next := clone(old)
	if err := edit(&next); err != nil {
		return zero, err
	}
	k.setID(&next, id)
	if k.keep != nil {
		k.keep(&next, &old, now)
	}
	valid, err := k.validate(next)
	if err != nil {
		return zero, err
	}
	return k.replace(s, key, id, valid, now)
}

func (k *kind[T]) consoleDelete(s *Server, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return k.remove(s, id)
}

func plain[T any](edit func(*T)) func(*T) error {
	return func(obj *T) error { edit(obj); return nil }
}

// patch applies a partial object in API field names: the fields it names
// replace the object's, the others stay. It decodes as strictly as the
// rest of the control surface.
func (k *kind[T]) patch(obj *T, fields map[string]json.RawMessage) error {
	cur, err := json.Marshal(*obj)
	if err != nil {
		return err
	}
	var merged map[string]json.RawMessage
	if err := json.Unmarshal(cur, &merged); err != nil {
		return err
	}
	for _, field := range slices.Sorted(maps.Keys(fields)) {
		if _, known := merged[field]; !known {
			return fmt.Errorf("sandbox: a %s has no field %q", k.one, field)
		}
		if field == k.idField || slices.Contains(k.fixed, field) {
			return fmt.Errorf("sandbox: a %s's %s cannot change", k.one, field)
		}
		merged[field] = fields[field]
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	var next T
	if err := decodeStrict(bytes.NewReader(b), &next); err != nil {
		return err
	}
	*obj = next
	return nil
}

// controlRoutes mounts the control surface under /_sandbox/, away from the
// vendor paths, so that nothing a client does by mistake can reach it; and
// behind the control token, so that nothing on the network can either.
func (s *Server) controlRoutes(m *http.ServeMux) {
	m.Handle("POST /_sandbox/reset", s.control(func(w http.ResponseWriter, _ *http.Request) {
		if err := s.Reset(); err != nil {
			controlError(w, http.StatusInternalServerError, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	m.Handle("GET /_sandbox/requests", s.control(func(w http.ResponseWriter, _ *http.Request) {
		controlJSON(w, http.StatusOK, map[string]any{"counts": s.Counts(), "total": s.Total(), "faultsInjected": s.Injected()})
	}))
	m.Handle("DELETE /_sandbox/requests", s.control(func(w http.ResponseWriter, _ *http.Request) {
		s.ResetCounts()
		w.WriteHeader(http.StatusNoContent)
	}))
	m.Handle("GET /_sandbox/faults", s.control(func(w http.ResponseWriter, _ *http.Request) {
		controlJSON(w, http.StatusOK, s.CurrentFaults())
	}))
	m.Handle("PUT /_sandbox/faults", s.control(func(w http.ResponseWriter, r *http.Request) {
		var f Faults
		if err := decodeStrict(r.Body, &f); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		if err := checkFaults(f); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		s.SetFaults(f)
		controlJSON(w, http.StatusOK, f)
	}))
	for _, k := range kinds {
		k.mountControl(s, m)
	}
}

func checkFaults(f Faults) error {
	for _, r := range []float64{f.SystemErrorRate, f.BadGatewayRate, f.DropCreateRate, f.DropUpdateRate} {
		if r < 0 || r > 1 {
			return errors.New("rates must be between 0 and 1")
		}
	}
	if f.LatencyMS < 0 || f.Limit < 0 {
		return errors.New("latencyMs and limit must not be negative")
	}
	known := routeNames()
	for _, r := range f.Routes {
		if !slices.Contains(known, r) {
			return fmt.Errorf("unknown route %q; the routes are %s", r, strings.Join(known, ", "))
		}
	}
	return nil
}

// mountControl mounts a kind's console: list and add per account, edit
// and delete by id.
func (k *kind[T]) mountControl(s *Server, m *http.ServeMux) {
	base := "/_sandbox/" + k.many
	m.Handle("GET "+base, s.control(func(w http.ResponseWriter, r *http.Request) {
		key, err := s.controlKey(r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		controlJSON(w, http.StatusOK, k.all(s, key))
	}))
	m.Handle("POST "+base, s.control(func(w http.ResponseWriter, r *http.Request) {
		key, err := s.controlKey(r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		var obj T
		if err := decodeStrict(r.Body, &obj); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		created, err := k.consoleAdd(s, key, obj)
		if err != nil {
			controlError(w, consoleStatus(err), err)
			return
		}
		controlJSON(w, http.StatusCreated, created)
	}))
	m.Handle("PATCH "+base+"/{id}", s.control(func(w http.ResponseWriter, r *http.Request) {
		id, valid := k.ids.parse(r.PathValue("id"))
		if !valid {
			controlError(w, http.StatusBadRequest, fmt.Errorf("the %s %s", k.idField, k.ids.rule()))
			return
		}
		var fields map[string]json.RawMessage
		if err := decodeStrict(r.Body, &fields); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		if fields == nil {
			controlError(w, http.StatusBadRequest, fmt.Errorf("the body must be a JSON object of %s fields", k.one))
			return
		}
		edited, err := k.consoleEdit(s, id, func(obj *T) error { return k.patch(obj, fields) })
		if err != nil {
			controlError(w, consoleStatus(err), err)
			return
		}
		controlJSON(w, http.StatusOK, edited)
	}))
	m.Handle("DELETE "+base+"/{id}", s.control(func(w http.ResponseWriter, r *http.Request) {
		id, valid := k.ids.parse(r.PathValue("id"))
		if !valid {
			controlError(w, http.StatusBadRequest, fmt.Errorf("the %s %s", k.idField, k.ids.rule()))
			return
		}
		if err := k.consoleDelete(s, id); err != nil {
			controlError(w, consoleStatus(err), err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
}

// control guards a control route with the control token.
func (s *Server) control(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.ControlToken == "" {
			controlError(w, http.StatusForbidden, errors.New("the control surface is disabled: start the sandbox with a control token (Options.ControlToken; otp-sandbox -control-token or $OTP_SANDBOX_CONTROL_TOKEN) to enable it"))
			return
		}
		if !tokenMatches(r.Header.Get("Authorization"), s.opts.ControlToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="otp-sandbox control"`)
			controlError(w, http.StatusUnauthorized, errors.New(`the control surface requires the header "Authorization: Bearer <control token>"`))
			return
		}
		h(w, r)
	})
}

// tokenMatches compares in constant time; hashing first hides the lengths too.
func tokenMatches(header, token string) bool {
	const scheme = "Bearer "
	if len(header) < len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return false
	}
	got, want := sha256.Sum256([]byte(header[len(scheme):])), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

func consoleStatus(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrInUse):
		return http.StatusConflict
	case errors.Is(err, errNotSaved):
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

// controlKey picks the account a control request means: the key query
// parameter, or the only account when there is one.
func (s *Server) controlKey(r *http.Request) (string, error) {
	if key := r.URL.Query().Get("key"); key != "" {
		if _, known := s.opts.Accounts[key]; !known {
			return "", fmt.Errorf("unknown API key %q", key)
		}
		return key, nil
	}
	if len(s.opts.Accounts) == 1 {
		for key := range s.opts.Accounts {
			return key, nil
		}
	}
	return "", errors.New("several accounts exist: name one with ?key=")
}

func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	return nil
}

func controlJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "<token>" reads better than "\u003ctoken\u003e" in a terminal
	_ = enc.Encode(v)
}

func controlError(w http.ResponseWriter, status int, err error) {
	controlJSON(w, status, map[string]string{"error": err.Error()})
}
