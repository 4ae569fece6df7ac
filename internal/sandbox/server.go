package sandbox

import (
	"crypto/md5" //nolint:gosec // the vendor's signature scheme, not our choice
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	// The send routes'.
	codeBalance:    "balance insufficient",
	codeFee:        "getting fee fail",
	codeTotalLimit: "period total send limit",
	codePhoneLimit: "period phone send limit",
	codeSensitive:  "SMS content has sensitive words",
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
	// and its own name spaces (one per kind), counters and faults.
	Accounts map[string]string
	// OpenAccounts gives any API key signed with SharedSecret an account of
	// its own, made empty on its first request (or control request naming
	// it), so that each CI job can use its own key against one sandbox.
	// Anyone who knows the shared secret can open accounts: for test
	// machines.
	OpenAccounts bool
	// SharedSecret signs the requests of open accounts.
	SharedSecret string
	// Prefix is where the vendor paths are mounted; default "/otp".
	Prefix string
	// Window is the timestamp tolerance; default DefaultWindow.
	Window time.Duration
	// StateFile, if set, keeps the objects across restarts: it is loaded
	// at start, and every change is appended to it before it is answered
	// (journal.go). Its directory must exist and be writable. Close syncs
	// and closes it.
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
	// Retention is how many attempts (messages) of the OTP service each
	// account keeps, with their verifications; default DefaultRetention.
	Retention int
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
	// ClockSkewSeconds moves the account's clock (and the Date header of
	// its answers).
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

func (f Faults) skew() time.Duration { return time.Duration(f.ClockSkewSeconds) * time.Second }

// Server is the sandbox. It is an http.Handler and safe for concurrent use.
//
// One lock guards everything: every operation takes microseconds.
type Server struct {
	opts     Options
	mux      *http.ServeMux
	mu       sync.Mutex
	state    *state
	accounts map[string]*account // by API key
	journal  *journal            // the state file; nil in memory
	// verificationIDs numbers the OTP service's verifications of every
	// account, so that their ids are unique in the sandbox.
	verificationIDs verificationIDs
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
	switch {
	case opts.OpenAccounts && opts.SharedSecret == "":
		return nil, errors.New("sandbox: open accounts need a shared secret")
	case !opts.OpenAccounts && len(opts.Accounts) == 0:
		return nil, errors.New("sandbox: at least one account (API key and secret) is required, or open accounts")
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
	s := &Server{opts: opts, state: newState(), accounts: map[string]*account{}}
	for key, secret := range opts.Accounts {
		s.accounts[key] = newAccount(key, secret)
	}
	if opts.StateFile != "" {
		// Nothing else can reach s yet; the lock is for the methods'
		// sake.
		s.mu.Lock()
		err := s.openState(opts.StateFile)
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
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
	s.mountService(m)
	s.controlRoutes(m)
}

// Prefix is the path the vendor API is mounted at.
func (s *Server) Prefix() string { return s.opts.Prefix }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

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
	opService // the OTP service's routes: no drop faults
)

type endpoint struct {
	route string
	op    op
}

// vendorHandler answers a request of the account, signed in.
type vendorHandler func(a *account, r *http.Request, body []byte) answer

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
	return func(a *account, _ *http.Request, body []byte) answer {
		obj, reason := k.parse(body, "")
		if reason != "" {
			return fail(codeParameter, reason)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return reply(k.insert(s, a, obj))
	}
}

// handleUpdate validates the body before it looks the id up, so a bad body
// for an unknown id is -22, not -24.
func (k *kind[T]) handleUpdate(s *Server) vendorHandler {
	return func(a *account, r *http.Request, body []byte) answer {
		id, bad, valid := k.pathID(r)
		if !valid {
			return bad
		}
		obj, reason := k.parse(body, id)
		if reason != "" {
			return fail(codeParameter, reason)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return reply(k.replace(s, a, id, obj))
	}
}

func (k *kind[T]) handleDetails(s *Server) vendorHandler {
	return func(a *account, r *http.Request, _ []byte) answer {
		id, bad, valid := k.pathID(r)
		if !valid {
			return bad
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		i := k.index(s.state, a.key, id)
		if i < 0 {
			return fail(codeNotFound, k.missing(id))
		}
		return ok(clone(k.coll(s.state).Accounts[a.key][i]))
	}
}

func (k *kind[T]) handleList(s *Server) vendorHandler {
	return func(a *account, _ *http.Request, _ []byte) answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		return ok(k.list(s.state, a.key))
	}
}

// vendor wraps an endpoint with what every vendor path does: count, apply
// faults, authenticate, answer HTTP 200 with the envelope, log one line.
// The counters and faults are those of the account the Api-Key header
// names, before the signature is checked: a refused request is counted,
// and can be faulted, like any other.
func (s *Server) vendor(route string, o op, h vendorHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		key := r.Header.Get("Api-Key")
		s.mu.Lock()
		a := s.requestAccountLocked(r)
		var faults Faults
		if a != nil {
			a.counts[route]++
			a.agents[r.UserAgent()] = true
			faults = a.faults
		}
		s.mu.Unlock()

		if faults.LatencyMS > 0 {
			select {
			case <-time.After(time.Duration(faults.LatencyMS) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Date", s.opts.Now().Add(faults.skew()).UTC().Format(http.TimeFormat))
		logLine := func(httpStatus int, code string) {
			s.opts.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "key", key,
				"http", httpStatus, "status", code, "ms", time.Since(start).Milliseconds())
		}
		targeted := faults.targets(route)
		if targeted && s.inject(a, FaultBadGateway, faults.BadGatewayRate) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n")
			logLine(http.StatusBadGateway, "")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var ans answer
		switch {
		case err != nil:
			ans = fail(codeParameter, "the request body could not be read")
		default:
			ans = s.authenticate(a, r)
		}
		if ans.code == "" && targeted && s.inject(a, FaultSystemError, faults.SystemErrorRate) {
			ans = fail(codeSystem, "")
		}
		if ans.code == "" {
			ans = h(a, r, body)
		}
		if ans.code == codeSuccess &&
			(o == opAdd && s.inject(a, FaultDropCreate, faults.DropCreateRate) ||
				o == opUpdate && s.inject(a, FaultDropUpdate, faults.DropUpdateRate)) {
			logLine(0, "dropped")
			// The change is stored; the client never hears so.
			panic(http.ErrAbortHandler)
		}
		writeEnvelope(w, ans)
		logLine(http.StatusOK, ans.code)
	})
}

// requestAccountLocked is the account a vendor request is counted, faulted
// and signed in as: the one its Api-Key names; in open mode, a new one for
// a new key whose signature is the shared secret's; on a one-account
// sandbox, that account whatever the key, so that every request is
// counted. nil when the key names none.
func (s *Server) requestAccountLocked(r *http.Request) *account {
	key := r.Header.Get("Api-Key")
	if a := s.accounts[key]; a != nil {
		return a
	}
	if s.opts.OpenAccounts && key != "" && signatureMatches(key, s.opts.SharedSecret, r.Header.Get("Timestamp"), r.Header.Get("Sign")) {
		a, _ := s.accountLocked(key)
		return a
	}
	if sole, found := s.keyless(); found {
		return s.accounts[sole]
	}
	return nil
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

// inject draws against rate for the account's faults.
func (s *Server) inject(a *account, kind string, rate float64) bool {
	if a == nil || rate <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return a.injectLocked(kind, rate)
}

// authenticate checks the headers as the vendor documents them, for the
// request's account (nil when its key names none). An empty answer means
// the request may proceed.
func (s *Server) authenticate(a *account, r *http.Request) answer {
	key, ts, sign := r.Header.Get("Api-Key"), r.Header.Get("Timestamp"), r.Header.Get("Sign")
	if key == "" || ts == "" || sign == "" {
		return fail(codeAuth, "the Api-Key, Timestamp and Sign headers are required")
	}
	s.mu.Lock()
	var secret string
	var now time.Time
	if a != nil && a.key == key {
		secret, now = a.secret, s.nowLocked(a)
	}
	s.mu.Unlock()
	if secret == "" {
		return fail(codeAuth, "unknown Api-Key")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fail(codeAuth, "Timestamp must be Unix time in seconds")
	}
	if !signatureMatches(key, secret, ts, sign) {
		return fail(codeAuth, "the signature does not match")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > s.opts.Window || d < -s.opts.Window {
		return fail(codeExpired, "")
	}
	return answer{}
}

func signatureMatches(key, secret, ts, sign string) bool {
	sum := md5.Sum([]byte(key + secret + ts)) //nolint:gosec // vendor scheme
	return strings.EqualFold(sign, hex.EncodeToString(sum[:]))
}
