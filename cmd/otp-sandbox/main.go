// Command otp-sandbox serves a local implementation of the Itniotech OTP
// API: its configuration routes (task flows, apps, templates) and its OTP
// service (sending and checking codes, task flows on a clock tests move),
// so that the provider, and applications' sign-in flows, can be tried and
// tested without an account. See internal/sandbox for what it implements
// and how its files divide the work.
//
// Every API key is an account of its own; with -state the accounts are
// kept across restarts, every change written before it is answered.
//
// Besides the vendor API it serves a web inbox at / (the codes as they are
// sent, the clock, the numbers' outcomes, in a browser), and a control surface
// under /_sandbox/ (reset, request counters, fault injection, console-style
// edits, the messages sent, the clock), which requires the header
// "Authorization: Bearer <token>", or a request signed with the account's own
// key and secret (which reaches that account alone). The token is
// -control-token, else $OTP_SANDBOX_CONTROL_TOKEN, else a random one generated
// at start and printed on stderr; -token-file writes it to a file (mode 0600)
// for scripts. otp-sandbox -h lists the flags and every control route with the
// fields it takes.
//
// SIGINT or SIGTERM stops it within a second: open waits (on the messages,
// an open inbox's) are answered with what they have, the state file is
// synced and closed, and it exits 0.
//
// Install it with
//
//	go install github.com/itniotech/terraform-provider-otp/cmd/otp-sandbox@<version>
//
// or take it from a release's otp-sandbox_<version>_<os>_<arch> archive.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "otp-sandbox:", err)
		os.Exit(1)
	}
}

// Credentials used when none are given, so that a bare `go run
// ./cmd/otp-sandbox` works; they are printed, being for local use only.
const (
	defaultKey    = "sandbox-key"
	defaultSecret = "sandbox-secret"
)

const (
	controlTokenEnv = "OTP_SANDBOX_CONTROL_TOKEN" //nolint:gosec // the variable's name, not a credential
	accountsEnv     = "OTP_SANDBOX_ACCOUNTS"
)

const usageHeader = `Usage: otp-sandbox [flags]

Serves a local implementation of the Itniotech OTP API (task flows, apps,
templates, and sending and checking codes) at http://<listen>/otp, a
control surface for tests at http://<listen>/_sandbox/ (reset, request
counters, faults, console edits, messages, the clock): its routes are
listed after the flags; and a web inbox at http://<listen>/ that shows the
codes as they are sent, moves the clock and sets the numbers' outcomes and
fixed codes (sign in with the control token, or an account's key and
secret).

Every API key is an account of its own: its objects, names, request
counters and faults are its alone. The accounts are each -account
KEY:SECRET (the flag repeats), else those of $` + accountsEnv + `
(key:secret,key:secret); and -key with -secret (default $OTP_API_KEY and
$OTP_API_SECRET). With none of these, one account: sandbox-key,
sandbox-secret. Prefer the variables for secrets: flags show in process
lists.

-open-accounts: any API key signed with the shared secret (-secret,
default $OTP_API_SECRET, else sandbox-secret) gets an empty account of its
own on its first request, so that each CI job can use its own key against
one sandbox with nothing configured. Anyone who can reach the sandbox and
knows that secret can open accounts: for test machines only. The sandbox
holds at most -max-accounts accounts (a new key past that is refused, -23),
and forgets an opened account, with everything in it, when no request has
named it for -account-idle; the accounts named at start are never
forgotten. Each account keeps at most -retention messages, and its share
of -retention-total when that is less, so that memory has a bound however
many accounts there are.

It runs the OTP service too: sends make codes as the template says, checks
follow the app's expiry and limits, task flows run their fallback steps on
a clock that tests move (POST /_sandbox/clock), and every SMS and call is
kept for tests to read (GET /_sandbox/messages) and logged on stderr. It
reaches no phone and charges nothing; how it reads what the vendor leaves
open is said after the control routes.

The control surface requires the header "Authorization: Bearer <token>",
which reaches every account (?key= names it), or a request signed like the
vendor API with an account's own key and secret, which reaches that
account alone: a CI job needs no token to read its own codes. The token is
-control-token, else $` + controlTokenEnv + `, else a random one generated
at start and printed on stderr; -token-file writes it to a file for
scripts.

Every setting can come from the environment, for containers and CI
services that take no command line: each flag below names its variable,
and a flag given on the command line wins over it.

The state file (-state) keeps every account across restarts: its objects
(task flows, apps, templates), the OTP service's verifications with their
attempts (so the messages), purges of the messages, the service's clock,
the numbers' outcomes and fixed codes, and the settings. It does not keep
faults or request counters: they start empty. A reset of the whole sandbox
empties it. Every change is written to it before it is answered (a change
that cannot be written answers -18, or 500 on the control surface, and is
undone), so killing the sandbox (even with SIGKILL) loses nothing it
acknowledged; the file is synced to disk once a second, so a power loss
can lose the last second's changes, never the file (a record cut short is
dropped, with a log line, at the next start). A file that holds accounts
the sandbox was not started with says so at start, and keeps them from a
control request without ?key=.

GET /_sandbox/export gives an account as one document, PUT /_sandbox/import
and -import (at start) take one back. GET /_sandbox/openapi.json is the
API's OpenAPI 3.1 document: every route below, the vendor's and the web
inbox's.

SIGINT or SIGTERM stops it within a second: open waits (on the messages,
an open inbox's) are answered with what they have, the state file is
synced, and it exits 0.

Flags:
`

