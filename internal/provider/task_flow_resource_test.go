package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// What is particular to task flows; what every kind shares is proven in
// resource_test.go.

func nodeCheck(waiting, status int64, channel string, cut int64) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"waiting_time": knownvalue.Int64Exact(waiting),
		"status":       knownvalue.Int64Exact(status),
		"channel":      knownvalue.StringExact(channel),
		"channel_cut":  knownvalue.Int64Exact(cut),
	})
}

func expectFlows(addr string, checks ...knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New("flow"), knownvalue.ListExact(checks))
}

// flowHolds reports whether the account holds a flow named name with
// exactly these nodes.
func (e *accEnv) flowHolds(name string, nodes ...sandbox.Node) error {
	for _, f := range e.sb.Flows(e.key) {
		if f.Name == name {
			if !slices.Equal(f.Flow, nodes) {
				return fmt.Errorf("flow %q holds %+v, want %+v", name, f.Flow, nodes)
			}
			return nil
		}
	}
	return fmt.Errorf("no flow named %q in the account", name)
}

// expectFlowStored is flowHolds as a step check.
func (e *accEnv) expectFlowStored(name string, nodes ...sandbox.Node) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sb == nil {
			return nil
		}
		return e.flowHolds(name, nodes...)
	}
}

// expectUserAgent asserts that every request named the provider, its
// version and the CLI's version.
func (e *accEnv) expectUserAgent() resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sb == nil {
			return nil
		}
		re := regexp.MustCompile(`^terraform-provider-otp/test terraform/[0-9]+\.[0-9]+\.[0-9]+`)
		agents := e.sb.UserAgents()
		for _, ua := range agents {
			if !re.MatchString(ua) {
				return fmt.Errorf("user agent %q does not name the provider and the CLI version", ua)
			}
		}
		if len(agents) == 0 {
			return fmt.Errorf("no requests seen")
		}
		return nil
	}
}

// TestAccTaskFlow_steps adds, reorders and removes steps, all in place, with
// channel_cut's default keeping the plans empty.
func TestAccTaskFlow_steps(t *testing.T) {
	e := newAccEnv(t)
	addr, name := "otp_task_flow.test", e.name("steps")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	update := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// channel_cut omitted: the default keeps the plan empty.
				Config:            e.provider() + taskFlow("test", name, node(60, 1, "sms")),
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(addr, tfjsonpath.New("id")), expectFlows(addr, nodeCheck(60, 1, "sms", 0))},
			},
			{
				Config:           e.provider() + taskFlow("test", name, node(60, 1, "sms"), node(90, 2, "call", 1), node(120, 1, "sms", 0)),
				ConfigPlanChecks: update,
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(addr, tfjsonpath.New("id")),
					expectFlows(addr, nodeCheck(60, 1, "sms", 0), nodeCheck(90, 2, "call", 1), nodeCheck(120, 1, "sms", 0))},
				Check: e.expectFlowStored(name, sandbox.Node{WaitingTime: 60, Status: 1, Channel: "sms"},
					sandbox.Node{WaitingTime: 90, Status: 2, Channel: "call", ChannelCut: 1}, sandbox.Node{WaitingTime: 120, Status: 1, Channel: "sms"}),
			},
			{
				Config:           e.provider() + taskFlow("test", name, node(120, 1, "sms", 0), node(60, 1, "sms"), node(90, 2, "call", 1)),
				ConfigPlanChecks: update,
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(addr, tfjsonpath.New("id")),
					expectFlows(addr, nodeCheck(120, 1, "sms", 0), nodeCheck(60, 1, "sms", 0), nodeCheck(90, 2, "call", 1))},
				Check: e.expectFlowStored(name, sandbox.Node{WaitingTime: 120, Status: 1, Channel: "sms"},
					sandbox.Node{WaitingTime: 60, Status: 1, Channel: "sms"}, sandbox.Node{WaitingTime: 90, Status: 2, Channel: "call", ChannelCut: 1}),
			},
			{
				Config:            e.provider() + taskFlow("test", name, node(90, 2, "call", 1)),
				ConfigPlanChecks:  update,
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(addr, tfjsonpath.New("id")), expectFlows(addr, nodeCheck(90, 2, "call", 1))},
				Check:             e.expectFlowStored(name, sandbox.Node{WaitingTime: 90, Status: 2, Channel: "call", ChannelCut: 1}),
			},
		},
	})
}

