package main

// The isolation scenario (-only isolation): does one account wait for
// another? It runs the otp-sandbox binary with a state file and two
// accounts. Account A is filled with -isolation-verifications
// verifications; then account B runs complete verifications (a signed send,
// a GET /_sandbox/messages that reads the code, a signed verify that must
// answer matched 0) at a steady rate (-isolation-rate), first while A is
// idle, then while A works: A sends as many verifications again (at
// -isolation-fill-rate, so that its journal grows and is compacted) and
// then purges its messages (DELETE /_sandbox/messages), -isolation-cycles
// times.
//
// Each of B's verifications is timed from the moment it was due, not from
// when a client got round to it: a stall of the sandbox delays every
// verification due during it, and each one counts (a closed loop of
// clients would count a stall once per client). A watcher polls the state
// file's directory every 2 ms for the compaction's temporary file, so the
// scenario knows when a compaction of the journal ran without asking the
// sandbox, which makes it measure any build alike (-sandbox). B's
// verifications are then sorted by what overlapped them: one of A's
// compactions, one of A's purges (from the request to its answer), or
// neither. The rows pool -isolation-reps runs, each on a fresh sandbox.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type isolationOptions struct {
	verifications int           // A's verifications, and each refill's sends
	rate          int           // B's verifications per second
	fillRate      int           // A's sends per second while it works
	cycles        int           // refills and purges of A
	alone         time.Duration // how long B runs while A is idle
	reps          int           // runs, pooled
}

// The two accounts of the scenario.
const (
	keyA, secretA = "isolation-a", "secret-a"
	keyB, secretB = "isolation-b", "secret-b"
)

// isolationTarget is B's p99 while A compacts or purges.
const isolationTarget = 20 * time.Millisecond

// span is a time interval: one of B's verifications, a compaction, a purge.
type span struct{ from, to time.Time }

func (s span) overlaps(o span) bool { return s.from.Before(o.to) && o.from.Before(s.to) }

func (s span) took() time.Duration { return s.to.Sub(s.from) }

