// Command sandbox is the sandbox's rows of make bench, in scenarios (-only):
//
// store: how long N creates
// take through the signed API, with the sandbox in memory and with a state
// file (-state), from one client and from 16, for N = 100, 1,000 and
// 10,000. It runs the otp-sandbox binary as a user would (a child process,
// on a free port, -quiet), a fresh one for every run, and creates task
// flows of distinct names, each a signed POST /otp/flow/add that must
// answer status "0".
//
// It prints a Markdown table of medians and checks them against the
// targets of the state file: -state ÷ memory ≤ 1.5 at the largest N, and
// the time per create at the largest N within 1.3× of that at the
// smallest.
//
// verify and memory: the OTP service's throughput and memory (service.go).
//
// isolation: whether one account waits for another, against the
// otp-sandbox binary with a state file (isolation.go).
//
// It is a benchmark, not a test: it fails only when a run fails.
//
//	go run ./bench/sandbox [-only store,verify,memory,isolation] [-n "100 1000 10000"] [-clients "1 16"] [-reps 3] [-sandbox path]
//
// Without -sandbox it builds ./cmd/otp-sandbox first, so run it from the
// repository's root; -sandbox measures another build (an older one, for a
// before-and-after).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
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

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

const (
	apiKey    = "bench-key"
	apiSecret = "bench-secret"
	// The vendor's flows take one to five steps; one keeps the body small
	// and the same at every N.
	flowBody = `{"name":%q,"flow":[{"waitingTime":60,"status":1,"channel":"sms","channelCut":0}]}`
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sandbox:", err)
		os.Exit(1)
	}
}

type options struct {
	sandbox string
	ns      []int
	clients []int
	reps    int
	verbose bool
}