// run serves until ctx ends; it writes its messages and logs to stderr.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	return runServing(ctx, args, stderr, func(srv *sandbox.Server) http.Handler { return srv })
}

// runServing is run with what serves the sandbox's requests: the sandbox
// itself, or, in the tests, the check of every request and answer against
// the OpenAPI document in front of it (internal/apicheck, which this
// program must not import). An argument, not a package variable, so that
// tests with several sandboxes at once do not race on it.
func runServing(ctx context.Context, args []string, stderr io.Writer, handler func(*sandbox.Server) http.Handler) error {
	fs := flag.NewFlagSet("otp-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHeader)
		fs.PrintDefaults()
		writeControlHelp(stderr)
	}
	listen := fs.String("listen", "127.0.0.1:8787", "address to listen on (port 0 picks a free port)")
	fs.StringVar(listen, "addr", "127.0.0.1:8787", "alias of -listen")
	key := fs.String("key", os.Getenv("OTP_API_KEY"), "API key of an account (default $OTP_API_KEY)")
	secret := fs.String("secret", "", "API secret of the -key account, and the shared secret of -open-accounts (default $OTP_API_SECRET)")
	var accounts accountList
	fs.Var(&accounts, "account", "an account, as KEY:SECRET; repeat the flag for several (default $"+accountsEnv+", as key:secret,key:secret)")
	open := fs.Bool("open-accounts", false, "any API key signed with the shared secret (-secret) gets an account on its first request; for test machines")
	stateFile := fs.String("state", "", "state file: loaded at start, every change appended before it is answered; its directory must exist and be writable (default: in memory only)")
	fs.StringVar(stateFile, "state-file", "", "alias of -state")
	window := windowFlag(sandbox.DefaultWindow)
	fs.Var(&window, "window", "how far a request timestamp may be from the sandbox clock: a duration (5m) or whole seconds (300)")
	addrFile := fs.String("addr-file", "", "write the base URL here once listening (for scripts that use port 0)")
	controlToken := fs.String("control-token", "", `token the control surface (/_sandbox/) requires as "Authorization: Bearer <token>" (default $`+controlTokenEnv+`, else a random one printed at start; prefer the variable, flags show in process lists)`)
	tokenFile := fs.String("token-file", "", "write the control token here (mode 0600) once listening, for scripts")
	quiet := fs.Bool("quiet", false, "do not log requests, nor the codes sent")
	retention := fs.Int("retention", sandbox.DefaultRetention, "attempts (messages) of the OTP service each account keeps, with their verifications; past that the oldest verifications are forgotten")
	retentionTotal := fs.Int("retention-total", sandbox.DefaultRetentionTotal, "attempts (messages) of every account together: each account keeps at most this divided by the number of accounts, when that is less than -retention")
	maxAccounts := fs.Int("max-accounts", sandbox.DefaultMaxAccounts, "the most accounts the sandbox holds (named at start, opened, and from the state file): past it a new key is refused")
	accountIdle := fs.Duration("account-idle", defaultAccountIdle, "forget an opened account, with everything in it, when no request named it for this long (0 keeps every account); the accounts named at start are never forgotten")
	publicURL := fs.String("public-url", "", "the sandbox's address as phones reach it, where the sna URLs point (default: http://<the address it listens on>)")
	var imports importList
	fs.Var(&imports, "import", "an export of an account (GET /_sandbox/export) to load at start into the account it names; repeat the flag "+
		"(or separate files with commas) for several. With -state, an account the state file already holds is kept as it is: the "+
		"import seeds a new state file, and never undoes changes it saved")
	health := fs.Bool("health", false, "probe the sandbox listening at -listen (the same setting and variable as the server's; 0.0.0.0 is reached at 127.0.0.1): "+
		"GET "+sandbox.HealthPath+", print one line and exit 0 when it answers 200, else 1; the container image's health check")
	if err := setFromEnvironment(fs, os.LookupEnv); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: otp-sandbox takes flags only (otp-sandbox -h lists them)", fs.Arg(0))
	}
	if *health {
		return probe(ctx, *listen, stderr)
	}
	switch {
	case *retention < 1:
		return fmt.Errorf("-retention must be 1 or more (got %d)", *retention)
	case *retentionTotal < 1:
		return fmt.Errorf("-retention-total must be 1 or more (got %d)", *retentionTotal)
	case *maxAccounts < 1:
		return fmt.Errorf("-max-accounts must be 1 or more (got %d)", *maxAccounts)
	case *accountIdle < 0:
		return fmt.Errorf("-account-idle must be 0 (keep every account) or a positive duration such as 24h (got %s)", *accountIdle)
	}
	if *publicURL != "" {
		if u, err := url.Parse(*publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("-public-url must be an http:// or https:// address such as http://sandbox:8787 (got %q)", *publicURL)
		}
	}
	secretGiven := *secret != ""
	if *secret == "" {
		*secret = os.Getenv("OTP_API_SECRET")
	}
	if secretGiven && *key == "" && !*open {
		return errors.New("-secret is given without -key: give -key too, or -open-accounts to make it the shared secret")
	}
	configured, err := accountsFrom(accounts, os.Getenv(accountsEnv), *key, *secret, *open)
	if err != nil {
		return err
	}
	if *open && *secret == "" {
		*secret = defaultSecret
		fmt.Fprintf(stderr, "otp-sandbox: no shared secret given; open accounts use %q\n", defaultSecret)
	}
	if len(configured) == 0 && !*open {
		configured[defaultKey] = defaultSecret
		fmt.Fprintf(stderr, "otp-sandbox: no credentials given; using API key %q and secret %q\n", defaultKey, defaultSecret)
	}
	if *controlToken == "" {
		*controlToken = os.Getenv(controlTokenEnv)
	}
	generated := *controlToken == ""
	if generated {
		*controlToken = randomToken()
	}

	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelError
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	shared := "" // the secret that opens accounts: only with -open-accounts
	if *open {
		shared = *secret
	}
	// The listener first: the sna URLs point at its address, port 0's too.
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	if *publicURL == "" {
		*publicURL = "http://" + ln.Addr().String()
	}
	srv, err := sandbox.New(sandbox.Options{
		Accounts:       configured,
		OpenAccounts:   *open,
		SharedSecret:   shared,
		MaxAccounts:    *maxAccounts,
		AccountIdle:    *accountIdle,
		PublicURL:      *publicURL,
		Window:         time.Duration(window),
		StateFile:      *stateFile,
		Logger:         logger,
		ControlToken:   *controlToken,
		Retention:      *retention,
		RetentionTotal: *retentionTotal,
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Close(); err != nil {
			logger.Error("closing the state file failed", "error", err)
		}
	}()
	if err := importAtStart(srv, imports, stderr); err != nil {
		return err
	}
	if others := srv.ForeignAccounts(); len(others) > 0 {
		fmt.Fprintf(stderr, "otp-sandbox: the state file holds accounts it was not started with: %s; they are kept, no request can sign in as them, "+
			"and a control request reaches them only by naming them (?key=)\n", strings.Join(others, ", "))
	}
	fmt.Fprintln(stderr, "otp-sandbox: "+describeState(srv))
	base := fmt.Sprintf("http://%s%s", ln.Addr(), srv.Prefix())
	if *tokenFile != "" {
		if err := writePrivate(*tokenFile, *controlToken+"\n"); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "otp-sandbox: serving the OTP API at %s for %s\n", base, describeAccounts(configured, *open))
	tokenNote := "the token given"
	if generated {
		tokenNote = "generated token: " + *controlToken
	}
	fmt.Fprintf(stderr, "otp-sandbox: control surface at http://%s/_sandbox/ requires \"Authorization: Bearer <token>\" (%s)\n", ln.Addr(), tokenNote)
	fmt.Fprintf(stderr, "otp-sandbox: web inbox at http://%s/ (sign in with the control token, or an account's API key and secret)\n", ln.Addr())
	hs := &http.Server{Handler: handler(srv), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	// The address file last: a script that waits for it finds the token
	// file written.
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(base+"\n"), 0o600); err != nil {
			return err
		}
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stop(hs, srv, logger)
	fmt.Fprintln(stderr, "otp-sandbox: stopped")
	return nil
}

