package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// clearProviderEnv empties every provider variable for the test.
func clearProviderEnv(t *testing.T) {
	for _, v := range []string{EnvAPIKey, EnvAPISecret, EnvBaseURL, EnvMaxRetries, EnvRequestTimeout, EnvReadFromList, EnvAdoptExisting} {
		t.Setenv(v, "")
	}
}

func TestAccProvider_configErrors(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	clearProviderEnv(t)
	flow := taskFlow("test", "provider-config", node(60, 1, "sms"))
	step := func(provider string, fragments ...string) resource.TestStep {
		return resource.TestStep{Config: provider + flow, ExpectError: expectError(fragments...)}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step(fmt.Sprintf("provider \"otp\" {\n  base_url = %q\n}\n", e.base),
				"Missing OTP API Key", "Set the api_key attribute or the OTP_API_KEY environment variable",
				"Missing OTP API Secret", "Set the OTP_API_SECRET environment variable"),
			step(fmt.Sprintf("provider \"otp\" {\n  base_url = %q\n  api_key = %q\n}\n", e.base, e.key),
				"Missing OTP API Secret"),
			step(fmt.Sprintf("provider \"otp\" {\n  base_url = \"api.itniotech.com/otp\"\n  api_key = %q\n  api_secret = %q\n}\n", e.key, e.secret),
				"Invalid OTP Base URL", "must be an absolute http:// or https:// URL"),
			step(e.provider("max_retries = 11"), "max_retries value must be between 0 and 10, got: 11"),
			step(e.provider(`request_timeout = "soon"`), "Invalid Duration", `"soon" is not a duration; write it like 30s or 2m`),
			step(e.provider(`request_timeout = "1h"`), "Invalid Duration", `"1h" is out of range`),
			step("resource \"terraform_data\" \"key\" {\n  input = \"k\"\n}\n"+
				fmt.Sprintf("provider \"otp\" {\n  base_url = %q\n  api_key = terraform_data.key.output\n  api_secret = %q\n}\n", e.base, e.secret),
				"Unknown OTP Provider Setting", `"api_key" depends on a value that is not known until apply`, "OTP_API_KEY environment variable"),
			step(fmt.Sprintf("provider \"otp\" {\n  base_url = %q\n  api_key = %q\n  api_secret = \"wrong-secret\"\n}\n", e.base, e.key),
				"OTP API Credentials Rejected", `to check that "provider-config" is free failed`, "status -1", "Check the provider's api_key and api_secret"),
		},
	})
	// Only the wrong-secret step reaches the API: its plan's name check is
	// refused, and nothing is created.
	if err := e.requests("the configuration errors", map[string]int{sandbox.RouteFlowList: 1}).verify(); err != nil {
		t.Fatal(err)
	}
}

func TestAccProvider_environment(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	clearProviderEnv(t)
	t.Setenv(EnvAPIKey, e.key)
	t.Setenv(EnvAPISecret, e.secret)
	t.Setenv(EnvBaseURL, e.base)
	t.Setenv(EnvMaxRetries, "2")
	t.Setenv(EnvRequestTimeout, "10s")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: "provider \"otp\" {}\n" + taskFlow("test", "from-env", node(60, 1, "sms")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("otp_task_flow.test", tfjsonpath.New("name"), knownvalue.StringExact("from-env")),
				},
			},
		},
	})
	if n := len(e.sb.Flows(e.key)); n != 1 {
		t.Fatalf("%d flows created through the environment's settings, want 1", n)
	}
}

func TestAccProvider_environmentErrors(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	clearProviderEnv(t)
	t.Setenv(EnvAPIKey, e.key)
	t.Setenv(EnvAPISecret, e.secret)
	flow := taskFlow("test", "env-errors", node(60, 1, "sms"))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { t.Setenv(EnvBaseURL, "not a url") },
				Config:      "provider \"otp\" {}\n" + flow,
				ExpectError: expectError("Invalid OTP Base URL", "OTP_BASE_URL environment variable"),
			},
			{
				PreConfig: func() {
					t.Setenv(EnvBaseURL, e.base)
					t.Setenv(EnvMaxRetries, "many")
				},
				Config:      "provider \"otp\" {}\n" + flow,
				ExpectError: expectError("Invalid OTP Max Retries", `The OTP_MAX_RETRIES environment variable is "many"`),
			},
			{
				PreConfig: func() {
					t.Setenv(EnvMaxRetries, "")
					t.Setenv(EnvReadFromList, "sometimes")
				},
				Config:      "provider \"otp\" {}\n" + flow,
				ExpectError: expectError("Invalid OTP Read From List", `The OTP_READ_FROM_LIST environment variable is "sometimes"`),
			},
		},
	})
}

// stateHasNo fails when the serialised state contains s.
type stateHasNo string

func (s stateHasNo) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if strings.Contains(string(b), string(s)) {
		resp.Error = fmt.Errorf("the state contains the API secret")
	}
}

// TestAccProvider_secretStaysSecret runs a create and an update with
// TF_LOG=TRACE and checks that neither the CLI's log, the provider's log nor
// the state holds the secret. The secret comes from the environment, as we
// recommend: the test framework logs the configuration text itself, so a
// secret written into HCL would be in its log whatever the provider did.
func TestAccProvider_secretStaysSecret(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	clearProviderEnv(t)
	t.Setenv(EnvAPISecret, e.secret)
	provider := fmt.Sprintf("provider \"otp\" {\n  base_url = %q\n  api_key  = %q\n}\n", e.base, e.key)
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            provider + taskFlow("test", "secret-check", node(60, 1, "sms")),
				ConfigStateChecks: []statecheck.StateCheck{stateHasNo(e.secret)},
			},
			{
				Config:            provider + taskFlow("test", "secret-check", node(90, 2, "call")),
				ConfigStateChecks: []statecheck.StateCheck{stateHasNo(e.secret)},
			},
		},
	})
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	// The log must really hold the provider's request lines, or the test
	// below would pass on an empty file.
	for _, want := range []string{"OTP API request succeeded", "/flow/add", "/flow/update/"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the TRACE log lacks %q: the provider's log was not captured", want)
		}
	}
	if i := strings.Index(log, e.secret); i >= 0 {
		t.Fatalf("the TRACE log contains the API secret: %s", log[max(0, i-300):min(len(log), i+100)])
	}
	if strings.Contains(strings.ToLower(log), `"sign"`) || strings.Contains(log, "Sign:") {
		t.Fatal("the TRACE log contains a request signature header")
	}
}

// TestAccEnvIgnoresOTPVariables is the regression test for a suite that
// panicked when OTP_* variables were set in the shell (as the README tells
// users to do): newAccEnv called t.Setenv, and the parallel tests then
// panicked in t.Parallel. With every variable set to something that would
// break the provider, a parallel acceptance test must still run against
// its sandbox, because the provider block sets every attribute.
func TestAccEnvIgnoresOTPVariables(t *testing.T) {
	if realAccount() {
		t.Skip("against a real account the variables are the configuration")
	}
	for _, v := range []string{EnvBaseURL, EnvMaxRetries, EnvRequestTimeout, EnvReadFromList, EnvAdoptExisting} {
		t.Setenv(v, "not-a-valid-value")
	}
	t.Setenv(EnvAPIKey, "someone-elses-key")
	t.Setenv(EnvAPISecret, "someone-elses-secret")
	t.Run("parallel", func(t *testing.T) {
		e := newAccEnv(t)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: e.provider() + taskFlow("test", "env-proof", node(60, 1, "sms")),
				Check:  e.checkStored(tkFlow, "env-proof", 0),
			}},
		})
	})
}
