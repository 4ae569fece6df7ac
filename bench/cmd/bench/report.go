package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The targets. They are reported, never asserted: timings on a
// shared machine are too noisy to fail anything on.
const (
	targetRatio = 1.10
	// Plan: N unchanged flows at this latency and N.
	targetPlanLatency, targetPlanN = 100, 100
	// Apply: N creates at this latency and parallelism, against the
	// calibration provider's time plus N × latency ÷ parallelism.
	targetApplyLatency, targetApplyParallelism = 100, 10
	// Memory: peak RSS at this N.
	targetMemoryN = 1000
	// Query: N listed flows at this latency.
	targetQueryLatency, targetQueryN = 100, 1000
)

func printHeader(w io.Writer, b *bench) {
	o := b.opts
	fmt.Fprintf(w, "## make bench: otp_task_flow, %s\n\n", b.cliName)
	fmt.Fprintf(w, "- machine: %s, %d cores, Linux %s; load average at start %s\n", cpuModel(), runtime.NumCPU(), kernel(), loadAverage())
	fmt.Fprintf(w, "- Go %s; CLI %s (%s); -parallelism=%d\n", runtime.Version(), b.cliName, o.cli, o.parallelism)
	fmt.Fprintf(w, "- N = %s; latency = %s ms; per cell %d warm-up run(s), discarded, then %d measured run(s)\n\n",
		joinInts(o.ns), joinInts(o.latencies), o.warmup, o.reps)
}

// printReport prints the table of whatever has been measured.
func printReport(w io.Writer, b *bench) {
	o := b.opts
	header := []string{"N", "latency", "operation", "requests", "ours (s)", "no-I/O (s)", "quiet no-I/O (s)"}
	right := []bool{true, true, false, true, true, true, true}
	if o.oursQuiet {
		header, right = append(header, "ours, loggers off (s)"), append(right, true)
	}
	header = append(header, "baseline (s)", "ratio", "target", "ratio to quiet", "peak RSS ours / no-I/O (MiB)")
	right = append(right, true, true, false, true, false)
	var rows [][]string
	var held, checked int
	var missed []string
	for _, n := range o.ns {
		for _, lat := range o.latencies {
			for _, op := range operations {
				our, cal, floor := b.results[key{n, lat, op, ours}], b.results[key{n, lat, op, noio}], b.results[key{n, lat, op, quiet}]
				if len(our) == 0 || len(cal) == 0 || len(floor) == 0 {
					continue
				}
				oursT := median(walls(our)) / float64(time.Second)
				noioT := median(walls(cal)) / float64(time.Second)
				quietT := median(walls(floor)) / float64(time.Second)
				wait := 0.0 // the API's own wait, which no provider can avoid
				if op == opApply {
					wait = float64(n) * float64(lat) / 1000 / float64(o.parallelism)
				}
				baseline := noioT + wait
				ratio := oursT / baseline
				target := "–"
				if hasTimeTarget(op, n, lat, o.parallelism) {
					checked++
					target = fmt.Sprintf("≤ %.2f ", targetRatio) + mark(ratio)
					if ratio <= targetRatio {
						held++
					} else {
						missed = append(missed, fmt.Sprintf("%s N=%d %d ms: time ratio %.2f", op, n, lat, ratio))
					}
				}
				oursRSS, noioRSS := mib(int64(median(rssOf(our)))), mib(int64(median(rssOf(cal))))
				rssRatio := oursRSS / noioRSS
				rss := fmt.Sprintf("%.1f / %.1f = %.2f", oursRSS, noioRSS, rssRatio)
				if n == targetMemoryN {
					checked++
					rss += " " + mark(rssRatio)
					if rssRatio <= targetRatio {
						held++
					} else {
						missed = append(missed, fmt.Sprintf("%s N=%d %d ms: memory ratio %.2f", op, n, lat, rssRatio))
					}
				}
				row := []string{
					fmt.Sprint(n), fmt.Sprintf("%d ms", lat), op, requestRange(our),
					fmt.Sprintf("%.2f", oursT), fmt.Sprintf("%.2f", noioT), fmt.Sprintf("%.2f", quietT),
				}
				if o.oursQuiet {
					if oq := b.results[key{n, lat, op, oursQuiet}]; len(oq) > 0 {
						row = append(row, fmt.Sprintf("%.2f", median(walls(oq))/float64(time.Second)))
					} else {
						row = append(row, "–")
					}
				}
				rows = append(rows, append(row, fmt.Sprintf("%.2f", baseline), fmt.Sprintf("%.2f", ratio), target,
					fmt.Sprintf("%.2f", oursT/(quietT+wait)), rss))
			}
		}
	}
	writeTable(w, header, right, rows)
	fmt.Fprintf(w, `
- requests: API requests our provider made (the no-I/O provider made none).
- times: wall time of the CLI command, median of the measured runs. no-I/O is a
  framework provider as every one logs by default (everything, at TRACE, whatever
  the CLI keeps); quiet no-I/O is the same with its loggers switched off: the floor.
- baseline: the no-I/O time; for apply, plus the API's own wait, N × latency ÷ parallelism.
- ratio: ours ÷ baseline; ratio to quiet: ours ÷ (quiet no-I/O + the same wait).
  target: the issue's, %s holds, %s missed, – none stated
  (plan: N = %d at %d ms; apply: %d ms at parallelism %d; query: N = %d at %d ms;
  memory: N = %d, marked in the last column). query: terraform query of the N flows
  (Terraform 1.14+ only), against a calibration list resource that returns N results.
- peak RSS: the largest provider process an operation started (a command starts
  several), median of the runs; ours / no-I/O = ratio.
- The machine is shared and the timings are noisy: compare ratios, and rerun
  before trusting a difference of a few percent.
`, mark(0), mark(2), targetPlanN, targetPlanLatency, targetApplyLatency, targetApplyParallelism, targetQueryN, targetQueryLatency, targetMemoryN)
	if checked > 0 {
		fmt.Fprintf(w, "\nTargets: %d of %d hold.", held, checked)
		if len(missed) > 0 {
			fmt.Fprintf(w, " Missed: %s.", strings.Join(missed, "; "))
		}
		fmt.Fprintln(w)
	}
	printAdoption(w, b)
	if o.verbose {
		printDetails(w, b)
	}
	fmt.Fprintf(w, "\nLoad average at end %s. Total time %s.\n", loadAverage(), time.Since(b.started).Round(time.Second))
}

