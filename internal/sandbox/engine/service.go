package engine

import (
	"crypto/rand"
	"encoding/json"
	"log/slog"
	mrand "math/rand/v2"
	"slices"
	"time"
)

// Options configure a Service.
type Options struct {
	// Clock is the account's clock; the service reads its Service reading
	// and moves it forward.
	Clock *Clock
	// IDs makes the verificationIds, shared by the sandbox's accounts.
	IDs *IDs
	// Logger gets a line per code sent, with the code, and one per flow
	// step that could not send; nil logs nothing.
	Logger *slog.Logger
	// Save writes a call's changes before the call returns. An error
	// undoes the call: the service is as it was before it, and the call
	// returns the error. Nil saves nothing.
	Save func([]Change) error
	// Retention is how many attempts (messages) the account keeps at most,
	// read at every change; nil keeps DefaultRetention.
	Retention func() int
	// SNABase is the sandbox's address as a phone reaches it
	// ("http://127.0.0.1:8787"): sna URLs are SNABase + SNAPath + token.
	// Empty leaves them relative to the sandbox ("/sna/<token>").
	SNABase string
	// SNAPrefix starts every sna token of the account, so that the sandbox
	// finds the account of a token without asking every account.
	SNAPrefix string
}

// DefaultRetention is how many attempts (messages) an account keeps by
// default; older verifications are forgotten whole to stay under it.
const DefaultRetention = 10000

// SNAPath is where the sandbox serves sna URLs, off the vendor prefix: the
// phone fetches it, unsigned.
const SNAPath = "/sna/"

// Service is one account's OTP service.
type Service struct {
	opts Options
	rng  *mrand.Rand // codes and sna tokens

	verifs   map[string]*verification
	byAge    []*verification // oldest first, from ageHead on
	ageHead  int
	orders   map[string][]*verification // orderId: the send and its resends
	sna      map[string]*verification   // by token
	log      []*attempt                 // the message log, oldest first, from logHead on
	logHead  int
	logGone  int // entries of log past logHead whose verification is gone
	attempts int // attempts of the verifications kept
	seq      int64
	due      dueQueue
	limits   limits
	network  network
	settings Settings
	// changed is closed (and replaced) when a change is saved: a wait on
	// the messages or on the inbox wakes.
	changed chan struct{}
	// epoch and version make Version: epoch is drawn anew for every
	// service (a start, a reset), version counts the changes saved since.
	epoch   uint32
	version uint64
	// unbuilt says Load put verifications in verifs whose indexes (byAge,
	// log, orders, sna, due, limits) are not built yet.
	unbuilt bool
	// tx is the call under way.
	tx *tx
}

