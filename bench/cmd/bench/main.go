// Command bench is make bench: it drives a real Terraform-compatible CLI
// against the sandbox and prints, for N otp_task_flow resources and a few
// injected API latencies, the requests and wall time of an apply that
// creates N flows, a plan of N unchanged flows and an apply that updates one,
// next to the same times for a calibration provider with the same schema and
// no I/O (bench/noio), and the peak memory of both providers' processes.
//
// It is a benchmark, not a test: it asserts nothing about time. It fails
// only when a command fails or an operation does something other than what
// it measures (a plan that is not empty, an apply that creates fewer flows).
//
// scripts/bench.sh builds everything and runs it; run that rather than this.
// Every path it is given is in a temporary directory that the script owns.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

type options struct {
	cli         string
	ours, noio  string // provider binaries
	wrap        string // bench/rsswrap binary
	work        string // scratch directory, removed by the caller
	ns          []int
	latencies   []int // milliseconds
	reps        int
	warmup      int
	parallelism int
	verbose     bool
	oursQuiet   bool // also measure our provider with its loggers switched off by hand
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.cli, "cli", "", "path of the terraform or tofu binary")
	fs.StringVar(&o.ours, "ours", "", "path of the provider binary to measure")
	fs.StringVar(&o.noio, "noio", "", "path of the calibration provider binary (bench/noio)")
	fs.StringVar(&o.wrap, "wrap", "", "path of the memory-measuring wrapper (bench/rsswrap)")
	fs.StringVar(&o.work, "work", "", "scratch directory (the caller removes it)")
	ns := fs.String("n", "10 100 1000", "numbers of otp_task_flow resources, separated by spaces or commas")
	lats := fs.String("latency-ms", "0 100", "injected API latencies in milliseconds, separated by spaces or commas")
	fs.IntVar(&o.reps, "reps", 3, "measured runs per cell; the table shows the median")
	fs.IntVar(&o.warmup, "warmup", 1, "runs per cell before the measured ones, discarded")
	fs.IntVar(&o.parallelism, "parallelism", 10, "the CLI's -parallelism")
	fs.BoolVar(&o.verbose, "v", false, "also print every run and the requests per API route")
	fs.BoolVar(&o.oursQuiet, "ours-quiet", false, "also measure our provider with every logger switched off by hand (TF_LOG_SDK*=OFF), to compare with what it does by itself")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	for name, v := range map[string]string{"-cli": o.cli, "-ours": o.ours, "-noio": o.noio, "-wrap": o.wrap, "-work": o.work} {
		if v == "" {
			return o, fmt.Errorf("%s is required", name)
		}
	}
	var err error
	if o.ns, err = intList(*ns, 1); err != nil {
		return o, fmt.Errorf("-n: %w", err)
	}
	if o.latencies, err = intList(*lats, 0); err != nil {
		return o, fmt.Errorf("-latency-ms: %w", err)
	}
	if o.reps < 1 || o.warmup < 0 || o.parallelism < 1 {
		return o, errors.New("-reps and -parallelism must be at least 1, -warmup at least 0")
	}
	return o, nil
}

func intList(s string, lowest int) ([]int, error) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n < lowest {
			return nil, fmt.Errorf("%q is not a whole number of at least %d", f, lowest)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

func main() { os.Exit(realMain()) }

func realMain() int {
	// The CLI runs in its own process group (see runCLI), so a Ctrl-C reaches
	// only us; we then stop the CLI the way a user would, once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts, err := parseOptions(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "\nbench:", err)
		if ctx.Err() != nil {
			return 130
		}
		return 1
	}
	return 0
}

// Operations, in the order each run performs them on one state.
const (
	// opPlanNew plans the N creates that opApply then applies.
	opPlanNew = "plan new"
	opApply   = "apply"
	opPlan    = "plan"
	opUpdate  = "update"
	// opQuery lists the N flows with terraform query (Terraform 1.14+ only;
	// the other CLIs skip it).
	opQuery = "query"
	// opPlanAdopt and opApplyAdopt plan and apply the same N flows from a
	// new state with adopt_existing on, as a module test run again does:
	// every name is taken by the flows of the state above, and one of them
	// (the one opUpdate changed) differs from this configuration.
	opPlanAdopt  = "plan adopt"
	opApplyAdopt = "apply adopt"
)

var operations = []string{opPlanNew, opApply, opPlan, opUpdate, opQuery, opPlanAdopt, opApplyAdopt}

// adopting reports an operation on the second state, with adoption on.
func adopting(op string) bool { return op == opPlanAdopt || op == opApplyAdopt }

// Variants: the provider under test, the calibration provider as every
// framework provider logs (everything at TRACE, onto stderr, whatever the CLI
// keeps), the same with its loggers switched off (the floor), and, on
// request, ours with its loggers switched off by hand.
const (
	ours      = "ours"
	noio      = "no-I/O"
	quiet     = "quiet no-I/O"
	oursQuiet = "ours, loggers off"
)

