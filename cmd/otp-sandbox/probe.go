package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// probeTimeout is shorter than the image's health check timeout (3s), so
// that a sandbox too slow to answer gets a reason, not a killed probe.
const probeTimeout = 2 * time.Second

// probe is -health: it asks the sandbox that listens where this one would
// (-listen, $OTP_SANDBOX_LISTEN) whether it serves, and says so in one
// line. The container image has no shell and no curl, so the binary is
// its own health check (a Docker HEALTHCHECK, a Kubernetes exec probe);
// reading the server's own setting means the check follows the address
// without being told it twice. An error is a failed check (exit 1).
func probe(ctx context.Context, listen string, out io.Writer) error {
	addr, err := probeAddress(listen)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	url := "http://" + addr + sandbox.HealthPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			err = op // "dial tcp 127.0.0.1:8787: connect: connection refused", without the URL twice
		}
		return fmt.Errorf("unhealthy: GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	var h sandbox.Health
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err := json.Unmarshal(body, &h); err != nil || h.Status == "" {
		return fmt.Errorf("unhealthy: GET %s answered HTTP %d, not an otp-sandbox health answer: %q", url, resp.StatusCode, snippet(body))
	}
	line := fmt.Sprintf("GET %s: HTTP %d, %s; %s", url, resp.StatusCode, h.Status, describeStateFile(h.StateFile))
	if resp.StatusCode != http.StatusOK {
		return errors.New("unhealthy: " + line)
	}
	fmt.Fprintln(out, "otp-sandbox: healthy: "+line)
	return nil
}

// probeAddress is where a server started with listen can be reached from
// the same host: an address of every interface (0.0.0.0, ::, or none) is
// reached through loopback.
func probeAddress(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("cannot probe %q: %w (give the sandbox's address with -listen or $OTP_SANDBOX_LISTEN)", listen, err)
	}
	if port == "0" {
		return "", fmt.Errorf("cannot probe port 0: the sandbox picked a free port; give its address with -listen or $OTP_SANDBOX_LISTEN")
	}
	switch ip := net.ParseIP(host); {
	case host == "" || ip != nil && ip.Equal(net.IPv4zero):
		host = "127.0.0.1"
	case ip != nil && ip.Equal(net.IPv6unspecified):
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

func describeStateFile(f sandbox.StateFileHealth) string {
	switch {
	case !f.InUse:
		return "no state file (in memory)"
	case f.Error != "":
		return fmt.Sprintf("state file %s, last write %s: %s", f.Path, f.LastWrite, f.Error)
	default:
		return fmt.Sprintf("state file %s, last write %s", f.Path, f.LastWrite)
	}
}

// snippet is the start of an answer, on one line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
