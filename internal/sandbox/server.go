package sandbox

import (
	"crypto/md5" //nolint:gosec // the vendor's signature scheme, not our choice
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
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

// Route names used by the request counters and by Faults.Routes. Apps have
// no list route and no kind has a delete route: the vendor has none.
const (
	RouteFlowAdd     = "POST /flow/add"
	RouteFlowUpdate  = "PUT /flow/update"
	RouteFlowDetails = "GET /flow/details"
	RouteFlowList    = "GET /flow/list"

	RouteAppAdd     = "POST /app/add"
	RouteAppUpdate  = "PUT /app/update"
	RouteAppDetails = "GET /app/details"

	RouteTemplateAdd     = "POST /template/add"
	RouteTemplateUpdate  = "PUT /template/update"
	RouteTemplateDetails = "GET /template/details"
	RouteTemplateList    = "GET /template/list"
)

// DefaultWindow is how far a request's timestamp may be from the sandbox's
// clock. The vendor does not document its tolerance.
const DefaultWindow = 300 * time.Second

// Options configure a Server.
type Options struct {
	// Accounts maps API keys to secrets; each account has its own objects
	// and its own name spaces (one per kind).
	Accounts map[string]string
	// Prefix is where the vendor paths are mounted; default "/otp".
	Prefix string
	// Window is the timestamp tolerance; default DefaultWindow.
	Window time.Duration
	// StateFile, if set, is loaded at start and rewritten after every change.
	StateFile string
	// Now is the clock; default time.Now. Apps' createTime comes from it.
	Now func() time.Time
	// Logger gets one line per request; nil logs nothing.
	Logger *slog.Logger
	// ControlToken guards the HTTP control surface (/_sandbox/): every
	// request there must send "Authorization: Bearer <ControlToken>". Empty
	// turns the HTTP control surface off, so that a sandbox listening on a
	// non-loopback address does not hand reset, delete and faults to the
	// network; the Go methods work either way.
	ControlToken string
}

// Faults make the sandbox misbehave the ways a real network and vendor can.
// Every fault applies to every kind.
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
	// ClockSkewSeconds moves the sandbox's clock (and its Date header).
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

func (f Faults) targets(route string) bool {
	return len(f.Routes) == 0 || slices.Contains(f.Routes, route)
}

// Server is the sandbox. It is an http.Handler and safe for concurrent use.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	mu      sync.Mutex
	state   *state
	counts  map[string]int
	faults  Faults
	rng     *rand.Rand     // fault draws
	idRNG   *rand.Rand     // app ids: a separate stream, so creating apps does not shift which requests fail
	injects map[string]int // by fault kind
	agents  map[string]bool
}

// Fault kinds, as counted by Injected.
const (
	FaultSystemError = "systemError"
	FaultBadGateway  = "badGateway"
	FaultDropCreate  = "dropCreate"
	FaultDropUpdate  = "dropUpdate"
)