// loggersOff switches off every logger of terraform-plugin-log by hand.
var loggersOff = []string{"TF_LOG_SDK=OFF", "TF_LOG_SDK_PROTO=OFF", "TF_LOG_SDK_FRAMEWORK=OFF", "TF_LOG_PROVIDER_OTP=OFF"}

// key names one table cell's samples.
type key struct {
	n, latency int
	op         string
	variant    string
}

type sample struct {
	wall     time.Duration
	requests int
	routes   map[string]int
	rssKiB   int64         // the largest provider process the command started
	procs    int           // provider processes the command started
	cpu      time.Duration // of all those processes: unlike wall time, other load hardly moves it
}

type bench struct {
	opts     options
	host     *sandboxHost
	variants []*variant
	env      []string // the CLI's, without the variant's configuration
	logs     string
	results  map[key][]sample
	cliName  string
	started  time.Time
	hasQuery bool // the CLI has terraform query
}

func run(ctx context.Context, opts options) error {
	b := &bench{opts: opts, results: map[key][]sample{}, started: time.Now()}
	for _, dir := range []string{"home", "logs", "runs"} {
		if err := os.MkdirAll(filepath.Join(opts.work, dir), 0o700); err != nil {
			return err
		}
	}
	b.logs = filepath.Join(opts.work, "logs")
	b.env = cliEnv(os.Environ(), filepath.Join(opts.work, "home"))
	type spec struct {
		name, dir, binary string
		env               []string
	}
	specs := []spec{{ours, "ours", opts.ours, nil}, {noio, "noio", opts.noio, nil}, {quiet, "quiet", opts.noio, loggersOff}}
	if opts.oursQuiet {
		specs = append(specs, spec{oursQuiet, "ours-quiet", opts.ours, loggersOff})
	}
	for _, v := range specs {
		vr, err := newVariant(v.name, filepath.Join(opts.work, v.dir), v.binary, opts.wrap, v.env)
		if err != nil {
			return err
		}
		b.variants = append(b.variants, vr)
	}

	host, err := startSandboxHost(ctx)
	if err != nil {
		return err
	}
	defer host.close()
	b.host = host

	version, err := cliVersion(ctx, opts.cli, b.env)
	if err != nil {
		return err
	}
	b.cliName = version
	b.hasQuery = hasQuery(version)
	printHeader(os.Stdout, b)

	total := len(opts.ns) * len(opts.latencies) * (opts.warmup + opts.reps)
	done := 0
	for _, n := range opts.ns {
		for _, lat := range opts.latencies {
			for r := -opts.warmup; r < opts.reps; r++ {
				done++
				label := fmt.Sprintf("[%d/%d] N=%-4d %3d ms %-9s", done, total, n, lat, runLabel(r, opts.reps))
				if err := b.runOnce(ctx, n, lat, r, label); err != nil {
					if ctx.Err() != nil && len(b.results) > 0 {
						fmt.Fprintln(os.Stderr, "\ninterrupted; what was measured so far:")
						printReport(os.Stdout, b)
					}
					return err
				}
			}
		}
	}
	printReport(os.Stdout, b)
	return nil
}

func runLabel(r, reps int) string {
	if r < 0 {
		return "warm-up"
	}
	return fmt.Sprintf("run %d/%d", r+1, reps)
}

// runOnce creates N flows, plans them unchanged and updates one, with each
// provider on its own state and a fresh sandbox account, so that names never
// clash with a previous run's flows (the API cannot delete them). r < 0 is
// a warm-up whose samples are dropped.
func (b *bench) runOnce(ctx context.Context, n, lat, r int, label string) error {
	sb, cfgs, err := b.host.fresh(n, lat, len(b.variants))
	if err != nil {
		return err
	}
	tag := fmt.Sprintf("n%d-lat%d-%s", n, lat, strings.ReplaceAll(runLabel(r, b.opts.reps), " ", ""))
	tag = strings.ReplaceAll(tag, "/", "of")
	runDir := filepath.Join(b.opts.work, "runs", tag)
	defer os.RemoveAll(runDir)

	for _, op := range operations {
		if op == opQuery && !b.hasQuery {
			continue
		}
		changed := -1
		if op == opUpdate {
			changed = n / 2
		}
		state := ""
		if adopting(op) {
			state = "-adopt"
		}
		var line strings.Builder
		fmt.Fprintf(&line, "%s %-6s", label, op)
		// The variants take turns going first: whichever runs right after
		// the previous operation's heaviest command (an apply of N creates)
		// pays for what that left behind, and no variant should always be it.
		for j := range b.variants {
			vi := (j + r + b.opts.warmup) % len(b.variants)
			v := b.variants[vi]
			text := cfgs[vi].render(changed)
			dir := filepath.Join(runDir, v.dir+state)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), text, 0o600); err != nil {
				return err
			}
			if op == opQuery {
				if err := os.WriteFile(filepath.Join(dir, "bench.tfquery.hcl"), queryConfig(n), 0o600); err != nil {
					return err
				}
			}
			sb.ResetCounts()
			logPath := filepath.Join(b.logs, fmt.Sprintf("%s-%s-%s.log", tag, op, v.dir))
			s, err := b.measure(ctx, v, dir, logPath, op, n)
			if err != nil {
				return err
			}
			s.requests, s.routes = sb.Total(), sb.Counts()
			if why := checkRequests(v, op, n, s); why != "" {
				return commandFailed(b.describe(v, op, n, dir), why, logPath)
			}
			if r >= 0 {
				k := key{n: n, latency: lat, op: op, variant: v.name}
				b.results[k] = append(b.results[k], s)
			}
			fmt.Fprintf(&line, " | %s %6.2fs %4d req %6.1f MiB", v.name, s.wall.Seconds(), s.requests, mib(s.rssKiB))
		}
		fmt.Fprintln(os.Stderr, line.String())
	}
	return nil
}

