package sandbox

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// Options configure a Server.
type Options struct {
	// Accounts maps API keys to secrets; each account has its own objects
	// and its own name spaces (one per kind), counters, faults and OTP
	// service. They are never forgotten.
	Accounts map[string]string
	// OpenAccounts gives any API key signed with SharedSecret an account of
	// its own, made empty on its first request (or control request naming
	// it), so that each CI job can use its own key against one sandbox.
	// Anyone who knows the shared secret can open accounts: for test
	// machines.
	OpenAccounts bool
	// SharedSecret signs the requests of open accounts.
	SharedSecret string
	// MaxAccounts bounds the accounts the sandbox holds (configured,
	// opened and found in the state file): past it, a new key gets no
	// account (-23 on the vendor API, 503 on the control surface);
	// default DefaultMaxAccounts.
	MaxAccounts int
	// AccountIdle forgets an account no request named for that long,
	// with everything it holds (never the configured ones); 0 keeps every
	// account. otp-sandbox's default is 24 hours.
	AccountIdle time.Duration
	// Prefix is where the vendor paths are mounted; default "/otp".
	Prefix string
	// PublicURL is the sandbox's address as a phone reaches it, where the
	// sna URLs point ("http://127.0.0.1:8787"); empty leaves them relative
	// ("/sna/<token>"). otp-sandbox defaults it to the listen address.
	PublicURL string
	// Window is the timestamp tolerance; default DefaultWindow.
	Window time.Duration
	// StateFile, if set, keeps the accounts across restarts: it is loaded
	// at start, and every change is written to it before it is answered
	// (journal.go). Its directory must exist and be writable. Close syncs
	// and closes it.
	StateFile string
	// Now is the real clock; default time.Now. Every account's clock reads
	// it (engine.Clock).
	Now func() time.Time
	// Logger gets one line per request; nil logs nothing.
	Logger *slog.Logger
	// ControlToken guards the HTTP control surface (/_sandbox/) for every
	// account: a request there sends "Authorization: Bearer
	// <ControlToken>", or is signed with the account's own key and secret.
	// Empty turns the token off, so that a sandbox listening on a
	// non-loopback address does not hand every account's reset, delete and
	// faults to the network; the Go methods work either way.
	ControlToken string
	// Retention is how many attempts (messages) of the OTP service each
	// account keeps, with their verifications; default DefaultRetention.
	Retention int
	// RetentionTotal caps the attempts of every account together: each
	// account keeps at most RetentionTotal ÷ the number of accounts, when
	// that is below Retention; default DefaultRetentionTotal.
	RetentionTotal int
}

// DefaultMaxAccounts is Options.MaxAccounts by default.
const DefaultMaxAccounts = 1000

// DefaultRetentionTotal is Options.RetentionTotal by default: about 400 MiB
// of messages, whatever the number of accounts (10,000 take 7.7 MiB).
const DefaultRetentionTotal = 500_000

// Server is the sandbox. It is an http.Handler and safe for concurrent use.
//
// The server holds the map of accounts, the ids (unique across accounts)
// and the journal; everything else is an account's, under the account's
// own lock (account.go).
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu           sync.Mutex // the map of accounts only; see accounts.go
	accounts     map[string]*account
	accountCount atomic.Int64

	idMu sync.Mutex
	ids  map[string]*idState // by kind
	// verificationIDs numbers the OTP service's verifications of every
	// account, so that their ids are unique in the sandbox.
	verificationIDs engine.IDs

	journal *journal // the state file; nil in memory
	// loaded is how many accounts the state file held at start, for the
	// start line (StateFile).
	loaded int

	stop      chan struct{} // closed by Stop: waits answer, latency ends
	stopOnce  sync.Once
	closing   chan struct{} // closed by Close: the sweep ends
	sweepDone chan struct{}
	closeOnce sync.Once
}

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
	if opts.MaxAccounts <= 0 {
		opts.MaxAccounts = DefaultMaxAccounts
	}
	if len(opts.Accounts) > opts.MaxAccounts {
		return nil, fmt.Errorf("sandbox: %d accounts are configured, more than the %d the sandbox may hold (-max-accounts)", len(opts.Accounts), opts.MaxAccounts)
	}
	if opts.AccountIdle < 0 {
		return nil, errors.New("sandbox: the idle time of accounts must not be negative (0 keeps them)")
	}
	if opts.Prefix == "" {
		opts.Prefix = "/otp"
	}
	opts.Prefix = "/" + strings.Trim(opts.Prefix, "/")
	opts.PublicURL = strings.TrimSuffix(opts.PublicURL, "/")
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.RetentionTotal <= 0 {
		opts.RetentionTotal = DefaultRetentionTotal
	}
	s := &Server{
		opts: opts, accounts: map[string]*account{}, ids: map[string]*idState{},
		stop: make(chan struct{}), closing: make(chan struct{}), sweepDone: make(chan struct{}),
	}
	for key, secret := range opts.Accounts {
		s.addLocked(s.newAccount(key, secret, true))
	}
	if opts.StateFile != "" {
		if err := s.openState(opts.StateFile); err != nil {
			return nil, err
		}
	}
	s.mux = http.NewServeMux()
	s.mount(s.mux)
	if opts.OpenAccounts || opts.AccountIdle > 0 {
		// Only where accounts come and go is there anything to sweep: a
		// sandbox of configured accounts holds no goroutine of its own.
		go s.sweepLoop()
	} else {
		close(s.sweepDone)
	}
	return s, nil
}

