package sandbox

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The map of accounts: which key names which account, opening accounts in
// open mode (up to Options.MaxAccounts), forgetting idle ones
// (Options.AccountIdle), the keyless rule of the control routes, and each
// account's share of the sandbox-wide retention. The server's lock guards
// the map alone: it is never held while an account's lock is taken.

// errUnknownKey is the answer to a key that names no account, outside open
// mode.
func errUnknownKey(key string) error { return fmt.Errorf("unknown API key %q", key) }

// errForgotten answers a request whose account was forgotten while it
// waited for it: the next request opens it anew.
var errForgotten = errors.New("sandbox: the account was forgotten (idle, or reset with the whole sandbox) while this request waited for it: send it again")

// errFull is why a new key gets no account: the sandbox holds as many as
// it may.
type errFull struct{ max int }

func (e errFull) Error() string {
	return fmt.Sprintf("the sandbox holds %d accounts, its most (-max-accounts): no new API key gets one until an idle account is forgotten "+
		"(-account-idle) or the sandbox is restarted with a higher -max-accounts", e.max)
}

// account finds the account of key; in open mode an unknown key opens a
// new, empty one, signed with the shared secret.
func (s *Server) account(key string) (*account, error) {
	a, fresh, err := s.findOrMake(key)
	if err != nil || !fresh {
		return a, err
	}
	return s.open(a)
}

// findOrMake finds the account of key; in open mode an unknown key gets a
// new, empty account (fresh) that is not in the map yet: open puts it
// there. A request that opens an account only if it succeeds (an import)
// opens it last, so that a refused one leaves no empty account behind.
func (s *Server) findOrMake(key string) (a *account, fresh bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key]; a != nil {
		a.touch()
		return a, false, nil
	}
	if !s.opts.OpenAccounts || key == "" {
		return nil, false, errUnknownKey(key)
	}
	if len(s.accounts) >= s.opts.MaxAccounts {
		return nil, false, errFull{s.opts.MaxAccounts}
	}
	return s.newAccount(key, s.opts.SharedSecret, false), true, nil
}

// open puts a fresh account in the map, unless a request opened its key
// meanwhile: then that one is the key's account, and fresh is dropped.
func (s *Server) open(fresh *account) (*account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[fresh.key]; a != nil {
		a.touch()
		return a, nil
	}
	if len(s.accounts) >= s.opts.MaxAccounts {
		return nil, errFull{s.opts.MaxAccounts}
	}
	s.addLocked(fresh)
	s.opts.Logger.Info("account opened", "key", fresh.key)
	return fresh, nil
}

func (s *Server) addLocked(a *account) {
	s.accounts[a.key] = a
	s.accountCount.Store(int64(len(s.accounts)))
}

// holder is the account of a key found in the state file: the configured
// or opened one, else one that holds the objects but cannot sign in (the
// key is no longer configured). Nothing else runs while the file loads.
func (s *Server) holder(key string) *account {
	if a := s.accounts[key]; a != nil {
		return a
	}
	secret := ""
	if s.opts.OpenAccounts {
		secret = s.opts.SharedSecret // an account a request opened before the restart
	}
	a := s.newAccount(key, secret, false)
	s.addLocked(a)
	return a
}

// lookup is the account of key, or nil; it opens none.
func (s *Server) lookup(key string) *account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[key]
}

// sortedAccounts are the accounts in key order, for what acts on each.
func (s *Server) sortedAccounts() []*account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.SortedFunc(maps.Values(s.accounts), func(x, y *account) int { return cmp.Compare(x.key, y.key) })
}

// each runs f on every account, each under its own lock, one at a time.
func (s *Server) each(f func(a *account)) {
	for _, a := range s.sortedAccounts() {
		if a.lock() {
			f(a)
			a.mu.Unlock()
		}
	}
}