// checkRequests catches a setup that measures the wrong thing: dev_overrides
// that do not reach the intended binary show up as requests where there
// should be none, or too few creates.
func checkRequests(v *variant, op string, n int, s sample) string {
	switch {
	case v.calibration() && s.requests != 0:
		return fmt.Sprintf("the calibration provider's run sent %d API requests; it should send none", s.requests)
	case !v.calibration() && op == opApply && s.routes[sandbox.RouteFlowAdd] != n:
		return fmt.Sprintf("our provider sent %d creates for %d flows", s.routes[sandbox.RouteFlowAdd], n)
	case !v.calibration() && op == opQuery && (s.routes[sandbox.RouteFlowList] != 1 || s.requests != 1):
		return fmt.Sprintf("our provider's query sent %v; it should send one list", s.routes)
	case !v.calibration() && op == opUpdate && s.routes[sandbox.RouteFlowUpdate] != 1:
		return fmt.Sprintf("our provider sent %d updates for one changed flow", s.routes[sandbox.RouteFlowUpdate])
	case !v.calibration() && (op == opPlanNew || op == opPlanAdopt) && (s.routes[sandbox.RouteFlowList] != 1 || s.requests != 1):
		return fmt.Sprintf("our provider's plan of %d creates sent %v; it should send one list (the name checks)", n, s.routes)
	case !v.calibration() && op == opApplyAdopt && (s.routes[sandbox.RouteFlowAdd] != 0 || s.routes[sandbox.RouteFlowUpdate] != 1 ||
		s.routes[sandbox.RouteFlowList] != 2 || s.requests != 3):
		return fmt.Sprintf("our provider's adopting apply sent %v; it should send two lists (its plan's and the apply's own plan's) "+
			"and one update (the one flow that differs), and no create", s.routes)
	}
	return ""
}

// sandboxHost serves whichever sandbox the current run uses on one loopback
// port, so every run's configuration has the same shape.
type sandboxHost struct {
	current atomic.Pointer[sandbox.Server]
	srv     *http.Server
	base    string
	seq     int
}

func startSandboxHost(ctx context.Context) (*sandboxHost, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &sandboxHost{base: "http://" + l.Addr().String()}
	h.srv = &http.Server{Handler: h, ReadHeaderTimeout: time.Minute}
	go func() { _ = h.srv.Serve(l) }()
	return h, nil
}

func (h *sandboxHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sb := h.current.Load()
	if sb == nil {
		http.Error(w, "no sandbox", http.StatusServiceUnavailable)
		return
	}
	sb.ServeHTTP(w, r)
}

func (h *sandboxHost) close() { _ = h.srv.Close() }

// fresh installs a new sandbox with the latency fault and one new account
// per variant (each provider creates its own N flows, and names are unique
// per account), and returns the configurations that point at them.
func (h *sandboxHost) fresh(n, latencyMS, variants int) (*sandbox.Server, []flowConfig, error) {
	h.seq++
	accounts := map[string]string{}
	var cfgs []flowConfig
	for v := range variants {
		key := fmt.Sprintf("bench-key-%d-%d", h.seq, v)
		secret := fmt.Sprintf("bench-secret-%d-%d-%d", h.seq, v, time.Now().UnixNano())
		accounts[key] = secret
		cfgs = append(cfgs, flowConfig{n: n, apiKey: key, apiSecret: secret})
	}
	sb, err := sandbox.New(sandbox.Options{Accounts: accounts})
	if err != nil {
		return nil, nil, err
	}
	sb.SetFaults(sandbox.Faults{LatencyMS: latencyMS})
	h.current.Store(sb)
	for i := range cfgs {
		cfgs[i].baseURL = h.base + sb.Prefix()
	}
	return sb, cfgs, nil
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

// median of already collected values; the caller guarantees at least one.
func median[T int | int64 | time.Duration](vs []T) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return float64(s[m])
	}
	return (float64(s[m-1]) + float64(s[m])) / 2
}
