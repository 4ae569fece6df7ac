package sandbox

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Faults make the sandbox misbehave the ways a real network and vendor can.
// Every fault applies to every kind. They are an account's, set by a test
// and never saved: a restart starts without any.
type Faults struct {
	// LatencyMS is added before every vendor answer.
	LatencyMS int `json:"latencyMs"`
	// SystemErrorRate is the fraction of requests answered -18, before
	// anything is stored.
	SystemErrorRate float64 `json:"systemErrorRate"`
	// BadGatewayRate is the fraction of requests answered HTTP 502 with an
	// HTML page, as a proxy in front of the API would.
	BadGatewayRate float64 `json:"badGatewayRate"`
	// DropCreateRate is the fraction of successful creates (any add route)
	// whose object is stored but whose answer is lost: the connection is
	// closed without a response.
	DropCreateRate float64 `json:"dropCreateRate"`
	// DropUpdateRate is the same for updates: the update is applied, the
	// answer lost.
	DropUpdateRate float64 `json:"dropUpdateRate"`
	// Routes, when not empty, confines the -18 and 502 faults to these
	// routes (named as the counters name them, e.g. RouteFlowList). The drop
	// faults ignore it: each already has its own routes.
	Routes []string `json:"routes,omitempty"`
	// ClockSkewSeconds moves the account's signing clock (the timestamp
	// window, the Date header of its answers, apps' createTime).
	ClockSkewSeconds int64 `json:"clockSkewSeconds"`
	// Limit caps the injections of each kind (-18, 502, dropped create,
	// dropped update) separately; 0 means no cap. With a rate of 1 and a
	// limit of N, exactly the first N requests that could get a fault of
	// that kind get it, which makes tests deterministic.
	Limit int `json:"limit"`
	// Seed makes the random draws repeatable: which requests get faults,
	// and the app ids generated from then on; 0 picks one.
	Seed uint64 `json:"seed"`
}

// Fault kinds, as counted by Injected.
const (
	FaultSystemError = "systemError"
	FaultBadGateway  = "badGateway"
	FaultDropCreate  = "dropCreate"
	FaultDropUpdate  = "dropUpdate"
)

// faultKinds are the names Injected counts faults by.
var faultKinds = []string{FaultSystemError, FaultBadGateway, FaultDropCreate, FaultDropUpdate}

func (f Faults) targets(route string) bool {
	return len(f.Routes) == 0 || slices.Contains(f.Routes, route)
}

func (f Faults) skew() time.Duration { return time.Duration(f.ClockSkewSeconds) * time.Second }

// faultState is an account's faults with their random streams and
// injection counts; the account's lock guards it.
type faultState struct {
	faults   Faults
	rng      *rand.Rand     // fault draws
	idRNG    *rand.Rand     // app ids: a separate stream, so creating apps does not shift which requests fail
	injected map[string]int // by fault kind
}

func newFaultState(f Faults) faultState {
	seed := f.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	f.Routes = slices.Clone(f.Routes)
	return faultState{
		faults:   f,
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), //nolint:gosec // fault draws, not security
		idRNG:    rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed)), //nolint:gosec // ids, not secrets
		injected: map[string]int{},
	}
}

func (fs *faultState) current() Faults {
	f := fs.faults
	f.Routes = slices.Clone(f.Routes)
	return f
}

// draw says whether a fault of kind strikes, drawing against rate and
// honouring the limit of the fault's kind.
func (fs *faultState) draw(kind string, rate float64) bool {
	if rate <= 0 {
		return false
	}
	if fs.faults.Limit > 0 && fs.injected[kind] >= fs.faults.Limit {
		return false
	}
	if fs.rng.Float64() >= rate {
		return false
	}
	fs.injected[kind]++
	return true
}

// inject draws a fault of the account's (none without an account).
func (a *account) inject(kind string, rate float64) bool {
	if a == nil || rate <= 0 || !a.lock() {
		return false
	}
	defer a.mu.Unlock()
	return a.faults.draw(kind, rate)
}