func benchIsolation(out io.Writer, o options, iso isolationOptions) error {
	work, err := os.MkdirTemp("", "otp-sandbox-isolation-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin, err := sandboxBinary(o.sandbox, work)
	if err != nil {
		return err
	}
	// Each run on a fresh sandbox; the rows pool the runs' verifications,
	// so that a p99 rests on more than the few that overlap one run's
	// compactions.
	var all isolationRun
	for rep := range iso.reps {
		fmt.Fprintf(os.Stderr, "==> isolation: run %d of %d\n", rep+1, iso.reps)
		r, err := runIsolation(bin, filepath.Join(work, fmt.Sprint(rep)), iso)
		if err != nil {
			return err
		}
		all.idle = append(all.idle, r.idle...)
		all.sending = append(all.sending, r.sending...)
		all.compacting = append(all.compacting, r.compacting...)
		all.purging = append(all.purging, r.purging...)
		all.compactions = append(all.compactions, r.compactions...)
		all.purges = append(all.purges, r.purges...)
		all.purged = append(all.purged, r.purged...)
		all.idleCompactions += r.idleCompactions
	}

	fmt.Fprintf(out, "| account B's verifications (send, read, check) at %d/s | verifications | p50 (ms) | p99 (ms) | max (ms) | target |\n", iso.rate)
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | --- |")
	row := func(what string, ds []time.Duration, target bool) {
		cell := "–"
		if target {
			cell = "≤ 20 ms" + markOf(len(ds) > 0 && percentile(ds, 0.99) <= isolationTarget)
		}
		fmt.Fprintf(out, "| %s | %d | %s | %s | %s | %s |\n", what, len(ds), ms(percentile(ds, 0.5)), ms(percentile(ds, 0.99)), ms(percentile(ds, 1)), cell)
	}
	row(fmt.Sprintf("alone: A idle, holding %d verifications", iso.verifications), all.idle, false)
	row(fmt.Sprintf("while A sends (%d/s), between its compactions and purges", iso.fillRate), all.sending, false)
	row(fmt.Sprintf("while A's journal is compacted (%d compactions, %s)", len(all.compactions), tookRange(all.compactions)), all.compacting, true)
	row(fmt.Sprintf("while A purges its messages (%d purges of %s messages, %s)", len(all.purges), countRange(all.purged), tookRange(all.purges)), all.purging, true)
	fmt.Fprintln(out)
	if all.idleCompactions > 0 {
		fmt.Fprintf(out, "(%d compactions ran while A was idle; B's verifications that overlapped them are left out of the first row.)\n\n", all.idleCompactions)
	}
	return nil
}

// isolationRun is what one run measured: B's verifications, sorted by
// what they overlapped, and A's compactions and purges.
type isolationRun struct {
	idle, sending, compacting, purging []time.Duration
	compactions, purges                []span // while A worked
	purged                             []int
	idleCompactions                    int
}

// runIsolation is one run of the scenario, on a fresh sandbox in work.
func runIsolation(bin, work string, iso isolationOptions) (*isolationRun, error) {
	dir := filepath.Join(work, "state")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	state := filepath.Join(dir, "state.json")
	addrFile := filepath.Join(work, "addr")
	cmd := exec.CommandContext(context.Background(), bin, //nolint:gosec // the sandbox binary the user names
		"-listen", "127.0.0.1:0", "-addr-file", addrFile, "-quiet", "-control-token", benchToken, "-state", state,
		"-retention", strconv.Itoa(iso.verifications),
		"-account", keyA+":"+secretA, "-account", keyB+":"+secretB)
	cmd.Env = withoutOTPVariables(os.Environ())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	base, err := waitFor(addrFile, cmd)
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	root := strings.TrimSuffix(base, "/otp")
	hc := &http.Client{
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute},
		Timeout:   time.Minute,
	}
	a, err := newIsolationAccount(hc, root, keyA, secretA)
	if err != nil {
		return nil, err
	}
	b, err := newIsolationAccount(hc, root, keyB, secretB)
	if err != nil {
		return nil, err
	}

	fmt.Fprintf(os.Stderr, "    filling account A with %d verifications\n", iso.verifications)
	if err := a.sendMany(iso.verifications, 0, 8); err != nil {
		return nil, err
	}
	w := watchCompactions(dir, filepath.Base(state))
	defer w.stop()

	fmt.Fprintf(os.Stderr, "    B alone for %s\n", iso.alone)
	alone, err := b.steady(iso.rate, func() error { time.Sleep(iso.alone); return nil })
	if err != nil {
		return nil, err
	}
	aloneEnd := time.Now()

	fmt.Fprintf(os.Stderr, "    B while A sends, compacts and purges (%d cycles)\n", iso.cycles)
	r := &isolationRun{}
	busy, err := b.steady(iso.rate, func() error {
		for range iso.cycles {
			if err := a.sendMany(iso.verifications, iso.fillRate, 4); err != nil {
				return err
			}
			from := time.Now()
			n, err := a.purge()
			if err != nil {
				return err
			}
			r.purges = append(r.purges, span{from, time.Now()})
			r.purged = append(r.purged, n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	compactions := w.stop()
	for _, c := range compactions {
		if c.from.Before(aloneEnd) {
			r.idleCompactions++
		} else {
			r.compactions = append(r.compactions, c)
		}
	}
	if len(r.compactions) == 0 {
		return nil, errNoCompaction
	}
	fmt.Fprintf(os.Stderr, "    %d compactions, %d purges (messages: %v)\n", len(compactions), len(r.purges), r.purged)
	for _, v := range alone {
		if !overlapsAny(v, compactions) {
			r.idle = append(r.idle, v.took())
		}
	}
	for _, v := range busy {
		c, p := overlapsAny(v, compactions), overlapsAny(v, r.purges)
		if c {
			r.compacting = append(r.compacting, v.took())
		}
		if p {
			r.purging = append(r.purging, v.took())
		}
		if !c && !p {
			r.sending = append(r.sending, v.took())
		}
	}
	return r, nil
}

func overlapsAny(s span, spans []span) bool {
	for _, o := range spans {
		if s.overlaps(o) {
			return true
		}
	}
	return false
}

// percentile is the nearest-rank percentile of ds; p = 1 is the maximum.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func markOf(ok bool) string {
	if ok {
		return " ✓"
	}
	return " ✗"
}

func tookRange(spans []span) string {
	if len(spans) == 0 {
		return "none"
	}
	lo, hi := spans[0].took(), spans[0].took()
	for _, s := range spans {
		lo, hi = min(lo, s.took()), max(hi, s.took())
	}
	return fmt.Sprintf("%s to %s ms each", ms(lo), ms(hi))
}

func countRange(ns []int) string {
	if len(ns) == 0 {
		return "no"
	}
	return fmt.Sprintf("%d to %d", slices.Min(ns), slices.Max(ns))
}

// compactionWatcher notes when the journal's temporary file exists: a
// compaction writes the journal anew beside it, then renames it over.
type compactionWatcher struct {
	done  chan struct{}
	spans chan []span
}

func watchCompactions(dir, base string) *compactionWatcher {
	w := &compactionWatcher{done: make(chan struct{}), spans: make(chan []span, 1)}
	prefix := "." + base + ".tmp-"
	go func() {
		var spans []span
		var open *span
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				if open != nil {
					open.to = time.Now()
					spans = append(spans, *open)
				}
				w.spans <- spans
				return
			case <-t.C:
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				continue
			}
			found := slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), prefix) })
			now := time.Now()
			switch {
			case found && open == nil:
				open = &span{from: now}
			case !found && open != nil:
				open.to = now
				spans = append(spans, *open)
				open = nil
			}
		}
	}()
	return w
}