// defaultAccountIdle is -account-idle's default: a day, longer than any
// pipeline, so that only the accounts of jobs long finished go.
const defaultAccountIdle = 24 * time.Hour

// stopWithin is how long a stop may take: requests under way finish, open
// waits answer with what they have; what is still open then is cut.
const stopWithin = 900 * time.Millisecond

// stop ends the server: the waits on the messages answer at once, the
// requests under way finish, and within stopWithin what is left is cut,
// so that a service manager's SIGTERM never waits and never reads a
// failure. The caller closes the sandbox (and its state file) after.
func stop(hs *http.Server, srv *sandbox.Server, logger *slog.Logger) {
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), stopWithin)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		logger.Warn("requests still open at the stop were cut", "error", err)
		_ = hs.Close()
	}
}

// accountList is the repeatable -account flag.
// importList is -import's files.
type importList []string

func (l *importList) String() string { return strings.Join(*l, ",") }

func (l *importList) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			*l = append(*l, f)
		}
	}
	return nil
}

// importAtStart loads each -import file into the account it names, saved
// like any import; an account that already holds something (from the
// state file) is kept, and the line says so.
func importAtStart(srv *sandbox.Server, files []string, stderr io.Writer) error {
	for _, file := range files {
		doc, err := os.ReadFile(file) //nolint:gosec // the operator names the file
		if err != nil {
			return fmt.Errorf("-import: %w", err)
		}
		var head struct {
			Key string `json:"key"`
		}
		if err := json.Unmarshal(doc, &head); err != nil || head.Key == "" {
			return fmt.Errorf("-import %s: not an export of otp-sandbox (GET /_sandbox/export gives one): it names no account", file)
		}
		if srv.Holds(head.Key) {
			fmt.Fprintf(stderr, "otp-sandbox: -import %s: account %s is in the state file already, and is kept as it is\n", file, head.Key)
			continue
		}
		sum, err := srv.Import(head.Key, doc)
		if err != nil {
			return fmt.Errorf("-import %s: %w (the account must be one the sandbox is started with, -account %s:SECRET, or -open-accounts)",
				file, err, head.Key)
		}
		fmt.Fprintf(stderr, "otp-sandbox: -import %s: account %s: %s, %s, %s, %s, %s\n", file, sum.Key,
			plural(sum.Flows, "flow", "flows"), plural(sum.Apps, "app", "apps"), plural(sum.Templates, "template", "templates"),
			plural(sum.Verifications, "verification", "verifications"), plural(sum.Numbers, "number", "numbers"))
	}
	return nil
}

