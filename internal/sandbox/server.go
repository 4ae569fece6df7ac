package sandbox

import (
	"crypto/md5" //nolint:gosec // the vendor's signature scheme, not our choice
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Vendor status codes and their reasons, as in the vendor's global table.
const (
	codeSuccess   = "0"
	codeAuth      = "-1"
	codeExpired   = "-16"
	codeSystem    = "-18"
	codeExisting  = "-20"
	codeParameter = "-22"
	codeNotFound  = "-24"
)

var reasons = map[string]string{
	codeSuccess:   "success",
	codeAuth:      "authentication error",
	codeExpired:   "timestamp expired",
	codeSystem:    "port program unusual",
	codeExisting:  "data existing",
	codeParameter: "parameter exception",
	codeNotFound:  "data unexisting",
}

// Route names used by the request counters.
const (
	RouteAdd     = "POST /flow/add"
	RouteUpdate  = "PUT /flow/update"
	RouteDetails = "GET /flow/details"
	RouteList    = "GET /flow/list"
)

// DefaultWindow is how far a request's timestamp may be from the sandbox's
// clock. The vendor does not document its tolerance.
const DefaultWindow = 300 * time.Second

// Options configure a Server.
type Options struct {
	// Accounts maps API keys to secrets; each account has its own flows and
	// its own name space.
	Accounts map[string]string
	// Prefix is where the vendor paths are mounted; default "/otp".
	Prefix string
	// Window is the timestamp tolerance; default DefaultWindow.
	Window time.Duration
	// StateFile, if set, is loaded at start and rewritten after every change.
	StateFile string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger gets one line per request; nil logs nothing.
	Logger *slog.Logger
}

// Faults make the sandbox misbehave the ways a real network and vendor can.
type Faults struct {
	// LatencyMS is added before every vendor answer.
	LatencyMS int `json:"latencyMs"`
	// SystemErrorRate is the fraction of requests answered -18.
	SystemErrorRate float64 `json:"systemErrorRate"`
	// BadGatewayRate is the fraction of requests answered HTTP 502 with an
	// HTML page, as a proxy in front of the API would.
	BadGatewayRate float64 `json:"badGatewayRate"`
	// DropCreateRate is the fraction of creates whose flow is stored but
	// whose answer is lost: the connection is closed without a response.
	DropCreateRate float64 `json:"dropCreateRate"`
	// ClockSkewSeconds moves the sandbox's clock (and its Date header).
	ClockSkewSeconds int64 `json:"clockSkewSeconds"`
	// Limit caps the injections of each kind (-18, 502, dropped answer);
	// 0 means no cap. With a rate of 1 and a limit of N, exactly the first N
	// requests that could get a fault of that kind get it, which makes tests
	// deterministic.
	Limit int `json:"limit"`
	// Seed makes the random draws repeatable; 0 picks one.
	Seed uint64 `json:"seed"`
}

// Server is the sandbox. It is an http.Handler and safe for concurrent use.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	mu      sync.Mutex
	state   *state
	counts  map[string]int
	faults  Faults
	rng     *rand.Rand
	injects map[string]int // by fault kind
	agents  map[string]bool
}

// Fault kinds, as counted by Injected.
const (
	FaultSystemError = "systemError"
	FaultBadGateway  = "badGateway"
	FaultDropCreate  = "dropCreate"
)

// New builds a Server, loading the state file when one is configured.
func New(opts Options) (*Server, error) {
	if len(opts.Accounts) == 0 {
		return nil, fmt.Errorf("sandbox: at least one account (API key and secret) is required")
	}
	for k, v := range opts.Accounts {
		if k == "" || v == "" {
			return nil, fmt.Errorf("sandbox: API keys and secrets must not be empty")
		}
	}
	if opts.Prefix == "" {
		opts.Prefix = "/otp"
	}
	opts.Prefix = "/" + strings.Trim(opts.Prefix, "/")
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	st := newState()
	if opts.StateFile != "" {
		var err error
		if st, err = loadState(opts.StateFile); err != nil {
			return nil, err
		}
	}
	s := &Server{opts: opts, state: st, counts: map[string]int{}, agents: map[string]bool{}}
	s.setFaultsLocked(Faults{})
	s.routes()
	return s, nil
}

// Prefix is the path the vendor API is mounted at.
func (s *Server) Prefix() string { return s.opts.Prefix }

func (s *Server) routes() {
	m := http.NewServeMux()
	p := s.opts.Prefix
	m.Handle("POST "+p+"/flow/add", s.vendor(RouteAdd, s.handleAdd))
	m.Handle("PUT "+p+"/flow/update/{id}", s.vendor(RouteUpdate, s.handleUpdate))
	m.Handle("GET "+p+"/flow/details/{id}", s.vendor(RouteDetails, s.handleDetails))
	m.Handle("GET "+p+"/flow/list", s.vendor(RouteList, s.handleList))
	s.controlRoutes(m)
	s.mux = m
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) now() time.Time {
	s.mu.Lock()
	skew := s.faults.ClockSkewSeconds
	s.mu.Unlock()
	return s.opts.Now().Add(time.Duration(skew) * time.Second)
}

// answer is what a vendor handler produces.
type answer struct {
	code   string
	reason string // defaults to the table's reason
	data   any
}

func fail(code, detail string) answer {
	reason := reasons[code]
	if detail != "" {
		reason += ": " + detail
	}
	return answer{code: code, reason: reason}
}

func ok(data any) answer { return answer{code: codeSuccess, reason: reasons[codeSuccess], data: data} }