// New builds a Server, loading the state file when one is configured.
func New(opts Options) (*Server, error) {
	if len(opts.Accounts) == 0 {
		return nil, errors.New("sandbox: at least one account (API key and secret) is required")
	}
	for k, v := range opts.Accounts {
		if k == "" || v == "" {
			return nil, errors.New("sandbox: API keys and secrets must not be empty")
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
	m := http.NewServeMux()
	s.mount(m)
	s.mux = m
	return s, nil
}

// mount mounts every route: the vendor's, then the control surface's.
func (s *Server) mount(m router) {
	for _, k := range kinds {
		k.mountVendor(s, m)
	}
	s.controlRoutes(m)
}

// Prefix is the path the vendor API is mounted at.
func (s *Server) Prefix() string { return s.opts.Prefix }

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

// refusal is a business error: the API answers it with its code, the Go
// methods return it as an error.
type refusal struct{ code, detail string }

func (r *refusal) Error() string { return "sandbox: " + r.detail }

func refuse(code, format string, a ...any) *refusal {
	return &refusal{code: code, detail: fmt.Sprintf(format, a...)}
}

// reply turns what the store did into the vendor's answer.
func reply[T any](v T, err error) answer {
	var r *refusal
	switch {
	case err == nil:
		return ok(v)
	case errors.As(err, &r):
		return fail(r.code, r.detail)
	default:
		return fail(codeSystem, "") // the state file could not be written; already logged
	}
}

// op is what a vendor route does; the drop faults depend on it.
type op int

const (
	opAdd op = iota
	opUpdate
	opDetails
	opList
)

type endpoint struct {
	route string
	op    op
}

type vendorHandler func(key string, r *http.Request, body []byte) answer

// mountVendor mounts a kind's vendor routes. Update and details take the
// id as the last path segment.
func (k *kind[T]) mountVendor(s *Server, m router) {
	for _, e := range k.endpoints {
		method, path, _ := strings.Cut(e.route, " ")
		pattern := method + " " + s.opts.Prefix + path
		var h vendorHandler
		switch e.op {
		case opAdd:
			h = k.handleAdd(s)
		case opUpdate:
			pattern += "/{id}"
			h = k.handleUpdate(s)
		case opDetails:
			pattern += "/{id}"
			h = k.handleDetails(s)
		case opList:
			h = k.handleList(s)
		}
		m.Handle(pattern, s.vendor(e.route, e.op, h))
	}
}

func (k *kind[T]) pathID(r *http.Request) (string, answer, bool) {
	id, valid := k.ids.parse(r.PathValue("id"))
	if !valid {
		return "", fail(codeParameter, k.idField+" "+k.ids.rule()), false
	}
	return id, answer{}, true
}

func (k *kind[T]) handleAdd(s *Server) vendorHandler {
	return func(key string, _ *http.Request, body []byte) answer {
		obj, reason := k.parse(body, "")
		if reason != "" {
			return fail(codeParameter, reason)
		}
		now := s.now()
		s.mu.Lock()
		defer s.mu.Unlock()
		return reply(k.insert(s, key, obj, now))
	}
}

// handleUpdate validates the body before it looks the id up, so a bad body
// for an unknown id is -22, not -24.
func (k *kind[T]) handleUpdate(s *Server) vendorHandler {
	return func(key string, r *http.Request, body []byte) answer {
		id, bad, valid := k.pathID(r)
		if !valid {
			return bad
		}
		obj, reason := k.parse(body, id)
		if reason != "" {
			return fail(codeParameter, reason)
		}
		now := s.now()
		s.mu.Lock()
		defer s.mu.Unlock()
		return reply(k.replace(s, key, id, obj, now))
	}
}

func (k *kind[T]) handleDetails(s *Server) vendorHandler {
	return func(key string, r *http.Request, _ []byte) answer {
		id, bad, valid := k.pathID(r)
		if !valid {
			return bad
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		i := k.index(s.state, key, id)
		if i < 0 {
			return fail(codeNotFound, k.missing(id))
		}
		return ok(clone(k.coll(s.state).Accounts[key][i]))
	}
}

func (k *kind[T]) handleList(s *Server) vendorHandler {
	return func(key string, _ *http.Request, _ []byte) answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		return ok(k.list(s.state, key))
	}
}

// vendor wraps an endpoint with what every vendor path does: count, apply
// faults, authenticate, answer HTTP 200 with the envelope, log one line.
func (s *Server) vendor(route string, o op, h vendorHandler) http.Handler {
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
		targeted := faults.targets(route)
		if targeted && s.inject(FaultBadGateway, faults.BadGatewayRate) {
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
		if a.code == "" && targeted && s.inject(FaultSystemError, faults.SystemErrorRate) {
			a = fail(codeSystem, "")
		}
		if a.code == "" {
			a = h(key, r, body)
		}
		if a.code == codeSuccess &&
			(o == opAdd && s.inject(FaultDropCreate, faults.DropCreateRate) ||
				o == opUpdate && s.inject(FaultDropUpdate, faults.DropUpdateRate)) {
			logLine(0, "dropped")
			// The change is stored; the client never hears so.
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

// errNotSaved marks a failure to write the state file: the change was
// rolled back, and it is the sandbox's fault, not the caller's.
var errNotSaved = errors.New("sandbox: the state file could not be saved")

func (s *Server) persistLocked() error {
	if s.opts.StateFile == "" {
		return nil
	}
	if err := saveState(s.opts.StateFile, s.state); err != nil {
		s.opts.Logger.Error("saving state failed", "error", err)
		return fmt.Errorf("%w: %w", errNotSaved, err)
	}
	return nil
}