type accountList []string

func (l *accountList) String() string { return "" } // the secrets are not shown, not even as defaults

func (l *accountList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// accountsFrom gathers the configured accounts: each -account, else each
// entry of $OTP_SANDBOX_ACCOUNTS; and -key with -secret. Errors name the
// entry by its place and key, never its secret.
func accountsFrom(flags []string, env, key, secret string, open bool) (map[string]string, error) {
	out := map[string]string{}
	add := func(where, k, s string) error {
		switch {
		case k == "":
			return fmt.Errorf("%s: the API key is empty (KEY:SECRET)", where)
		case s == "":
			return fmt.Errorf("%s: the secret of API key %q is empty (KEY:SECRET)", where, k)
		case out[k] != "" && out[k] != s:
			return fmt.Errorf("%s: API key %q is given twice, with different secrets", where, k)
		}
		out[k] = s
		return nil
	}
	entries, source := flags, "-account"
	if len(entries) == 0 && env != "" {
		entries, source = strings.Split(env, ","), "$"+accountsEnv
	}
	for i, entry := range entries {
		where := fmt.Sprintf("%s (entry %d)", source, i+1)
		k, s, found := strings.Cut(strings.TrimSpace(entry), ":")
		if !found {
			return nil, fmt.Errorf("%s: write it as KEY:SECRET, with a colon", where)
		}
		if err := add(where, k, s); err != nil {
			return nil, err
		}
	}
	switch {
	case key != "" && secret == "":
		return nil, errors.New("-key (or OTP_API_KEY) is given without a secret: give -secret (or OTP_API_SECRET) too")
	case key != "":
		if err := add("-key", key, secret); err != nil {
			return nil, err
		}
	case secret != "" && !open && len(out) == 0:
		return nil, errors.New("-secret (or OTP_API_SECRET) is given without an API key: give -key (or OTP_API_KEY) too, or -open-accounts to make it the shared secret")
	}
	return out, nil
}

// describeAccounts names the accounts (never their secrets) for the
// start-up line.
func describeAccounts(accounts map[string]string, open bool) string {
	keys := slices.Sorted(maps.Keys(accounts))
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = strconv.Quote(k)
	}
	var parts []string
	switch len(keys) {
	case 0:
	case 1:
		parts = append(parts, "the account of API key "+quoted[0])
	default:
		parts = append(parts, "the accounts of API keys "+strings.Join(quoted, ", "))
	}
	if open {
		parts = append(parts, "open accounts (any API key signed with the shared secret; for test machines)")
	}
	return strings.Join(parts, " and ")
}