// New makes an account's service.
func New(o Options) *Service {
	if o.Clock == nil {
		o.Clock = NewClock(nil)
	}
	if o.IDs == nil {
		o.IDs = &IDs{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Retention == nil {
		o.Retention = func() int { return DefaultRetention }
	}
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	s := &Service{
		opts:   o,
		rng:    mrand.New(mrand.NewChaCha8(seed)), //nolint:gosec // ChaCha8 from crypto/rand: codes a test reads anyway
		verifs: map[string]*verification{}, orders: map[string][]*verification{}, sna: map[string]*verification{},
		changed: make(chan struct{}),
	}
	s.epoch = s.rng.Uint32()
	return s
}

// tx is what one call changed, to save it, or to undo it when it cannot be
// saved. Every call runs in one: the flow steps that fell due, then the
// call's own work. A call changes memory as it goes, through touch, add,
// hide and the limits' counts, which note what undo needs; forgetting what
// the retention drops, waking the waits and the log lines wait for the
// save.
type tx struct {
	now   time.Time
	clock Clock // as it was, to put back
	// clockMoved says an advance moved the offset: it is saved.
	clockMoved bool
	before     map[*verification]verification // the touched ones, as they were
	touched    []*verification                // in the order first touched
	added      []*verification
	hidden     []*attempt
	purge      *purge
	counts     []countUndo
	// windows were read or counted in: tidied after the save.
	windows       []*window
	forgetWindows []windowKey
	sent          []*attempt // to log and announce after the save
	setup         setupTx    // the numbers' outcomes and the settings it changed
	byAgeLen      int
	logLen        int
	attempts      int
}

// run is a call: the flow steps that fell due, then op, saved together. A
// refusal from op is returned after the steps are saved; op refuses before
// it changes anything.
func (s *Service) run(cfg Config, op func(now time.Time) error) error {
	now := s.begin()
	s.runDue(cfg, now)
	err := op(now)
	if serr := s.commit(); serr != nil {
		return serr
	}
	return err
}

// begin starts a call's transaction and reads the clock.
func (s *Service) begin() time.Time {
	s.rebuild()
	t := &tx{
		clock: *s.opts.Clock, before: map[*verification]verification{},
		byAgeLen: len(s.byAge), logLen: len(s.log), attempts: s.attempts,
	}
	s.tx = t
	t.now = s.opts.Clock.Service()
	return t.now
}

// touch notes a verification's state before the call changes it.
func (s *Service) touch(v *verification) {
	if _, seen := s.tx.before[v]; seen || s.isAdded(v) {
		return
	}
	s.tx.before[v] = *v
	s.tx.touched = append(s.tx.touched, v)
}

func (s *Service) isAdded(v *verification) bool { return slices.Contains(s.tx.added, v) }

// commit saves what the call changed; when that fails it undoes it and
// returns the error. After the save, it forgets what the retention drops,
// logs and announces the attempts sent, and tidies the limits.
func (s *Service) commit() error {
	t := s.tx
	s.tx = nil
	drops := s.drops(t)
	changes := s.changes(t, drops)
	if len(changes) > 0 && s.opts.Save != nil {
		if err := s.opts.Save(changes); err != nil {
			s.undo(t)
			return err
		}
	}
	for _, v := range drops {
		s.byAge[s.ageHead] = nil
		s.ageHead++
		s.drop(v)
	}
	s.compactIndexes()
	for _, a := range t.sent {
		s.opts.Logger.Info("code sent", "to", a.v.To, "channel", a.Channel, "code", a.v.Code, "step", a.Step,
			"verificationId", a.v.ID, "outcome", a.outcome(a.At))
	}
	if len(changes) > 0 {
		// Every saved change, not only a new attempt: the inbox shows a
		// check, a purge or a step as soon as it is made.
		s.version++
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.tidyLimits(t)
	return nil
}

// changes are what the journal keeps of a call: the clock, every
// verification it made or changed, its purge, and the verifications the
// retention forgets.
func (s *Service) changes(t *tx, drops []*verification) []Change {
	var out []Change
	if t.clockMoved {
		out = append(out, clockChange(s.opts.Clock.offset))
	}
	for _, v := range t.touched {
		out = append(out, putChange(v))
	}
	for _, v := range t.added {
		out = append(out, putChange(v))
	}
	if t.purge != nil {
		b, err := json.Marshal(t.purge)
		if err != nil {
			panic("engine: a purge does not encode: " + err.Error())
		}
		out = append(out, Change{Kind: KindMessages, Op: OpPurge, Obj: b})
	}
	for _, v := range drops {
		out = append(out, Change{Kind: KindVerification, Op: OpDelete, ID: v.ID})
	}
	return append(out, s.setupChanges(&t.setup)...)
}

// undo puts back what a call changed. Ids, sequence numbers and random
// draws it used stay used: nothing sees them.
func (s *Service) undo(t *tx) {
	*s.opts.Clock = t.clock
	s.undoSetup(&t.setup)
	for v, old := range t.before {
		*v = old
	}
	for _, a := range t.hidden {
		a.Hidden = false
	}
	for i := len(t.added) - 1; i >= 0; i-- {
		v := t.added[i]
		v.gone = true
		delete(s.verifs, v.ID)
		if v.SNAToken != "" {
			delete(s.sna, v.SNAToken)
		}
		if v.OrderID != "" {
			if rest := s.orders[v.OrderID]; len(rest) > 1 {
				s.orders[v.OrderID] = rest[:len(rest)-1]
			} else {
				delete(s.orders, v.OrderID)
			}
		}
	}
	clear(s.byAge[t.byAgeLen:])
	s.byAge = s.byAge[:t.byAgeLen]
	clear(s.log[t.logLen:])
	s.log = s.log[:t.logLen]
	s.attempts = t.attempts
	for i := len(t.counts) - 1; i >= 0; i-- {
		t.counts[i].undo()
	}
	// The flow steps popped and pushed entries: the queue is made again
	// from the verifications, as they are again.
	s.due = dueQueue{}
	for _, v := range s.byAge[s.ageHead:] {
		if v.Next < len(v.Nodes) {
			s.due.add(v)
		}
	}
}

// Advance moves the clock forward by d and runs every flow step that falls
// due by the new time, each at its own due time; it returns how many ran.
func (s *Service) Advance(cfg Config, d time.Duration) (int, error) {
	ran := 0
	err := s.run(cfg, func(time.Time) error {
		ran = s.moveClock(cfg, d)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return ran, nil
}

// moveClock moves the clock forward by d within a call, and runs every
// flow step that falls due by the new time; it returns how many ran.
func (s *Service) moveClock(cfg Config, d time.Duration) int {
	s.opts.Clock.offset += d
	s.tx.clockMoved = true
	s.tx.now = s.opts.Clock.Service()
	return s.runDue(cfg, s.tx.now)
}

// Now runs the flow steps that fell due and reads the service's clock.
func (s *Service) Now(cfg Config) (time.Time, error) {
	var now time.Time
	err := s.run(cfg, func(t time.Time) error { now = t; return nil })
	return now, err
}

// Trim forgets the oldest verifications while the account holds more
// attempts than its retention, which may have dropped since its last send.
func (s *Service) Trim() error {
	s.begin()
	return s.commit()
}

// Reset forgets everything the service holds: verifications, messages,
// number outcomes, settings; the clock goes back to real time. It is saved
// by the caller, as a reset of the account.
func (s *Service) Reset() {
	close(s.changed) // the waits look again, and find nothing
	fresh := New(s.opts)
	fresh.opts.Clock.reset()
	*s = *fresh
}

// Settings are the account's settings.
func (s *Service) Settings() Settings {
	set := s.settings
	set.SensitiveWords = slices.Clone(set.SensitiveWords)
	if set.SensitiveWords == nil {
		set.SensitiveWords = []string{}
	}
	return set
}

// Attempts is how many attempts (messages) the account keeps.
func (s *Service) Attempts() int {
	s.rebuild()
	return s.attempts
}

// Changed is closed when a change is saved (an attempt, a check, a flow
// step, a purge, an advance...), for a wait on the messages or the inbox.
func (s *Service) Changed() <-chan struct{} { return s.changed }

// NextWake is when a wait on the messages should look again without a new
// attempt: when the next flow step falls due, in real time.
func (s *Service) NextWake() (time.Duration, bool) {
	s.rebuild()
	at, found := s.due.next()
	if !found {
		return 0, false
	}
	return max(at.Sub(s.opts.Clock.Service()), 0), true
}
