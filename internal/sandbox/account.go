package sandbox

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"
)

// account is everything that belongs to one API key and to no other: its
// secret, its request counters and user agents, its faults with their
// random streams and injection counts. Its objects stay in the kinds'
// collections, by key, which is what the state file keeps; ids are unique
// across the sandbox, so that a method given only an id finds one object.
//
// An account is made once (configured, opened by a first request in open
// mode, or found in the state file) and never removed: a reset empties it,
// so a pointer to it stays good. The server's lock guards every field.
type account struct {
	key string
	// secret signs the account's requests; "" for an account that only
	// the state file knows (its key is no longer configured): its objects
	// stay, and no request can sign in as it.
	secret  string
	counts  map[string]int // requests by route name
	agents  map[string]bool
	faults  Faults
	rng     *rand.Rand     // fault draws
	idRNG   *rand.Rand     // app ids: a separate stream, so creating apps does not shift which requests fail
	injects map[string]int // by fault kind
	// svc is the account's OTP service (verifications, messages, its
	// clock, its numbers and settings): made on first use
	// (Server.serviceLocked), dropped by a reset.
	svc *service
}

func newAccount(key, secret string) *account {
	a := &account{key: key, secret: secret}
	a.resetLocked()
	return a
}

// resetLocked forgets what the account holds in memory but its objects:
// counters, user agents, faults, the OTP service.
func (a *account) resetLocked() {
	a.resetCountsLocked()
	a.setFaultsLocked(Faults{})
	a.svc = nil
}

func (a *account) resetCountsLocked() {
	a.counts = map[string]int{}
	a.agents = map[string]bool{}
}

func (a *account) setFaultsLocked(f Faults) {
	seed := f.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	f.Routes = slices.Clone(f.Routes)
	a.faults = f
	a.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))   //nolint:gosec // fault draws, not security
	a.idRNG = rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed)) //nolint:gosec // ids, not secrets
	a.injects = map[string]int{}
}

func (a *account) currentFaultsLocked() Faults {
	f := a.faults
	f.Routes = slices.Clone(f.Routes)
	return f
}

// injectLocked draws against rate, honouring the limit of the fault's kind.
func (a *account) injectLocked(kind string, rate float64) bool {
	if rate <= 0 {
		return false
	}
	if a.faults.Limit > 0 && a.injects[kind] >= a.faults.Limit {
		return false
	}
	if a.rng.Float64() >= rate {
		return false
	}
	a.injects[kind]++
	return true
}

// now is the account's clock: the sandbox's, moved by its clock skew fault.
func (s *Server) nowLocked(a *account) time.Time {
	return s.opts.Now().Add(a.faults.skew())
}

// errUnknownKey is the answer to a key that names no account, outside open
// mode.
func errUnknownKey(key string) error { return fmt.Errorf("unknown API key %q", key) }

// accountLocked finds the account of key; in open mode an unknown key gets
// a new, empty account, signed with the shared secret.
func (s *Server) accountLocked(key string) (*account, error) {
	if a := s.accounts[key]; a != nil {
		return a, nil
	}
	if !s.opts.OpenAccounts || key == "" {
		return nil, errUnknownKey(key)
	}
	a := newAccount(key, s.opts.SharedSecret)
	s.accounts[key] = a
	s.opts.Logger.Info("account opened", "key", key)
	return a, nil
}

// holderLocked is the account of a key found in the state file: the
// configured or opened one, else one that holds the objects but cannot
// sign in (the key is no longer configured).
func (s *Server) holderLocked(key string) *account {
	if a, err := s.accountLocked(key); err == nil {
		return a
	}
	a := newAccount(key, "")
	s.accounts[key] = a
	return a
}

// keyless says whether a request without ?key= names an account: only on
// a sandbox of one configured account, without open accounts.
func (s *Server) keyless() (string, bool) {
	if s.opts.OpenAccounts || len(s.opts.Accounts) != 1 {
		return "", false
	}
	for key := range s.opts.Accounts {
		return key, true
	}
	return "", false
}

// controlKey picks the account a control request is about, for every
// control route: the ?key= parameter (in open mode, a new key opens an
// account, so that a job can set faults before its first request), or,
// without it, the only account of a one-account sandbox. named says
// whether ?key= was given.
func (s *Server) controlKey(r *http.Request) (a *account, named bool, err error) {
	key := r.URL.Query().Get("key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		a, err := s.accountLocked(key)
		return a, true, err
	}
	if sole, found := s.keyless(); found {
		return s.accounts[sole], false, nil
	}
	if s.opts.OpenAccounts {
		return nil, false, errors.New("the sandbox has open accounts: name the account with ?key=<API key>")
	}
	return nil, false, errors.New("the sandbox has several accounts: name one with ?key=<API key>")
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
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.accountLocked(key)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return &Account{s: s, a: a}, nil
}

// Key is the account's API key.
func (h *Account) Key() string { return h.a.key }

// Counts returns the number of requests each vendor route has received
// from the account, by route name.
func (h *Account) Counts() map[string]int {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return maps.Clone(h.a.counts)
}

// Total is the number of vendor requests the account has made.
func (h *Account) Total() int {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return total(h.a.counts)
}

// ResetCounts zeroes the account's request counters and forgets its user
// agents.
func (h *Account) ResetCounts() {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	h.a.resetCountsLocked()
}

// UserAgents returns the distinct User-Agent headers of the account's
// requests since the last reset, sorted.
func (h *Account) UserAgents() []string {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return slices.Sorted(maps.Keys(h.a.agents))
}

// SetFaults replaces the account's faults and restarts their limits and
// random draws. Other accounts keep theirs.
func (h *Account) SetFaults(f Faults) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	h.a.setFaultsLocked(f)
}

// CurrentFaults returns the account's faults.
func (h *Account) CurrentFaults() Faults {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.a.currentFaultsLocked()
}

// Injected returns how many faults of each kind the account's requests got
// since its faults were last set.
func (h *Account) Injected() map[string]int {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return maps.Clone(h.a.injects)
}

// Reset forgets the account's objects, counters and faults, and saves
// that; other accounts keep everything. Ids keep counting: they are the
// sandbox's, not the account's.
func (h *Account) Reset() error {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.s.resetAccountLocked(h.a)
}

func total(counts map[string]int) int {
	n := 0
	for _, v := range counts {
		n += v
	}
	return n
}

// sortedAccounts are the accounts in key order, for what acts on each.
func (s *Server) sortedAccountsLocked() []*account {
	return slices.SortedFunc(maps.Values(s.accounts), func(x, y *account) int {
		switch {
		case x.key < y.key:
			return -1
		case x.key > y.key:
			return 1
		}
		return 0
	})
}