// printAdoption compares, for our provider, a plan that adopts N flows with
// a plan that creates them, and the apply of each: adoption should cost the
// plan nothing, and the apply only the updates of the flows that differ
// (here one) in place of the N creates.
func printAdoption(w io.Writer, b *bench) {
	var rows [][]string
	for _, n := range b.opts.ns {
		for _, lat := range b.opts.latencies {
			cell := func(op string) (float64, string, bool) {
				ss := b.results[key{n, lat, op, ours}]
				if len(ss) == 0 {
					return 0, "", false
				}
				return median(walls(ss)) / float64(time.Second), requestRange(ss), true
			}
			pn, pnReq, ok1 := cell(opPlanNew)
			pa, paReq, ok2 := cell(opPlanAdopt)
			an, anReq, ok3 := cell(opApply)
			aa, aaReq, ok4 := cell(opApplyAdopt)
			if !ok1 || !ok2 || !ok3 || !ok4 {
				continue
			}
			rows = append(rows, []string{fmt.Sprint(n), fmt.Sprintf("%d ms", lat),
				fmt.Sprintf("%.2f (%s)", pn, pnReq), fmt.Sprintf("%.2f (%s)", pa, paReq), fmt.Sprintf("%.2f", pa/pn),
				fmt.Sprintf("%.2f (%s)", an, anReq), fmt.Sprintf("%.2f (%s)", aa, aaReq)})
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "\nAdoption, ours: seconds (requests) of a plan that creates N flows and one that adopts them (a new state, adopt_existing on,")
	fmt.Fprintln(w, "every name taken, one flow differing), and of their applies:")
	fmt.Fprintln(w)
	writeTable(w, []string{"N", "latency", "plan new", "plan adopt", "adopt ÷ new", "apply new", "apply adopt"},
		[]bool{true, true, true, true, true, true, true}, rows)
	fmt.Fprintln(w, "\n- Either plan sends one list (the name checks). Either apply sends a list in its plan and one in the apply's own plan;")
	fmt.Fprintln(w, "  then the new one sends N creates, the adopting one an update per flow that differs (one) and no create.")
}

func hasTimeTarget(op string, n, lat, parallelism int) bool {
	switch op {
	case opPlan:
		return n == targetPlanN && lat == targetPlanLatency
	case opApply:
		return lat == targetApplyLatency && parallelism == targetApplyParallelism
	case opQuery:
		return n == targetQueryN && lat == targetQueryLatency
	}
	return false
}

func mark(ratio float64) string {
	if ratio <= targetRatio {
		return "✓"
	}
	return "✗"
}

// printDetails lists every run and the requests per route, for finding out
// where a ratio comes from.
func printDetails(w io.Writer, b *bench) {
	fmt.Fprintln(w, "\nEvery measured run: wall seconds; median CPU seconds of the provider processes a command started, and how many; our requests per API route (last run):")
	for _, n := range b.opts.ns {
		for _, lat := range b.opts.latencies {
			for _, op := range operations {
				our, cal, floor := b.results[key{n, lat, op, ours}], b.results[key{n, lat, op, noio}], b.results[key{n, lat, op, quiet}]
				if len(our) == 0 || len(cal) == 0 || len(floor) == 0 {
					continue
				}
				last := our[len(our)-1]
				var routes []string
				for _, r := range slices.Sorted(maps.Keys(last.routes)) {
					routes = append(routes, fmt.Sprintf("%s %d", r, last.routes[r]))
				}
				fmt.Fprintf(w, "- N=%d %d ms %s: ours %s, CPU %.2f in %d | no-I/O %s, CPU %.2f in %d | quiet %s, CPU %.2f | %s\n",
					n, lat, op, secondsList(our), median(cpus(our))/float64(time.Second), last.procs,
					secondsList(cal), median(cpus(cal))/float64(time.Second), cal[len(cal)-1].procs,
					secondsList(floor), median(cpus(floor))/float64(time.Second), strings.Join(routes, ", "))
			}
		}
	}
}

func secondsList(ss []sample) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, fmt.Sprintf("%.2f", s.wall.Seconds()))
	}
	return strings.Join(parts, " ")
}

