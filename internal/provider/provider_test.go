package provider

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// testAccProtoV6ProviderFactories runs the provider in the test process, so
// that the sandbox, the provider and the assertions share one process.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"otp": providerserver.NewProtocol6WithError(New("test")()),
}

// EnvRealAccount switches the acceptance tests from the in-process sandbox to
// the real OTP API, using OTP_API_KEY, OTP_API_SECRET and (optionally)
// OTP_BASE_URL. Flows created there cannot be deleted through the API.
const EnvRealAccount = "OTP_ACC_REAL_ACCOUNT"

// accEnv is where one acceptance test runs: a fresh sandbox, or the real
// account when EnvRealAccount is set.
type accEnv struct {
	t      *testing.T
	sb     *sandbox.Server // nil against the real account
	base   string
	key    string
	secret string
	suffix string
}

func realAccount() bool { return os.Getenv(EnvRealAccount) != "" }

func newAccEnv(t *testing.T) *accEnv {
	t.Helper()
	e := &accEnv{t: t, suffix: randomSuffix()}
	if realAccount() {
		if os.Getenv(EnvAPIKey) == "" || os.Getenv(EnvAPISecret) == "" {
			t.Fatalf("%s is set: %s and %s must be set too", EnvRealAccount, EnvAPIKey, EnvAPISecret)
		}
		return e
	}
	e.key, e.secret = "acc-key-"+e.suffix, "acc-secret-"+randomSuffix()
	sb, err := sandbox.New(sandbox.Options{Accounts: map[string]string{e.key: e.secret}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(sb)
	t.Cleanup(hs.Close)
	e.sb, e.base = sb, hs.URL+sb.Prefix()
	// The provider must not pick up a developer's real credentials.
	for _, v := range []string{EnvAPIKey, EnvAPISecret, EnvBaseURL, EnvMaxRetries, EnvRequestTimeout} {
		if os.Getenv(v) != "" {
			t.Setenv(v, "")
		}
	}
	return e
}

// needsSandbox skips a test that uses the sandbox's control surface.
func (e *accEnv) needsSandbox() {
	if e.sb == nil {
		e.t.Skip("needs the sandbox's control surface; skipped against a real account")
	}
}

// name returns a flow name unique to this test run; against the real
// account it starts with tfacc- so leftovers are recognisable.
func (e *accEnv) name(base string) string {
	if e.sb == nil {
		return "tfacc-" + base + "-" + e.suffix[:6]
	}
	return base
}

// provider is the provider block: explicit sandbox credentials, or empty
// (environment variables) against the real account.
func (e *accEnv) provider(extra ...string) string {
	if e.sb == nil {
		return "provider \"otp\" {\n" + strings.Join(extra, "\n") + "\n}\n"
	}
	return fmt.Sprintf("provider \"otp\" {\n  base_url   = %q\n  api_key    = %q\n  api_secret = %q\n  %s\n}\n",
		e.base, e.key, e.secret, strings.Join(extra, "\n  "))
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// node renders one flow block.
func node(waiting, status int, channel string, cut ...int) string {
	s := fmt.Sprintf("  flow {\n    waiting_time = %d\n    status       = %d\n    channel      = %q\n", waiting, status, channel)
	if len(cut) > 0 {
		s += fmt.Sprintf("    channel_cut  = %d\n", cut[0])
	}
	return s + "  }\n"
}

// taskFlow renders an otp_task_flow resource.
func taskFlow(label, name string, nodes ...string) string {
	return fmt.Sprintf("resource \"otp_task_flow\" %q {\n  name = %q\n%s}\n", label, name, strings.Join(nodes, ""))
}
