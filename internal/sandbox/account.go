package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// account is everything that belongs to one API key and to no other: its
// secret, its objects (flows, apps, templates), its OTP service, its
// clock, its faults and its request counters. Its lock guards all of it,
// and is the only lock a request of the account waits for besides the
// journal's one writer: no account waits for another.
type account struct {
	key string
	// secret signs the account's requests; "" for an account that only
	// the state file knows (its key is no longer configured): its objects
	// stay, and no request can sign in as it.
	secret string
	// configured says the account was named at start (-account, -key):
	// it is never forgotten.
	configured bool
	// lastUsed is when a request last named the account (Unix
	// nanoseconds), for forgetting idle accounts.
	lastUsed atomic.Int64

	mu sync.Mutex
	// gone says the account was forgotten (idle, or a reset of the whole
	// sandbox) while a request held it: that request answers "try again",
	// and the next one finds (or opens) the account anew.
	gone    bool
	objects objects
	clock   *engine.Clock
	svc     *engine.Service
	faults  faultState
	counts  map[string]int // requests by route name
	agents  map[string]bool
}

// newAccount makes an empty account whose changes the server saves.
func (s *Server) newAccount(key, secret string, configured bool) *account {
	a := &account{key: key, secret: secret, configured: configured, clock: engine.NewClock(s.opts.Now)}
	a.touch()
	a.svc = engine.New(engine.Options{
		Clock:     a.clock,
		IDs:       &s.verificationIDs,
		Logger:    s.opts.Logger.With("key", key),
		Save:      func(cs []engine.Change) error { return s.save(a, changeRecords(key, cs)...) },
		Retention: s.retention,
		SNABase:   s.opts.PublicURL,
		SNAPrefix: snaPrefix(key),
	})
	a.resetInMemory()
	return a
}

// resetInMemory forgets everything the account holds but its key and
// secret: objects, OTP service (its clock back to real time), counters,
// user agents, faults.
func (a *account) resetInMemory() {
	a.objects = newObjects()
	a.svc.Reset()
	a.resetCounts()
	a.setFaults(Faults{})
}

func (a *account) resetCounts() {
	a.counts = map[string]int{}
	a.agents = map[string]bool{}
}

// setFaults replaces the account's faults and restarts their draws.
func (a *account) setFaults(f Faults) {
	a.faults = newFaultState(f)
	a.clock.SetSkew(f.skew())
}

// opened says the account is an open account's: a key signed with the
// shared secret opened it, and would again.
func (a *account) opened() bool { return !a.configured && a.secret != "" }

// touch notes a request of the account, for the idle rule.
func (a *account) touch() { a.lastUsed.Store(time.Now().UnixNano()) }

// lock takes the account's lock; false when the account was forgotten
// meanwhile (the lock is not held then).
func (a *account) lock() bool {
	a.mu.Lock()
	if a.gone {
		a.mu.Unlock()
		return false
	}
	return true
}

// config is the account's configuration as the OTP engine reads it; the
// caller holds the lock.
func (a *account) config() engine.Config { return accountConfig{a} }

type accountConfig struct{ a *account }

func (c accountConfig) App(id string) (engine.App, bool) {
	app, found := appKind.find(&c.a.objects, id)
	return app.forEngine(), found
}

func (c accountConfig) Template(id int64) (engine.Template, bool) {
	t, found := templateKind.find(&c.a.objects, strconv.FormatInt(id, 10))
	return t.forEngine(), found
}

func (c accountConfig) Flow(id int64) ([]Node, bool) {
	f, found := flowKind.find(&c.a.objects, strconv.FormatInt(id, 10))
	return f.Flow, found
}

// Account is one account's side of the counters, faults and reset, for a
// sandbox of several accounts; the Server's methods of the same names act
// on every account.
type Account struct {
	s *Server
	a *account
}

// Account returns the account of key. In open mode an unknown key opens a
// new, empty account, as its first request would.
func (s *Server) Account(key string) (*Account, error) {
	a, err := s.account(key)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return &Account{s: s, a: a}, nil
}

// Key is the account's API key.
func (h *Account) Key() string { return h.a.key }

// with runs f under the account's lock; an account forgotten meanwhile
// has nothing.
func (h *Account) with(f func(a *account)) {
	if h.a.lock() {
		defer h.a.mu.Unlock()
		f(h.a)
	}
}

// Counts returns the number of requests each vendor route has received
// from the account, by route name.
func (h *Account) Counts() map[string]int {
	out := map[string]int{}
	h.with(func(a *account) { out = maps.Clone(a.counts) })
	return out
}

// Total is the number of vendor requests the account has made.
func (h *Account) Total() int {
	n := 0
	h.with(func(a *account) { n = total(a.counts) })
	return n
}

// ResetCounts zeroes the account's request counters and forgets its user
// agents.
func (h *Account) ResetCounts() { h.with((*account).resetCounts) }

// UserAgents returns the distinct User-Agent headers of the account's
// requests since the last reset, sorted.
func (h *Account) UserAgents() []string {
	var out []string
	h.with(func(a *account) { out = slices.Sorted(maps.Keys(a.agents)) })
	return out
}

// SetFaults replaces the account's faults and restarts their limits and
// random draws. Other accounts keep theirs.
func (h *Account) SetFaults(f Faults) { h.with(func(a *account) { a.setFaults(f) }) }

// CurrentFaults returns the account's faults.
func (h *Account) CurrentFaults() Faults {
	var f Faults
	h.with(func(a *account) { f = a.faults.current() })
	return f
}

// Injected returns how many faults of each kind the account's requests got
// since its faults were last set.
func (h *Account) Injected() map[string]int {
	out := map[string]int{}
	h.with(func(a *account) { out = maps.Clone(a.faults.injected) })
	return out
}

// Reset forgets the account's objects, counters, faults and OTP service,
// and saves that; other accounts keep everything. Ids keep counting: they
// are the sandbox's, not the account's.
func (h *Account) Reset() error {
	if !h.a.lock() {
		return errForgotten
	}
	defer h.a.mu.Unlock()
	return h.s.resetAccount(h.a)
}

// resetAccount forgets one account's everything, once that is saved; the
// caller holds its lock.
func (s *Server) resetAccount(a *account) error {
	if err := s.save(a, record{Op: opReset, Key: a.key}); err != nil {
		return err
	}
	a.resetInMemory()
	return nil
}

func total(counts map[string]int) int {
	n := 0
	for _, v := range counts {
		n += v
	}
	return n
}