func walls(ss []sample) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = s.wall
	}
	return out
}

func cpus(ss []sample) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = s.cpu
	}
	return out
}

func rssOf(ss []sample) []int64 {
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = s.rssKiB
	}
	return out
}

// requestRange shows one number when every run made the same requests, as
// they should: a range means retries or a race worth looking at.
func requestRange(ss []sample) string {
	lo, hi := ss[0].requests, ss[0].requests
	for _, s := range ss {
		lo, hi = min(lo, s.requests), max(hi, s.requests)
	}
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

// writeTable writes a Markdown table padded to line up in a terminal.
func writeTable(w io.Writer, header []string, right []bool, rows [][]string) {
	width := make([]int, len(header))
	for i := range width {
		width[i] = 3 // the shortest Markdown separator, "--:"
	}
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if right[i] {
				fmt.Fprintf(&b, " %s%s |", pad, c)
			} else {
				fmt.Fprintf(&b, " %s%s |", c, pad)
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
		if right[i] {
			sep[i] = strings.Repeat("-", width[i]-1) + ":"
		}
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
}

func joinInts(vs []int) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, ", ")
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if name, value, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(name) == "model name" {
				return strings.TrimSpace(value)
			}
		}
	}
	return runtime.GOARCH + " (model unknown)"
}

func kernel() string {
	data, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "(unknown)"
	}
	return strings.TrimSpace(string(data))
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "(unknown)"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "(unknown)"
	}
	return strings.Join(f[:3], " ")
}