type vendorHandler func(key string, r *http.Request, body []byte) answer

// vendor wraps an endpoint with what every vendor path does: count, apply
// faults, authenticate, answer HTTP 200 with the envelope, log one line.
func (s *Server) vendor(route string, h vendorHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.mu.Lock()
		s.counts[route]++
		s.agents[r.UserAgent()] = true
		faults := s.faults
		s.mu.Unlock()

		if faults.LatencyMS > 0 {
			select {
			case <-time.After(time.Duration(faults.LatencyMS) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		key := r.Header.Get("Api-Key")
		logLine := func(httpStatus int, code string) {
			s.opts.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "key", key,
				"http", httpStatus, "status", code, "ms", time.Since(start).Milliseconds())
		}
		if s.inject(FaultBadGateway, faults.BadGatewayRate) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n")
			logLine(http.StatusBadGateway, "")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var a answer
		switch {
		case err != nil:
			a = fail(codeParameter, "the request body could not be read")
		default:
			a = s.authenticate(r)
		}
		if a.code == "" && s.inject(FaultSystemError, faults.SystemErrorRate) {
			a = fail(codeSystem, "")
		}
		if a.code == "" {
			a = h(key, r, body)
		}
		if route == RouteAdd && a.code == codeSuccess && s.inject(FaultDropCreate, faults.DropCreateRate) {
			logLine(0, "dropped")
			// The flow is stored; the client never hears so.
			panic(http.ErrAbortHandler)
		}
		writeEnvelope(w, a)
		logLine(http.StatusOK, a.code)
	})
}

func writeEnvelope(w http.ResponseWriter, a answer) {
	env := map[string]any{"status": a.code, "reason": a.reason}
	if a.code == codeSuccess {
		env["data"] = a.data
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(env)
}

// inject draws against rate, honouring the limit of the fault's kind.
func (s *Server) inject(kind string, rate float64) bool {
	if rate <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.Limit > 0 && s.injects[kind] >= s.faults.Limit {
		return false
	}
	if s.rng.Float64() >= rate {
		return false
	}
	s.injects[kind]++
	return true
}

// authenticate checks the headers as the vendor documents them. An empty
// answer means the request may proceed.
func (s *Server) authenticate(r *http.Request) answer {
	key, ts, sign := r.Header.Get("Api-Key"), r.Header.Get("Timestamp"), r.Header.Get("Sign")
	if key == "" || ts == "" || sign == "" {
		return fail(codeAuth, "the Api-Key, Timestamp and Sign headers are required")
	}
	secret, known := s.opts.Accounts[key]
	if !known {
		return fail(codeAuth, "unknown Api-Key")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fail(codeAuth, "Timestamp must be Unix time in seconds")
	}
	sum := md5.Sum([]byte(key + secret + ts)) //nolint:gosec // vendor scheme
	if !strings.EqualFold(sign, hex.EncodeToString(sum[:])) {
		return fail(codeAuth, "the signature does not match")
	}
	if d := s.now().Sub(time.Unix(sec, 0)); d > s.opts.Window || d < -s.opts.Window {
		return fail(codeExpired, "")
	}
	return answer{}
}

func pathID(r *http.Request) (int64, answer, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fail(codeParameter, "flowId must be a positive integer"), false
	}
	return id, answer{}, true
}

func (s *Server) handleAdd(key string, _ *http.Request, body []byte) answer {
	name, nodes, reason := parseFlowBody(body)
	if reason != "" {
		return fail(codeParameter, reason)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.state.nameTaken(key, name, 0); taken {
		return fail(codeExisting, "")
	}
	f := Flow{FlowID: s.state.NextID, Name: name, Flow: nodes}
	s.state.NextID++
	s.state.Accounts[key] = append(s.state.Accounts[key], f)
	if err := s.persistLocked(); err != nil {
		s.state.NextID--
		s.state.Accounts[key] = s.state.Accounts[key][:len(s.state.Accounts[key])-1]
		return fail(codeSystem, "")
	}
	return ok(f.clone())
}

func (s *Server) handleUpdate(key string, r *http.Request, body []byte) answer {
	id, bad, valid := pathID(r)
	if !valid {
		return bad
	}
	name, nodes, reason := parseFlowBody(body)
	if reason != "" {
		return fail(codeParameter, reason)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.state.find(key, id)
	if i < 0 {
		return fail(codeNotFound, "")
	}
	if _, taken := s.state.nameTaken(key, name, id); taken {
		return fail(codeExisting, "")
	}
	old := s.state.Accounts[key][i]
	s.state.Accounts[key][i] = Flow{FlowID: id, Name: name, Flow: nodes}
	if err := s.persistLocked(); err != nil {
		s.state.Accounts[key][i] = old
		return fail(codeSystem, "")
	}
	return ok(s.state.Accounts[key][i].clone())
}

func (s *Server) handleDetails(key string, r *http.Request, _ []byte) answer {
	id, bad, valid := pathID(r)
	if !valid {
		return bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.state.find(key, id)
	if i < 0 {
		return fail(codeNotFound, "")
	}
	return ok(s.state.Accounts[key][i].clone())
}

func (s *Server) handleList(key string, _ *http.Request, _ []byte) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok(s.state.list(key))
}

func (s *Server) persistLocked() error {
	if s.opts.StateFile == "" {
		return nil
	}
	if err := saveState(s.opts.StateFile, s.state); err != nil {
		s.opts.Logger.Error("saving state failed", "error", err)
		return err
	}
	return nil
}
