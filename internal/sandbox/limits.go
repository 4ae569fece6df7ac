package sandbox

import (
	"fmt"
	"time"
)

// An app's send limits, as the sandbox reads them: sliding windows. A send
// is refused when the sends already counted in the period × unit before it
// (a send exactly one period old no longer counts) reach the limit. Every
// send counts: send, sendRule, resend and each flow step that sends; a
// refused send does not. A fixed, calendar-aligned window would make a test
// that sends near a boundary fail or pass by chance; a sliding one gives
// the same answer at any time of day.

// unitLengths are the vendor's period units: 1 day, 2 hour, 3 minute, 4 second.
var unitLengths = map[int]time.Duration{1: 24 * time.Hour, 2: time.Hour, 3: time.Minute, 4: time.Second}

var unitNames = map[int]string{1: "day", 2: "hour", 3: "minute", 4: "second"}

// span is a limit's period, and how it reads in a reason ("1 hour").
func span(l Limit) (time.Duration, string) {
	unit, period := *l.Unit, *l.Period
	name := unitNames[unit]
	if period != 1 {
		name += "s"
	}
	return time.Duration(period) * unitLengths[unit], fmt.Sprintf("%d %s", period, name)
}

// window holds the times of the counted sends of one app, or of one app to
// one number, that may still count: at most the limit's count of them, since
// a full window refuses the next send.
type window struct {
	times  []int64 // Unix nanoseconds, oldest first, from head on
	head   int
	length time.Duration // the period it was last checked against, for sweeps
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

func (w *window) count() int { return len(w.times) - w.head }

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
func (l *limits) check(app App, to string, now time.Time) error {
	if err := l.checkOne(l.total, app.AppID, app.PeriodTotalSendLimit, now); err != nil {
		return refuse(codeTotalLimit, "periodTotalSendLimit of app %q: %s", app.AppID, err)
	}
	if err := l.checkOne(l.phone, phoneKey(app.AppID, to), app.PeriodPhoneSendLimit, now); err != nil {
		return refuse(codePhoneLimit, "periodPhoneSendLimit of app %q for %s: %s", app.AppID, to, err)
	}
	return nil
}

func (l *limits) checkOne(windows map[string]*window, k string, lim Limit, now time.Time) error {
	w := windows[k]
	if !lim.Enabled {
		// A disabled limit counts nothing: enabled again, it starts afresh.
		delete(windows, k)
		return nil
	}
	if w == nil {
		return nil
	}
	length, name := span(lim)
	w.length = length
	w.prune(now)
	if int64(w.count()) >= *lim.Limit {
		return fmt.Errorf("%d sends in %s already", w.count(), name)
	}
	return nil
}

// count records a send that check allowed.
func (l *limits) count(app App, to string, now time.Time) {
	if l.total == nil {
		l.total, l.phone = map[string]*window{}, map[string]*window{}
	}
	l.countOne(l.total, app.AppID, app.PeriodTotalSendLimit, now)
	l.countOne(l.phone, phoneKey(app.AppID, to), app.PeriodPhoneSendLimit, now)
	if l.added++; l.added >= sweepEvery {
		l.sweep(now)
	}
}

func (l *limits) countOne(windows map[string]*window, k string, lim Limit, now time.Time) {
	if !lim.Enabled {
		return
	}
	w := windows[k]
	if w == nil {
		length, _ := span(lim)
		w = &window{length: length}
		windows[k] = w
	}
	w.times = append(w.times, now.UnixNano())
}

// sweep forgets the windows whose sends have all left their periods.
func (l *limits) sweep(now time.Time) {
	l.added = 0
	for _, windows := range []map[string]*window{l.total, l.phone} {
		for k, w := range windows {
			if w.prune(now); w.count() == 0 {
				delete(windows, k)
			}
		}
	}
}

// restore counts a send again after a restart, from a verification's
// attempt, in time order; the next check with the app's limits as they are
// then prunes it (or forgets the window of a disabled limit).
func (l *limits) restore(appID, to string, at time.Time) {
	if l.total == nil {
		l.total, l.phone = map[string]*window{}, map[string]*window{}
	}
	for _, p := range []struct {
		windows map[string]*window
		k       string
	}{{l.total, appID}, {l.phone, phoneKey(appID, to)}} {
		w := p.windows[p.k]
		if w == nil {
			w = &window{length: periodMax * 24 * time.Hour} // the longest period, until a check says
			p.windows[p.k] = w
		}
		w.times = append(w.times, at.UnixNano())
	}
}