// stop ends the watch and gives the compactions seen; later calls give
// nothing.
func (w *compactionWatcher) stop() []span {
	select {
	case <-w.done:
		return nil
	default:
	}
	close(w.done)
	return <-w.spans
}

// isolationAccount is one account of the scenario: its app and template,
// and a client that signs as it.
type isolationAccount struct{ *client }

func newIsolationAccount(hc *http.Client, root, key, secret string) (*isolationAccount, error) {
	a := &isolationAccount{&client{t: &target{name: key, base: root}, http: hc, key: key, secret: secret, account: key}}
	var app struct {
		AppID string `json:"appId"`
	}
	if err := a.control(http.MethodPost, "/_sandbox/apps", `{"name":"bench-app"}`, http.StatusCreated, &app); err != nil {
		return nil, err
	}
	var tpl struct {
		TemplateID int64 `json:"templateId"`
	}
	body := fmt.Sprintf(`{"appId":%q,"name":"bench-sms","text":"##code## is your code.","codeLength":6}`, app.AppID)
	if err := a.control(http.MethodPost, "/_sandbox/templates", body, http.StatusCreated, &tpl); err != nil {
		return nil, err
	}
	a.t.appID, a.t.tplID = app.AppID, tpl.TemplateID
	return a, nil
}

// purge deletes all the account's messages and says how many there were.
func (a *isolationAccount) purge() (int, error) {
	var d struct {
		Deleted int `json:"deleted"`
	}
	err := a.control(http.MethodDelete, "/_sandbox/messages", "", http.StatusOK, &d)
	return d.Deleted, err
}

// sendMany makes n sends from the given number of clients, at most rate a
// second (0: as fast as they go).
func (a *isolationAccount) sendMany(n, rate, clients int) error {
	start := time.Now()
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				if rate > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
				}
				if _, err := a.send(); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// steady runs the account's verifications at rate a second, each in a
// goroutine of its own, until during returns; it gives each one's span,
// from when it was due to when its check was answered.
func (a *isolationAccount) steady(rate int, during func() error) ([]span, error) {
	var mu sync.Mutex
	var spans []span
	var first error
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		start := time.Now()
		for i := 0; ; i++ {
			due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
			select {
			case <-stop:
				return
			case <-time.After(time.Until(due)):
			}
			wg.Go(func() {
				err := a.verification()
				end := time.Now()
				mu.Lock()
				defer mu.Unlock()
				if err != nil && first == nil {
					first = err
				}
				spans = append(spans, span{due, end})
			})
		}
	})
	err := during()
	close(stop)
	wg.Wait()
	if err == nil {
		err = first
	}
	return spans, err
}

// sandboxBinary is the otp-sandbox binary to measure: the one named, or
// ./cmd/otp-sandbox built into work.
func sandboxBinary(named, work string) (string, error) {
	if named != "" {
		return named, nil
	}
	bin := filepath.Join(work, "otp-sandbox")
	fmt.Fprintln(os.Stderr, "==> building ./cmd/otp-sandbox")
	build := exec.CommandContext(context.Background(), "go", "build", "-o", bin, "./cmd/otp-sandbox") //nolint:gosec // our own build
	if b, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, b)
	}
	return bin, nil
}

// withoutOTPVariables keeps the user's OTP_ variables from configuring
// the sandbox: the scenario names its accounts itself.
func withoutOTPVariables(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "OTP_") })
}

var errNoCompaction = errors.New("no compaction of A's journal was seen: raise -isolation-verifications")