// Prefix is the path the vendor API is mounted at.
func (s *Server) Prefix() string { return s.opts.Prefix }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Stop answers every open wait on the messages with what it has, and ends
// every latency fault's wait; waits that start later answer at once. Call
// it before http.Server.Shutdown, so that the shutdown does not wait for
// them.
func (s *Server) Stop() { s.stopOnce.Do(func() { close(s.stop) }) }

// Close stops the sandbox (Stop) and its sweep of idle accounts, then
// syncs the state file to disk and closes it; later changes fail. A
// compaction under way finishes first.
func (s *Server) Close() error {
	s.Stop()
	var err error
	s.closeOnce.Do(func() {
		close(s.closing)
		<-s.sweepDone
		if s.journal != nil {
			err = s.journal.close()
		}
	})
	return err
}

// The methods below without a key act on every account: on a sandbox of
// one account, on that one. Account(key) acts on one.

// Counts returns the number of requests each vendor route has received
// (every request, including refused and faulted ones), by route name
// (RouteFlowAdd...), summed over the accounts.
func (s *Server) Counts() map[string]int {
	out := map[string]int{}
	s.each(func(a *account) {
		for route, n := range a.counts {
			out[route] += n
		}
	})
	return out
}

// Total is the number of requests all vendor routes have received.
func (s *Server) Total() int {
	n := 0
	s.each(func(a *account) { n += total(a.counts) })
	return n
}

// ResetCounts zeroes the request counters and forgets the user agents.
func (s *Server) ResetCounts() { s.each((*account).resetCounts) }

// UserAgents returns the distinct User-Agent headers seen since the last
// reset, sorted.
func (s *Server) UserAgents() []string {
	seen := map[string]bool{}
	s.each(func(a *account) { maps.Copy(seen, a.agents) })
	return slices.Sorted(maps.Keys(seen))
}

// SetFaults gives every account these faults, and restarts their limits
// and random draws (each account draws on its own). An account opened
// later starts without faults.
func (s *Server) SetFaults(f Faults) { s.each(func(a *account) { a.setFaults(f) }) }

// CurrentFaults returns the fault configuration: on a sandbox of several
// accounts, that of the first account in key order (Account(key) gives
// each one's).
func (s *Server) CurrentFaults() Faults {
	for _, a := range s.sortedAccounts() {
		if a.lock() {
			defer a.mu.Unlock()
			return a.faults.current()
		}
	}
	return Faults{}
}

// Injected returns how many faults of each kind were injected since the
// faults were last set, summed over the accounts.
func (s *Server) Injected() map[string]int {
	out := map[string]int{}
	s.each(func(a *account) {
		for kind, n := range a.faults.injected {
			out[kind] += n
		}
	})
	return out
}

// Reset forgets every object, counter, fault and verification of every
// account, the accounts that were not configured with them, and empties
// the state file. Ids start over, as in a new sandbox. When the state file
// cannot be written, nothing is forgotten: memory keeps matching the file,
// as after any other failed change.
func (s *Server) Reset() error {
	if j := s.journal; j != nil {
		j.compactMu.Lock() // no compaction under way: it would write what is forgotten
		defer j.compactMu.Unlock()
	}
	all := s.sortedAccounts()
	for _, a := range all {
		a.mu.Lock()
		defer a.mu.Unlock()
	}
	if j := s.journal; j != nil {
		if err := j.rewriteEmpty(); err != nil {
			s.opts.Logger.Error("saving state failed", "path", j.path, "error", err)
			return fmt.Errorf("%w: %w", errNotSaved, err)
		}
	}
	s.mu.Lock()
	for _, a := range all {
		if a.gone {
			continue
		}
		if a.configured {
			a.resetInMemory()
			continue
		}
		a.gone = true
		delete(s.accounts, a.key)
	}
	s.accountCount.Store(int64(len(s.accounts)))
	s.mu.Unlock()
	s.idMu.Lock()
	s.ids = map[string]*idState{}
	s.idMu.Unlock()
	s.verificationIDs.Reset()
	return nil
}