// wait is the latency fault: it ends early when the client goes away
// (false) or the sandbox stops.
func (f Faults) wait(r *http.Request, stop <-chan struct{}) bool {
	if f.LatencyMS <= 0 {
		return true
	}
	t := time.NewTimer(time.Duration(f.LatencyMS) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-stop:
	case <-r.Context().Done():
		return false
	}
	return true
}

// writeBadGateway is the 502 fault's answer: a proxy's HTML page.
func writeBadGateway(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n")
}

// dropped says whether a successful change's answer is lost, by the drop
// fault of its route's operation.
func (a *account) dropped(o op, f Faults) bool {
	switch o {
	case opAdd:
		return a.inject(FaultDropCreate, f.DropCreateRate)
	case opUpdate:
		return a.inject(FaultDropUpdate, f.DropUpdateRate)
	}
	return false
}

// faultFields describes Faults in its JSON names; a test holds the two to
// each other.
func faultFields() []Field {
	names := routeNames()
	routes := make([]Choice, 0, len(names))
	for _, r := range names {
		routes = append(routes, Choice{Value: r})
	}
	rate := func(name, means string) Field { return field(name, TypeNumber).between(0, 1).means(means) }
	return []Field{
		field("latencyMs", TypeInteger).atLeast(0).means("milliseconds to wait before every vendor answer"),
		rate("systemErrorRate", "the fraction of vendor requests answered status -18 (with HTTP 200), before anything is stored"),
		rate("badGatewayRate", "the fraction of vendor requests answered HTTP 502 with an HTML page, as a proxy in front of the API would"),
		rate("dropCreateRate", "the fraction of successful adds (of any kind) whose object is stored but whose answer is lost: "+
			"the connection closes without a response"),
		rate("dropUpdateRate", "the same for updates: the update is applied, its answer lost"),
		field("routes", TypeArray).item(choice("", TypeString, routes...)).
			means("route names: when not empty, only these routes get the -18 and 502 faults (the drops ignore it: they have their own routes)"),
		field("clockSkewSeconds", TypeInteger).means("negative or positive: moves the account's clock by that many seconds " +
			"(for the timestamp check, the Date header and apps' createTime)"),
		field("limit", TypeInteger).atLeast(0).means("at most this many injections of each fault (" + strings.Join(faultKinds, ", ") +
			"), counted separately; 0 is no cap. With a rate of 1 and a limit of N, exactly the first N requests that can get the fault get it"),
		field("seed", TypeInteger).atLeast(0).means("makes the random draws repeatable (which requests get faults, " +
			"and the appIds made from then on); 0 picks one"),
	}
}

func checkFaults(f *Faults) error {
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

// The fault routes of the control surface.
func faultRoutes() []route {
	return []route{
		{Route: Route{
			Method: "GET", Path: "/_sandbox/faults", Auth: AuthControl,
			Does:    "The account's fault configuration.",
			Replies: []Reply{replies(http.StatusOK, "the faults, in the fields PUT takes", Faults{})},
		}, control: func(s *Server, c call) {
			serve(c, http.StatusOK, func(a *account) (Faults, error) { return a.faults.current(), nil })
		}},
		{Route: Route{
			Method: "PUT", Path: "/_sandbox/faults", Auth: AuthControl,
			Does: "Replaces the account's fault configuration, and restarts its limits and random draws; other accounts keep theirs. " +
				"A field left out is 0, which turns its fault off: {} turns every fault off. Every fault applies to every kind. " +
				"Faults are not saved in the state file: a restart starts without any.",
			Body:   "a JSON object",
			Fields: faultFields(),
			Replies: []Reply{
				replies(http.StatusOK, "the faults as set", Faults{}),
				replies(http.StatusBadRequest, "for a rate outside 0 to 1, a negative latencyMs or limit, or an unknown route name", nil),
			},
		}, control: func(s *Server, c call) {
			if f, ok := controlBody(c.w, c.r, checkFaults); ok {
				serve(c, http.StatusOK, func(a *account) (Faults, error) { a.setFaults(f); return f, nil })
			}
		}},
	}
}