func run(args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("bench/sandbox", flag.ContinueOnError)
	fs.StringVar(&o.sandbox, "sandbox", "", "the otp-sandbox binary to measure (default: build ./cmd/otp-sandbox)")
	ns := fs.String("n", "100 1000 10000", "numbers of creates, separated by spaces or commas")
	clients := fs.String("clients", "1 16", "numbers of concurrent clients, separated by spaces or commas")
	fs.IntVar(&o.reps, "reps", 3, "measured runs per cell (after one discarded warm-up run of each mode); the table shows the median")
	fs.BoolVar(&o.verbose, "v", false, "print every run")
	only := fs.String("only", "store,verify,memory,isolation", "scenarios to run, comma-separated: store, verify, memory, isolation")
	serviceClients := fs.Int("service-clients", 32, "concurrent clients of the verify and memory scenarios")
	duration := fs.Duration("duration", 5*time.Second, "length of each measured run of the verify scenario")
	sends := fs.Int("sends", 100000, "sends of the memory scenario")
	retention := fs.Int("retention", sandbox.DefaultRetention, "the account's retention (attempts kept) in the memory scenario")
	var iso isolationOptions
	fs.IntVar(&iso.verifications, "isolation-verifications", 10000, "verifications account A holds in the isolation scenario, and sends again in each cycle")
	fs.IntVar(&iso.rate, "isolation-rate", 100, "account B's complete verifications per second in the isolation scenario")
	fs.IntVar(&iso.fillRate, "isolation-fill-rate", 1000, "account A's sends per second while it works in the isolation scenario")
	fs.IntVar(&iso.cycles, "isolation-cycles", 4, "times account A sends and purges its messages in the isolation scenario")
	fs.DurationVar(&iso.alone, "isolation-alone", 10*time.Second, "how long account B runs alone in the isolation scenario")
	fs.IntVar(&iso.reps, "isolation-reps", 5, "runs of the isolation scenario, each on a fresh sandbox; its rows pool them, so that a p99 rests on more than the verifications one run overlaps")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the verify and memory scenarios (sandbox, calibration and clients) here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var err error
	if o.ns, err = intList(*ns); err != nil {
		return fmt.Errorf("-n: %w", err)
	}
	if o.clients, err = intList(*clients); err != nil {
		return fmt.Errorf("-clients: %w", err)
	}
	if o.reps < 1 {
		return errors.New("-reps must be 1 or more")
	}
	for _, scenario := range strings.Split(*only, ",") {
		var err error
		switch strings.TrimSpace(scenario) {
		case "store":
			err = benchStore(out, o)
		case "isolation":
			err = benchIsolation(out, o, iso)
		case "verify", "memory":
			if *cpuProfile != "" {
				stop, perr := profile(*cpuProfile)
				if perr != nil {
					return perr
				}
				defer stop()
				*cpuProfile = ""
			}
			if scenario == "verify" {
				err = benchVerify(out, *serviceClients, *duration, o.reps)
			} else {
				err = benchMemory(out, *serviceClients, *sends, *retention)
			}
		default:
			err = fmt.Errorf("unknown scenario %q (store, verify, memory, isolation)", scenario)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// benchStore is the store scenario.
func benchStore(out io.Writer, o options) error {
	work, err := os.MkdirTemp("", "otp-sandbox-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if o.sandbox, err = sandboxBinary(o.sandbox, work); err != nil {
		return err
	}

	modes := []bool{false, true} // with -state
	for _, state := range modes {
		if _, err := measure(o.sandbox, work, slices.Min(o.ns), 1, state); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	results := map[cell]result{}
	// Modes and client counts take turns, so that a slow spell of the
	// shared machine does not land on one column.
	for _, n := range o.ns {
		for rep := range o.reps {
			for _, c := range o.clients {
				for _, state := range modes {
					r, err := measure(o.sandbox, work, n, c, state)
					if err != nil {
						return fmt.Errorf("%d creates, %d clients, state %v: %w", n, c, state, err)
					}
					if o.verbose {
						fmt.Fprintf(os.Stderr, "N=%d clients=%d state=%v rep=%d: %.3f s, file %d bytes\n", n, c, state, rep, r.wall.Seconds(), r.fileBytes)
					}
					k := cell{n, c, state}
					acc := results[k]
					acc.walls = append(acc.walls, r.wall)
					acc.fileBytes = r.fileBytes
					results[k] = acc
				}
			}
		}
	}
	report(out, o, results)
	return nil
}

type cell struct {
	n, clients int
	state      bool
}

type result struct {
	walls     []time.Duration
	wall      time.Duration
	fileBytes int64
}

func (r result) median() time.Duration {
	w := slices.Clone(r.walls)
	slices.Sort(w)
	return w[len(w)/2]
}

// measure starts a fresh sandbox and times n creates from c clients.
func measure(bin, work string, n, c int, state bool) (result, error) {
	dir, err := os.MkdirTemp(work, "run-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	addrFile, stateFile := filepath.Join(dir, "addr"), filepath.Join(dir, "state.json")
	args := []string{"-listen", "127.0.0.1:0", "-addr-file", addrFile, "-quiet", "-control-token", "bench"}
	if state {
		args = append(args, "-state", stateFile)
	}
	cmd := exec.CommandContext(context.Background(), bin, args...) //nolint:gosec // the sandbox binary the user names
	cmd.Env = append(os.Environ(), "OTP_API_KEY="+apiKey, "OTP_API_SECRET="+apiSecret)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	base, err := waitFor(addrFile, cmd)
	if err != nil {
		return result{}, fmt.Errorf("%w\n%s", err, stderr.String())
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}, Timeout: time.Minute}
	// Each client opens its connection with a list before the clock
	// starts: the creates are measured, not 16 TCP handshakes, which would
	// weigh on 100 creates and not on 10,000.
	var ready, wg sync.WaitGroup
	ready.Add(c)
	begin := make(chan struct{})
	var next atomic.Int64
	errs := make(chan error, c)
	for range c {
		wg.Go(func() {
			err := send(client, http.MethodGet, base+"/flow/list", "")
			ready.Done()
			if err != nil {
				errs <- err
				return
			}
			<-begin
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				if err := send(client, http.MethodPost, base+"/flow/add", fmt.Sprintf(flowBody, fmt.Sprintf("bench-flow-%d", i))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	ready.Wait()
	start := time.Now()
	close(begin)
	wg.Wait()
	wall := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return result{}, err
	}
	r := result{wall: wall}
	if state {
		fi, err := os.Stat(stateFile)
		if err != nil {
			return result{}, err
		}
		r.fileBytes = fi.Size()
	}
	return r, nil
}

// send sends a signed request, which must answer status "0".
func send(client *http.Client, method, url, body string) error {
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	signRequest(req)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("%s %s: HTTP %d: %w", method, url, resp.StatusCode, err)
	}
	if env.Status != "0" {
		return fmt.Errorf("%s %s %s: status %s %s", method, url, body, env.Status, env.Reason)
	}
	return nil
}

// waitFor waits for the sandbox to write its address file.
func waitFor(addrFile string, cmd *exec.Cmd) (string, error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 { //nolint:gosec // our own temporary file
			return strings.TrimSpace(string(b)), nil
		}
		if cmd.ProcessState != nil {
			return "", errors.New("the sandbox exited")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return "", errors.New("the sandbox did not start within 30 s")
}

func report(out io.Writer, o options, results map[cell]result) {
	lo, hi := slices.Min(o.ns), slices.Max(o.ns)
	fmt.Fprintf(out, "| creates | clients | memory (s) | -state (s) | -state ÷ memory | per create, memory (µs) | per create, -state (µs) | per create ÷ at N=%d, memory / -state | state file (KiB) |\n", lo)
	fmt.Fprintln(out, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, n := range o.ns {
		for _, c := range o.clients {
			mem, st := results[cell{n, c, false}], results[cell{n, c, true}]
			m, s := mem.median(), st.median()
			ratio := s.Seconds() / m.Seconds()
			perM, perS := perCreate(m, n), perCreate(s, n)
			baseM, baseS := perCreate(results[cell{lo, c, false}].median(), lo), perCreate(results[cell{lo, c, true}].median(), lo)
			ratioCell := fmt.Sprintf("%.2f", ratio)
			growth := fmt.Sprintf("%.2f / %.2f", perM/baseM, perS/baseS)
			if n == hi && hi != lo {
				ratioCell += mark(ratio <= 1.5, "≤ 1.5")
				growth += mark(perS/baseS <= 1.3 && perM/baseM <= 1.3, "≤ 1.3")
			}
			fmt.Fprintf(out, "| %d | %d | %.3f | %.3f | %s | %.0f | %.0f | %s | %.0f |\n",
				n, c, m.Seconds(), s.Seconds(), ratioCell, perM, perS, growth, float64(st.fileBytes)/1024)
		}
	}
}

func perCreate(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(n) }

func mark(ok bool, target string) string {
	if ok {
		return " (" + target + " ✓)"
	}
	return " (" + target + " ✗)"
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("no numbers given")
	}
	return out, nil
}
