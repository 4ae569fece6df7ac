package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// ErrNoSuchFlow is returned by the control methods for an unknown id.
var ErrNoSuchFlow = errors.New("sandbox: no such flow")

// Reset forgets every flow, counter and fault, and saves the empty state.
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
// (every request, including refused and faulted ones).
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

// SetFaults replaces the fault configuration and restarts its limit.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(f)
}

// CurrentFaults returns the fault configuration.
func (s *Server) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

func (s *Server) setFaultsLocked(f Faults) {
	seed := f.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	s.faults = f
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // fault draws, not security
	s.injects = map[string]int{}
}

// Injected returns how many faults of each kind were injected since the
// faults were last set.
func (s *Server) Injected() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.injects)
}

// Flows returns an account's flows ordered by id.
func (s *Server) Flows(key string) []Flow {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.list(key)
}

// AddFlow stores a flow out of band (as the vendor console would), with the
// API's validation and name rule, and returns it with its id.
func (s *Server) AddFlow(key string, f Flow) (Flow, error) {
	if _, known := s.opts.Accounts[key]; !known {
		return Flow{}, fmt.Errorf("sandbox: unknown API key %q", key)
	}
	if err := checkFlow(f); err != nil {
		return Flow{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, taken := s.state.nameTaken(key, f.Name, 0); taken {
		return Flow{}, fmt.Errorf("sandbox: the name %q is taken by flow %d", f.Name, id)
	}
	f.FlowID = s.state.NextID
	s.state.NextID++
	s.state.Accounts[key] = append(s.state.Accounts[key], f.clone())
	if err := s.persistLocked(); err != nil {
		s.state.NextID--
		s.state.Accounts[key] = s.state.Accounts[key][:len(s.state.Accounts[key])-1]
		return Flow{}, err
	}
	return f.clone(), nil
}

// EditFlow changes a flow out of band, as the vendor console would; the
// edit sees a copy and the result is validated before it is stored.
func (s *Server) EditFlow(id int64, edit func(*Flow)) (Flow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, flows := range s.state.Accounts {
		for i, f := range flows {
			if f.FlowID != id {
				continue
			}
			next := f.clone()
			edit(&next)
			next.FlowID = id
			if err := checkFlow(next); err != nil {
				return Flow{}, err
			}
			if other, taken := s.state.nameTaken(key, next.Name, id); taken {
				return Flow{}, fmt.Errorf("sandbox: the name %q is taken by flow %d", next.Name, other)
			}
			flows[i] = next
			if err := s.persistLocked(); err != nil {
				flows[i] = f
				return Flow{}, err
			}
			return next.clone(), nil
		}
	}
	return Flow{}, ErrNoSuchFlow
}

// DeleteFlow removes a flow out of band. The vendor API cannot do this;
// only its web console can, and this plays that console.
func (s *Server) DeleteFlow(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, flows := range s.state.Accounts {
		for i, f := range flows {
			if f.FlowID != id {
				continue
			}
			s.state.Accounts[key] = append(flows[:i:i], flows[i+1:]...)
			if err := s.persistLocked(); err != nil {
				s.state.Accounts[key] = flows
				return err
			}
			return nil
		}
	}
	return ErrNoSuchFlow
}

// checkFlow applies the API's validation to a flow built in Go, by
// round-tripping it through the same parser the endpoints use.
func checkFlow(f Flow) error {
	body, err := json.Marshal(map[string]any{"name": f.Name, "flow": f.Flow})
	if err != nil {
		return err
	}
	if _, _, reason := parseFlowBody(body); reason != "" {
		return fmt.Errorf("sandbox: invalid flow: %s", reason)
	}
	return nil
}

// controlRoutes mounts the control surface under /_sandbox/, away from the
// vendor paths, so that nothing a client does by mistake can reach it.
func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sandbox/reset", func(w http.ResponseWriter, _ *http.Request) {
		if err := s.Reset(); err != nil {
			controlError(w, http.StatusInternalServerError, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sandbox/requests", func(w http.ResponseWriter, _ *http.Request) {
		controlJSON(w, map[string]any{"counts": s.Counts(), "total": s.Total(), "faultsInjected": s.Injected()})
	})
	m.HandleFunc("DELETE /_sandbox/requests", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetCounts()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, _ *http.Request) {
		controlJSON(w, s.CurrentFaults())
	})
	m.HandleFunc("PUT /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Faults
		if err := decodeStrict(r.Body, &f); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		if f.LatencyMS < 0 || f.Limit < 0 || !rate(f.SystemErrorRate) || !rate(f.BadGatewayRate) || !rate(f.DropCreateRate) {
			controlError(w, http.StatusBadRequest, errors.New("rates must be between 0 and 1; latencyMs and limit must not be negative"))
			return
		}
		s.SetFaults(f)
		controlJSON(w, f)
	})
	m.HandleFunc("GET /_sandbox/flows", func(w http.ResponseWriter, r *http.Request) {
		key, err := s.controlKey(r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		controlJSON(w, s.Flows(key))
	})
	m.HandleFunc("POST /_sandbox/flows", func(w http.ResponseWriter, r *http.Request) {
		key, err := s.controlKey(r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		var f Flow
		if err := decodeStrict(r.Body, &f); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		created, err := s.AddFlow(key, f)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(created)
	})
	m.HandleFunc("PATCH /_sandbox/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			controlError(w, http.StatusBadRequest, errors.New("the flow id must be an integer"))
			return
		}
		var patch struct {
			Name *string `json:"name"`
			Flow []Node  `json:"flow"`
		}
		if err := decodeStrict(r.Body, &patch); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		f, err := s.EditFlow(id, func(f *Flow) {
			if patch.Name != nil {
				f.Name = *patch.Name
			}
			if patch.Flow != nil {
				f.Flow = patch.Flow
			}
		})
		switch {
		case errors.Is(err, ErrNoSuchFlow):
			controlError(w, http.StatusNotFound, err)
		case err != nil:
			controlError(w, http.StatusBadRequest, err)
		default:
			controlJSON(w, f)
		}
	})
	m.HandleFunc("DELETE /_sandbox/flows/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			controlError(w, http.StatusBadRequest, errors.New("the flow id must be an integer"))
			return
		}
		switch err := s.DeleteFlow(id); {
		case errors.Is(err, ErrNoSuchFlow):
			controlError(w, http.StatusNotFound, err)
		case err != nil:
			controlError(w, http.StatusInternalServerError, err)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
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

func rate(v float64) bool { return v >= 0 && v <= 1 }

func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	return nil
}

func controlJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func controlError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
