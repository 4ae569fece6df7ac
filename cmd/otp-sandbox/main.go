// Command otp-sandbox serves a local implementation of the Itniotech OTP
// task-flow API, so that the provider can be tried and tested without an
// account. See internal/sandbox for what it implements.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
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

func run(args []string) error {
	fs := flag.NewFlagSet("otp-sandbox", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8787", "address to listen on (port 0 picks a free port)")
	fs.StringVar(listen, "addr", "127.0.0.1:8787", "alias of -listen")
	key := fs.String("key", os.Getenv("OTP_API_KEY"), "API key of the sandbox account (default $OTP_API_KEY, else "+defaultKey+")")
	secret := fs.String("secret", "", "API secret of the sandbox account (default $OTP_API_SECRET, else "+defaultSecret+"; prefer the variable, flags show in process lists)")
	stateFile := fs.String("state", "", "state file to load at start and rewrite after every change (default: in memory only)")
	fs.StringVar(stateFile, "state-file", "", "alias of -state")
	window := windowFlag(sandbox.DefaultWindow)
	fs.Var(&window, "window", "how far a request timestamp may be from the sandbox clock: a duration (5m) or whole seconds (300)")
	addrFile := fs.String("addr-file", "", "write the base URL here once listening (for scripts that use port 0)")
	quiet := fs.Bool("quiet", false, "do not log requests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secret == "" {
		*secret = os.Getenv("OTP_API_SECRET")
	}
	switch {
	case *key == "" && *secret == "":
		*key, *secret = defaultKey, defaultSecret
		fmt.Fprintf(os.Stderr, "otp-sandbox: no credentials given; using API key %q and secret %q\n", defaultKey, defaultSecret)
	case *key == "" || *secret == "":
		return errors.New("give both an API key and a secret (OTP_API_KEY and OTP_API_SECRET, or -key and -secret), or neither for the defaults")
	}

	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelError
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := sandbox.New(sandbox.Options{
		Accounts:  map[string]string{*key: *secret},
		Window:    time.Duration(window),
		StateFile: *stateFile,
		Logger:    logger,
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		return err
	}
	base := fmt.Sprintf("http://%s%s", ln.Addr(), srv.Prefix())
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(base+"\n"), 0o600); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "otp-sandbox: serving the OTP API at %s (control surface at http://%s/_sandbox/)\n", base, ln.Addr())

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "otp-sandbox: stopped")
	return nil
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