// soleAccount is the account a control request without ?key= is about:
// only on a sandbox of one configured account, without open accounts,
// whose state file holds no other account. The error says why not, and
// names the other accounts.
func (s *Server) soleAccount() (*account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.OpenAccounts {
		return nil, errors.New("the sandbox has open accounts: name the account with ?key=<API key>")
	}
	if len(s.opts.Accounts) != 1 {
		return nil, errors.New("the sandbox has several accounts: name one with ?key=<API key>")
	}
	var sole *account
	var others []string
	for k, a := range s.accounts {
		if a.configured {
			sole = a
		} else {
			others = append(others, k)
		}
	}
	if len(others) > 0 {
		slices.Sort(others)
		return nil, fmt.Errorf("the state file holds accounts the sandbox was not started with (%s) besides %q: "+
			"name the account with ?key=<API key>, so that nothing of theirs is reached by mistake", strings.Join(others, ", "), sole.key)
	}
	return sole, nil
}

// ForeignAccounts are the keys of the accounts the state file holds that
// the sandbox was not started with (and, without open accounts, cannot
// sign in as), sorted: a control request reaches them only by naming
// them, so that a request without ?key= cannot reset them by mistake.
func (s *Server) ForeignAccounts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k, a := range s.accounts {
		if !a.configured && a.secret == "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// retention is an account's retention: -retention, or its share of the
// sandbox-wide cap when that is smaller, so that memory has a bound
// however many accounts there are.
func (s *Server) retention() int {
	n := max(s.accountCount.Load(), 1)
	return max(1, min(s.opts.Retention, int(int64(s.opts.RetentionTotal)/n)))
}

// sweep forgets the opened accounts no request named for AccountIdle
// (never the configured ones, nor those only the state file knows, which
// no request can open again), and trims every account to its share of the
// retention, which shrinks as accounts open. It runs every sweepEvery.
func (s *Server) sweep(now time.Time) {
	for _, a := range s.sortedAccounts() {
		idle := s.opts.AccountIdle > 0 && a.opened() && now.Sub(time.Unix(0, a.lastUsed.Load())) >= s.opts.AccountIdle
		if idle {
			s.forget(a, now)
			continue
		}
		if a.lock() {
			if a.svc.Attempts() > s.retention() {
				if err := a.svc.Trim(); err != nil {
					s.opts.Logger.Error("trimming an account to its share of -retention-total failed", "key", a.key, "error", err)
				}
			}
			a.mu.Unlock()
		}
	}
}

// forget drops an idle account and everything it holds, once that is
// saved; a request that names its key later opens it anew.
func (s *Server) forget(a *account, now time.Time) {
	if !a.lock() {
		return
	}
	defer a.mu.Unlock()
	if now.Sub(time.Unix(0, a.lastUsed.Load())) < s.opts.AccountIdle {
		return // named again meanwhile
	}
	if err := s.save(a, record{Op: opForget, Key: a.key}); err != nil {
		s.opts.Logger.Error("forgetting an idle account failed", "key", a.key, "error", err)
		return
	}
	a.gone = true
	s.mu.Lock()
	if s.accounts[a.key] == a {
		delete(s.accounts, a.key)
		s.accountCount.Store(int64(len(s.accounts)))
	}
	s.mu.Unlock()
	s.opts.Logger.Info("account forgotten: no request named it for -account-idle", "key", a.key, "idle", s.opts.AccountIdle)
}

// sweepEvery is how often the sweep runs: a tenth of the idle time, so
// that an account is forgotten soon after it falls idle, at most a minute.
func (s *Server) sweepEvery() time.Duration {
	if s.opts.AccountIdle > 0 {
		return min(max(s.opts.AccountIdle/10, 100*time.Millisecond), time.Minute)
	}
	return time.Minute
}

// sweepLoop runs the sweep until the server is closed.
func (s *Server) sweepLoop() {
	defer close(s.sweepDone)
	t := time.NewTicker(s.sweepEvery())
	defer t.Stop()
	for {
		select {
		case <-s.closing:
			return
		case now := <-t.C:
			s.sweep(now)
		}
	}
}
