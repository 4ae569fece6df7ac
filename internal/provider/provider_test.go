package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/itniotech/terraform-provider-otp/internal/apicheck"
	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// testAccProtoV6ProviderFactories runs the provider in the test process, so
// that the sandbox, the provider and the assertions share one process.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"otp": providerserver.NewProtocol6WithError(New("test", "")()),
}

// EnvRealAccount switches the acceptance tests from the in-process sandbox to
// the real OTP API, using OTP_API_KEY, OTP_API_SECRET and (optionally)
// OTP_BASE_URL. Objects created there cannot be deleted through the API.
const EnvRealAccount = "OTP_ACC_REAL_ACCOUNT"

// accEnv is where one acceptance test runs: a fresh sandbox, or the real
// account when EnvRealAccount is set.
//
// Against the sandbox the provider block sets every provider attribute, so
// that OTP_* variables in the developer's shell cannot reach the provider
// (attributes win over variables), and nothing here calls t.Setenv, which
// would panic in the parallel tests that use it.
type accEnv struct {
	t      *testing.T
	sb     *sandbox.Server // nil against the real account
	base   string
	key    string
	secret string
	suffix string
	// before, when set, sees every vendor request before the sandbox does:
	// a test does something "at the same moment" with it (beforeFirst).
	before atomic.Pointer[func(*http.Request)]
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
	checked := checkedSandbox(t, sb)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := e.before.Load(); f != nil {
			(*f)(r)
		}
		checked.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	e.sb, e.base = sb, hs.URL+sb.Prefix()
	return e
}

// checkedSandbox is the sandbox with every request the provider sends and
// every answer it gets checked against the sandbox's OpenAPI document: the
// document users build clients from is the one the provider is tested on.
func checkedSandbox(t *testing.T, sb *sandbox.Server) http.Handler {
	return apicheck.Handler(t, sandbox.OpenAPI(sb.Prefix(), sandbox.DefaultURL), sb.Prefix(), sb)
}

// beforeFirst runs do once, just before the sandbox serves the first
// request of route (as the sandbox's counters name it, "POST /flow/add"):
// another pipeline acting between a provider's last look and its request.
func (e *accEnv) beforeFirst(route string, do func()) {
	method, path, _ := strings.Cut(route, " ")
	var once sync.Once
	f := func(r *http.Request) {
		if r.Method == method && strings.HasSuffix(r.URL.Path, path) {
			once.Do(do)
		}
	}
	e.before.Store(&f)
}

// needsSandbox skips a test that uses the sandbox's control surface.
func (e *accEnv) needsSandbox() {
	if e.sb == nil {
		e.t.Skip("needs the sandbox's control surface; skipped against a real account")
	}
}

// name returns a name unique to this test run; against the real account it
// starts with tfacc- so leftovers are recognisable.
func (e *accEnv) name(base string) string {
	if e.sb == nil {
		return "tfacc-" + base + "-" + e.suffix[:6]
	}
	return base
}

// provider is the provider block. Settings ("max_retries = 10") replace the
// defaults below; against the real account only they are written, and the
// credentials come from the environment.
func (e *accEnv) provider(settings ...string) string {
	values := map[string]string{}
	if e.sb != nil {
		values = map[string]string{
			"base_url": fmt.Sprintf("%q", e.base), "api_key": fmt.Sprintf("%q", e.key), "api_secret": fmt.Sprintf("%q", e.secret),
			"max_retries": "4", "request_timeout": `"30s"`, "read_from_list": "true", "adopt_existing": "false",
		}
	}
	for _, s := range settings {
		k, v, _ := strings.Cut(s, "=")
		values[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	var b strings.Builder
	b.WriteString("provider \"otp\" {\n")
	for _, k := range slices.Sorted(maps.Keys(values)) {
		fmt.Fprintf(&b, "  %s = %s\n", k, values[k])
	}
	b.WriteString("}\n")
	return b.String()
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// expectError matches diagnostics as the CLI prints them: the fragments in
// order, each compared literally except that the CLI may wrap any space.
func expectError(fragments ...string) *regexp.Regexp {
	parts := make([]string, len(fragments))
	for i, f := range fragments {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(f), " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// requests asserts the exact API requests per route since the last check
// (or reset), then resets the counters, so that each Terraform command is
// held to the calls it needs. Routes absent from want must see none. It is
// a plan check, so that the post-apply plans of a step are counted
// separately: PostApplyPreRefresh sees the plan -refresh=false alone,
// PostApplyPostRefresh the plan that refreshes; as a Check it sees the
// step's plan and apply.
type requests struct {
	e    *accEnv
	what string
	want map[string]int
}

func (e *accEnv) requests(what string, want map[string]int) requests {
	return requests{e: e, what: what, want: want}
}

func (r requests) verify() error {
	if r.e.sb == nil {
		return nil
	}
	got := r.e.sb.Counts()
	r.e.sb.ResetCounts()
	if !mapsEqual(got, r.want) {
		return fmt.Errorf("%s made requests %v, want %v", r.what, got, r.want)
	}
	return nil
}

func (r requests) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = r.verify()
}

// check is the assertion as a step Check (after the step's plan and apply).
func (r requests) check() resource.TestCheckFunc {
	return func(*terraform.State) error { return r.verify() }
}

// reset is a PreConfig that starts a step's count from zero.
func (e *accEnv) reset() func() {
	return func() {
		if e.sb != nil {
			e.sb.ResetCounts()
		}
	}
}

// stepPlans holds the post-apply plans of a step to their request budgets:
// the plan -refresh=false, then the plan that refreshes.
func stepPlans(noRefresh, refresh requests) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{
		PostApplyPreRefresh:  []plancheck.PlanCheck{noRefresh},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), refresh},
	}
}

// none is an empty request budget.
var none = map[string]int{}

// mapsEqual compares maps ignoring zero entries.
func mapsEqual(a, b map[string]int) bool {
	a, b = maps.Clone(a), maps.Clone(b)
	maps.DeleteFunc(a, func(_ string, n int) bool { return n == 0 })
	maps.DeleteFunc(b, func(_ string, n int) bool { return n == 0 })
	return maps.Equal(a, b)
}

var compareSame = compare.ValuesSame()

// isoTime matches the API's createTime: ISO 8601 with an offset.
var isoTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$`)
