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

func run(args []string) error {
	fs := flag.NewFlagSet("otp-sandbox", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8787", "address to listen on (port 0 picks a free port)")
	key := fs.String("key", os.Getenv("OTP_API_KEY"), "API key of the sandbox account (default $OTP_API_KEY)")
	secret := fs.String("secret", "", "API secret of the sandbox account (default $OTP_API_SECRET; prefer the variable, flags show in process lists)")
	stateFile := fs.String("state", "", "state file to load at start and rewrite after every change (default: in memory only)")
	window := fs.Duration("window", sandbox.DefaultWindow, "how far a request timestamp may be from the sandbox clock")
	addrFile := fs.String("addr-file", "", "write the base URL here once listening (for scripts that use port 0)")
	quiet := fs.Bool("quiet", false, "do not log requests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secret == "" {
		*secret = os.Getenv("OTP_API_SECRET")
	}
	if *key == "" || *secret == "" {
		return errors.New("an API key and secret are required: set OTP_API_KEY and OTP_API_SECRET, or pass -key and -secret")
	}

	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelError
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := sandbox.New(sandbox.Options{
		Accounts:  map[string]string{*key: *secret},
		Window:    *window,
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