// describeState says, for the start, whether the accounts are kept in a
// state file, and how many it held.
func describeState(srv *sandbox.Server) string {
	path, n := srv.StateFile()
	switch {
	case path == "":
		return "no state file (-state): every account is in memory only, and is lost at the stop"
	case n == 0:
		return "state file " + path + ": it held no account; every change is saved there"
	default:
		return fmt.Sprintf("state file %s: loaded %s from it; every change is saved there", path, plural(n, "account", "accounts"))
	}
}

// plural is n and the noun, in the singular or the plural.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// randomToken is 128 bits as 32 hex characters.
func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails: crypto/rand panics rather than return short
	return hex.EncodeToString(b)
}

// writePrivate writes a secret readable by its owner only, whatever mode
// an existing file had: a new file (0600) takes the old one's place.
func writePrivate(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.WriteString(content); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// windowFlag accepts a Go duration or a whole number of seconds, the unit
// the vendor's timestamps use.
type windowFlag time.Duration

func (w *windowFlag) String() string { return time.Duration(*w).String() }

func (w *windowFlag) Set(v string) error {
	if secs, err := strconv.Atoi(v); err == nil {
		*w = windowFlag(time.Duration(secs) * time.Second)
	} else if d, err := time.ParseDuration(v); err == nil {
		*w = windowFlag(d)
	} else {
		return fmt.Errorf("%q is neither a duration (5m) nor whole seconds (300)", v)
	}
	if *w <= 0 {
		return errors.New("the window must be positive")
	}
	return nil
}
