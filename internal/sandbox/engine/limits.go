package engine

import (
	"fmt"
	"sort"
	"time"
)

// An app's send limits, as the sandbox reads them: sliding windows. A send
// is refused when the sends already counted in the period × unit before it
// (a send exactly one period old no longer counts) reach the limit. Every
// send counts: send, sendRule, resend and each flow step that sends; a
// refused send does not. A fixed, calendar-aligned window would make a test
// that sends near a boundary fail or pass by chance; a sliding one gives
// the same answer at any time of day.
//
// A check reads the windows without changing them and a count only
// appends, so that a transaction that cannot be saved is undone by cutting
// the appends off; forgetting what no longer counts waits for the commit.

// window holds the times of the counted sends of one app, or of one app to
// one number, that may still count.
type window struct {
	times  []int64 // Unix nanoseconds, oldest first, from head on
	head   int
	length time.Duration // the period it was last checked against, for pruning
}

// counted is how many sends count after cut.
func (w *window) counted(cut int64) int {
	live := w.times[w.head:]
	return len(live) - sort.Search(len(live), func(i int) bool { return live[i] > cut })
}

// prune forgets the sends that no longer count at now.
func (w *window) prune(now time.Time) {
	cut := now.Add(-w.length).UnixNano()
	for w.head < len(w.times) && w.times[w.head] <= cut {
		w.head++
	}
	if w.head > 0 && w.head >= len(w.times)/2 {
		w.times = append(w.times[:0], w.times[w.head:]...)
		w.head = 0
	}
}

// limits are an account's windows.
type limits struct {
	total map[string]*window // by appId
	phone map[string]*window // by appId and number
	added int                // sends counted since the last sweep
}

// sweepEvery is how many counted sends pass between sweeps of every window,
// so that windows of numbers never sent to again are forgotten: memory
// follows the sends still inside their periods, not every number ever used.
const sweepEvery = 4096

func phoneKey(appID, to string) string { return appID + "\x00" + to }

// check says whether one more send of the app to the number fits both
// limits at now; -27 for the app's, then -28 for the number's.
func (s *Service) checkLimits(app App, to string, now time.Time) error {
	if err := s.checkLimit(s.limits.total, app.ID, app.TotalLimit, now); err != nil {
		return refuse(CodeTotalLimit, "periodTotalSendLimit of app %q: %s", app.ID, err)
	}
	if err := s.checkLimit(s.limits.phone, phoneKey(app.ID, to), app.PhoneLimit, now); err != nil {
		return refuse(CodePhoneLimit, "periodPhoneSendLimit of app %q for %s: %s", app.ID, to, err)
	}
	return nil
}

func (s *Service) checkLimit(windows map[string]*window, k string, lim Limit, now time.Time) error {
	w := windows[k]
	if !lim.Enabled {
		// A disabled limit counts nothing: enabled again, it starts afresh.
		if w != nil {
			s.tx.forgetWindows = append(s.tx.forgetWindows, windowKey{windows, k})
		}
		return nil
	}
	if w == nil {
		return nil
	}
	length, name := lim.span()
	w.length = length
	s.tx.windows = append(s.tx.windows, w)
	if n := w.counted(now.Add(-length).UnixNano()); int64(n) >= lim.Max {
		return fmt.Errorf("%d sends in %s already", n, name)
	}
	return nil
}

// countLimits records a send that checkLimits allowed.
func (s *Service) countLimits(app App, to string, now time.Time) {
	if s.limits.total == nil {
		s.limits.total, s.limits.phone = map[string]*window{}, map[string]*window{}
	}
	s.countLimit(s.limits.total, app.ID, app.TotalLimit, now)
	s.countLimit(s.limits.phone, phoneKey(app.ID, to), app.PhoneLimit, now)
	s.limits.added++
}

func (s *Service) countLimit(windows map[string]*window, k string, lim Limit, now time.Time) {
	if !lim.Enabled {
		return
	}
	w := windows[k]
	undo := countUndo{key: windowKey{windows, k}}
	if w == nil {
		length, _ := lim.span()
		w = &window{length: length}
		windows[k] = w
		undo.created = true
	}
	undo.w, undo.len = w, len(w.times)
	w.times = append(w.times, now.UnixNano())
	s.tx.counts = append(s.tx.counts, undo)
	s.tx.windows = append(s.tx.windows, w)
}

// windowKey names a window in its map.
type windowKey struct {
	windows map[string]*window
	k       string
}

// countUndo takes a count back.
type countUndo struct {
	key     windowKey
	w       *window
	len     int
	created bool
}

func (u countUndo) undo() {
	if u.created {
		delete(u.key.windows, u.key.k)
		return
	}
	u.w.times = u.w.times[:u.len]
}

// tidyLimits forgets, once a transaction is saved, what no longer counts:
// the sends out of the windows it read, the windows of disabled limits,
// and now and then every window that has emptied.
func (s *Service) tidyLimits(t *tx) {
	for _, w := range t.windows {
		w.prune(t.now)
	}
	for _, f := range t.forgetWindows {
		delete(f.windows, f.k)
	}
	if s.limits.added < sweepEvery {
		return
	}
	s.limits.added = 0
	for _, windows := range []map[string]*window{s.limits.total, s.limits.phone} {
		for k, w := range windows {
			if w.prune(t.now); len(w.times) == w.head {
				delete(windows, k)
			}
		}
	}
}

// restoreLimits counts a send again after a restart, from an attempt, in
// time order; the next check with the app's limits as they are then
// applies their period.
func (s *Service) restoreLimits(appID, to string, at time.Time) {
	if s.limits.total == nil {
		s.limits.total, s.limits.phone = map[string]*window{}, map[string]*window{}
	}
	for _, p := range []windowKey{{s.limits.total, appID}, {s.limits.phone, phoneKey(appID, to)}} {
		w := p.windows[p.k]
		if w == nil {
			w = &window{length: longestPeriod}
			p.windows[p.k] = w
		}
		w.times = append(w.times, at.UnixNano())
	}
}