// TestAccTaskFlow_validation proves that every rule fails at plan, naming
// the attribute, and that no request reaches the API.
func TestAccTaskFlow_validation(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	e.validationTest(t, []validationCase{
		{taskFlow("test", "abc", node(60, 1, "sms")), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 3"}},
		{taskFlow("test", strings.Repeat("a", 33), node(60, 1, "sms")), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 33"}},
		{taskFlow("test", "登录流", node(60, 1, "sms")), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 3"}},
		{taskFlow("test", strings.Repeat("流", 33), node(60, 1, "sms")), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 33"}},
		{taskFlow("test", "no-steps"), []string{"Missing flow Block", "At least one flow block is required: a task flow needs at least one fallback step"}},
		{taskFlow("test", "abcd", node(29, 1, "sms")), []string{"flow[0].waiting_time value must be between 30 and 120, got: 29"}},
		{taskFlow("test", "abcd", node(60, 1, "sms"), node(121, 1, "sms")), []string{"flow[1].waiting_time value must be between 30 and 120, got: 121"}},
		{taskFlow("test", "abcd", node(60, 0, "sms")), []string{"flow[0].status value must be one of", "got: 0"}},
		{taskFlow("test", "abcd", node(60, 3, "sms")), []string{"flow[0].status value must be one of", "got: 3"}},
		{taskFlow("test", "abcd", node(60, 1, "SMS")), []string{"flow[0].channel value must be one of", `got: "SMS". Did you mean "sms"?`}},
		{taskFlow("test", "abcd", node(60, 1, "email")), []string{"flow[0].channel value must be one of", `got: "email".`}},
		{taskFlow("test", "abcd", node(60, 1, "sms", 2)), []string{"flow[0].channel_cut value must be one of", "got: 2"}},
		{"resource \"otp_task_flow\" \"test\" {\n  name = \"abcd\"\n  flow {\n    status = 1\n    channel = \"sms\"\n  }\n}\n", []string{"waiting_time", "required"}},
	}, // The limits themselves are valid: four Chinese characters, 30 and 120 s.
		taskFlow("test", "登录回退", node(30, 2, "call", 1), node(120, 1, "sms", 0)), tkFlow.nameCheck())
}

// validationCase is a configuration that must fail at plan, and the
// fragments of the error.
type validationCase struct {
	config string
	err    []string
}

// validationTest plans every case (each must fail with its error, before
// any request), then the valid configuration at the limits, which must plan
// with no more requests than its name check (validPlan, per plan).
func (e *accEnv) validationTest(t *testing.T, cases []validationCase, valid string, validPlan map[string]int) {
	t.Helper()
	budget := []plancheck.PlanCheck{e.requests("the invalid plans, then a valid one", validPlan)}
	steps := make([]resource.TestStep, 0, len(cases)+1)
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: e.provider() + c.config, PlanOnly: true, ExpectError: expectError(c.err...)})
	}
	steps = append(steps, resource.TestStep{
		Config:             e.provider() + valid,
		PlanOnly:           true,
		ExpectNonEmptyPlan: true,
		ConfigPlanChecks:   resource.ConfigPlanChecks{PostApplyPreRefresh: budget, PostApplyPostRefresh: budget},
	})
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	if err := e.requests("validation", none).verify(); err != nil {
		t.Fatal(err)
	}
}

// TestAccTaskFlow_flakyAPI applies three flows through 502 pages, -18
// answers and dropped create answers (two of each, whatever order the CLI
// sends its requests in), and must end with exactly those three flows.
func TestAccTaskFlow_flakyAPI(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	e.sb.SetFaults(sandbox.Faults{SystemErrorRate: 1, BadGatewayRate: 1, DropCreateRate: 1, Limit: 2})
	config := e.provider("max_retries = 10") +
		taskFlow("one", "flaky-one", node(30, 1, "sms")) +
		taskFlow("two", "flaky-two", node(60, 2, "call", 1), node(90, 1, "sms")) +
		taskFlow("three", "flaky-three", node(120, 2, "sms"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeTestCheckFunc(
				e.expectFlowStored("flaky-one", sandbox.Node{WaitingTime: 30, Status: 1, Channel: "sms"}),
				e.expectFlowStored("flaky-two", sandbox.Node{WaitingTime: 60, Status: 2, Channel: "call", ChannelCut: 1}, sandbox.Node{WaitingTime: 90, Status: 1, Channel: "sms"}),
				e.expectFlowStored("flaky-three", sandbox.Node{WaitingTime: 120, Status: 2, Channel: "sms"}),
				func(*terraform.State) error {
					if n := len(e.sb.Flows(e.key)); n != 3 {
						return fmt.Errorf("%d flows in the sandbox, want exactly 3", n)
					}
					want := map[string]int{sandbox.FaultBadGateway: 2, sandbox.FaultSystemError: 2, sandbox.FaultDropCreate: 2}
					if got := e.sb.Injected(); !mapsEqual(got, want) {
						return fmt.Errorf("faults injected %v, want %v: the test would prove less than it says", got, want)
					}
					return nil
				},
			),
		}},
	})
}
