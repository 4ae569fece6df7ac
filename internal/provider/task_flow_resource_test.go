package provider

import (
	"fmt"
	"regexp"
	"strconv"
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

const addr = "otp_task_flow.test"

// expectError matches diagnostics as the CLI prints them: the fragments in
// order, each compared literally except that the CLI may wrap any space.
func expectError(fragments ...string) *regexp.Regexp {
	parts := make([]string, len(fragments))
	for i, f := range fragments {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(f), " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

func nodeCheck(waiting, status int64, channel string, cut int64) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"waiting_time": knownvalue.Int64Exact(waiting),
		"status":       knownvalue.Int64Exact(status),
		"channel":      knownvalue.StringExact(channel),
		"channel_cut":  knownvalue.Int64Exact(cut),
	})
}

func expectFlows(checks ...knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New("flow"), knownvalue.ListExact(checks))
}

// sandboxFlow asserts what the account holds, as the vendor would show it.
func (e *accEnv) expectStored(name string, nodes ...sandbox.Node) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sb == nil {
			return nil
		}
		for _, f := range e.sb.Flows(e.key) {
			if f.Name != name {
				continue
			}
			if fmt.Sprint(f.Flow) != fmt.Sprint(nodes) {
				return fmt.Errorf("flow %q holds %v, want %v", name, f.Flow, nodes)
			}
			return nil
		}
		return fmt.Errorf("no flow named %q in the sandbox", name)
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

// expectRequests asserts the exact number of API requests per route since
// the last reset, then resets the counters: every Terraform operation is
// held to the calls it needs.
func (e *accEnv) expectRequests(want map[string]int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sb == nil {
			return nil
		}
		got := e.sb.Counts()
		e.sb.ResetCounts()
		for _, route := range []string{sandbox.RouteAdd, sandbox.RouteUpdate, sandbox.RouteDetails, sandbox.RouteList} {
			if got[route] != want[route] {
				return fmt.Errorf("%s: %d requests, want %d (all: %v)", route, got[route], want[route], got)
			}
		}
		return nil
	}
}

func TestAccTaskFlow_lifecycle(t *testing.T) {
	e := newAccEnv(t)
	name, renamed := e.name("login-fallback"), e.name("登录回退流程")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			// Destroy only forgets: the API cannot delete a flow.
			if e.sb != nil && len(e.sb.Flows(e.key)) != 1 {
				return fmt.Errorf("the sandbox holds %d flows after destroy, want the 1 that cannot be deleted", len(e.sb.Flows(e.key)))
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// One node, channel_cut omitted: the default keeps the plan empty.
				Config: e.provider() + taskFlow("test", name, node(60, 1, "sms")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[1-9][0-9]*$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact(name)),
					expectFlows(nodeCheck(60, 1, "sms", 0)),
				},
				Check: resource.ComposeTestCheckFunc(
					e.expectStored(name, sandbox.Node{WaitingTime: 60, Status: 1, Channel: "sms"}),
					e.expectUserAgent(),
					// create, then the post-apply refresh and the plan checks' refreshes
					e.expectRequests(map[string]int{sandbox.RouteAdd: 1}),
				),
			},
			{
				// Add two nodes: three in all, in place.
				Config: e.provider() + taskFlow("test", name, node(60, 1, "sms"), node(90, 2, "call", 1), node(120, 1, "sms", 0)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					expectFlows(nodeCheck(60, 1, "sms", 0), nodeCheck(90, 2, "call", 1), nodeCheck(120, 1, "sms", 0)),
				},
				Check: resource.ComposeTestCheckFunc(
					e.expectStored(name,
						sandbox.Node{WaitingTime: 60, Status: 1, Channel: "sms"},
						sandbox.Node{WaitingTime: 90, Status: 2, Channel: "call", ChannelCut: 1},
						sandbox.Node{WaitingTime: 120, Status: 1, Channel: "sms"}),
				),
			},
			{
				// Reorder the nodes and rename (to a Chinese name): in place.
				Config: e.provider() + taskFlow("test", renamed, node(120, 1, "sms", 0), node(60, 1, "sms"), node(90, 2, "call", 1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact(renamed)),
					expectFlows(nodeCheck(120, 1, "sms", 0), nodeCheck(60, 1, "sms", 0), nodeCheck(90, 2, "call", 1)),
				},
			},
			{
				// Remove nodes: in place.
				Config: e.provider() + taskFlow("test", renamed, node(90, 2, "call", 1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					expectFlows(nodeCheck(90, 2, "call", 1)),
				},
				Check: e.expectStored(renamed, sandbox.Node{WaitingTime: 90, Status: 2, Channel: "call", ChannelCut: 1}),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     importNamePrefix + renamed,
				ImportStateVerify: true,
			},
		},
	})
}

// TestAccTaskFlow_requestCounts holds each operation to the API calls it
// needs: one create, one update, one read per refresh, no lists.
func TestAccTaskFlow_requestCounts(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.provider() + taskFlow("test", "counted", node(30, 1, "sms")),
				Check:  e.expectRequests(map[string]int{sandbox.RouteAdd: 1}),
			},
			{
				// Refreshes before this step's plan and after its apply read
				// the flow once each; the update is one PUT.
				PreConfig: func() { e.sb.ResetCounts() },
				Config:    e.provider() + taskFlow("test", "counted", node(31, 1, "sms")),
				Check:     e.expectRequests(map[string]int{sandbox.RouteUpdate: 1, sandbox.RouteDetails: 1}),
			},
		},
	})
}

func TestAccTaskFlow_importBlock(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	existing, err := e.sb.AddFlow(e.key, sandbox.Flow{Name: "made-in-console", Flow: []sandbox.Node{{WaitingTime: 45, Status: 2, Channel: "call", ChannelCut: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(existing.FlowID, 10)
	importBlock := fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", addr, id)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.provider() + importBlock + taskFlow("test", "made-in-console", node(45, 2, "call", 1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					expectFlows(nodeCheck(45, 2, "call", 1)),
				},
				Check: func(*terraform.State) error {
					if c := e.sb.Counts(); c[sandbox.RouteAdd] != 0 {
						return fmt.Errorf("importing created a flow: %v", c)
					}
					return nil
				},
			},
			{
				// Adopt by name with an import block, into a second address.
				Config: e.provider() + taskFlow("test", "made-in-console", node(45, 2, "call", 1)) +
					"import {\n  to = otp_task_flow.again\n  id = \"name:made-in-console\"\n}\n" +
					taskFlow("again", "made-in-console", node(45, 2, "call", 1)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("otp_task_flow.again", tfjsonpath.New("id"), knownvalue.StringExact(id)),
				},
			},
		},
	})
}

func TestAccTaskFlow_importErrors(t *testing.T) {
	e := newAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:        e.provider() + taskFlow("test", e.name("import-target"), node(30, 1, "sms")),
				ResourceName:  addr,
				ImportState:   true,
				ImportStateId: "login-fallback",
				ExpectError:   expectError("Invalid Import ID", "by its flowId (for example 10001) or by its name prefixed with \"name:\"", "name:login-fallback"),
			},
			{
				Config:        e.provider() + taskFlow("test", e.name("import-target"), node(30, 1, "sms")),
				ResourceName:  addr,
				ImportState:   true,
				ImportStateId: "987654321",
				ExpectError:   expectError("Task Flow Not Found", "Cannot import task flow 987654321: the account has no task flow with that id"),
			},
			{
				Config:        e.provider() + taskFlow("test", e.name("import-target"), node(30, 1, "sms")),
				ResourceName:  addr,
				ImportState:   true,
				ImportStateId: "name:" + e.name("no-such-flow"),
				ExpectError:   expectError("Task Flow Not Found", "the account has no task flow named"),
			},
		},
	})
}

func TestAccTaskFlow_drift(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	config := e.provider() + taskFlow("test", "drifting", node(60, 1, "sms"), node(90, 2, "call"))
	var firstID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources[addr].Primary.ID
					return nil
				},
			},
			{
				// Someone edits the flow in the vendor console: the plan
				// shows an in-place update back to the configuration.
				PreConfig: func() {
					id, _ := strconv.ParseInt(firstID, 10, 64)
					if _, err := e.sb.EditFlow(id, func(f *sandbox.Flow) {
						f.Name = "edited-in-console"
						f.Flow[1].WaitingTime = 33
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: e.expectStored("drifting", sandbox.Node{WaitingTime: 60, Status: 1, Channel: "sms"}, sandbox.Node{WaitingTime: 90, Status: 2, Channel: "call"}),
			},
			{
				// Someone deletes it in the console: the plan creates it again.
				PreConfig: func() {
					id, _ := strconv.ParseInt(firstID, 10, 64)
					if err := e.sb.DeleteFlow(id); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[addr].Primary.ID; id == firstID {
						return fmt.Errorf("recreated flow kept the deleted id %s", id)
					}
					if n := len(e.sb.Flows(e.key)); n != 1 {
						return fmt.Errorf("%d flows in the sandbox, want 1", n)
					}
					return nil
				},
			},
		},
	})
}

func TestAccTaskFlow_nameTaken(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	existing, err := e.sb.AddFlow(e.key, sandbox.Flow{Name: "taken-name", Flow: []sandbox.Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(existing.FlowID, 10)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.provider() + taskFlow("test", "taken-name", node(60, 2, "call")),
				ExpectError: expectError("Task Flow Name Already Taken", `already has a task flow named "taken-name" (id `+id+`)`,
					"import {", `id = "`+id+`"`, "terraform import otp_task_flow.<name> "+id,
					"terraform import otp_task_flow.<name> name:taken-name", "status -20"),
			},
		},
	})
}

func TestAccTaskFlow_renameOntoTakenName(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	existing, err := e.sb.AddFlow(e.key, sandbox.Flow{Name: "holder-name", Flow: []sandbox.Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}})
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: e.provider() + taskFlow("test", "renamed-later", node(60, 2, "call"))},
			{
				Config: e.provider() + taskFlow("test", "holder-name", node(60, 2, "call")),
				ExpectError: expectError("Task Flow Name Already Taken", `from "renamed-later" to "holder-name" failed`,
					fmt.Sprintf("flow %d already has that name", existing.FlowID), "The flow was not changed", "status -20"),
			},
			{
				// Nothing changed: the original name still plans empty.
				Config:   e.provider() + taskFlow("test", "renamed-later", node(60, 2, "call")),
				PlanOnly: true,
			},
		},
	})
}

// TestAccTaskFlow_validation proves that every rule fails at plan, naming
// the attribute, and that no request reaches the API.
func TestAccTaskFlow_validation(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	cases := []struct {
		config string
		err    []string
	}{
		{taskFlow("test", "abc", node(60, 1, "sms")), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 3"}},
		{taskFlow("test", strings.Repeat("a", 33), node(60, 1, "sms")), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 33"}},
		{taskFlow("test", "登录流", node(60, 1, "sms")), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 3"}},
		{taskFlow("test", strings.Repeat("流", 33), node(60, 1, "sms")), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 33"}},
		{taskFlow("test", "no-steps"), []string{"Missing flow Block", "At least one flow block is required: a task flow needs at least one fallback step"}},
		{taskFlow("test", "abcd", node(29, 1, "sms")), []string{"flow[0].waiting_time value must be between 30 and 120, got: 29"}},
		{taskFlow("test", "abcd", node(60, 1, "sms"), node(121, 1, "sms")), []string{"flow[1].waiting_time value must be between 30 and 120, got: 121"}},
		{taskFlow("test", "abcd", node(60, 0, "sms")), []string{"flow[0].status value must be one of", "got: 0"}},
		{taskFlow("test", "abcd", node(60, 3, "sms")), []string{"flow[0].status value must be one of", "got: 3"}},
		{taskFlow("test", "abcd", node(60, 1, "SMS")), []string{"flow[0].channel value must be one of", `"SMS"`}},
		{taskFlow("test", "abcd", node(60, 1, "email")), []string{"flow[0].channel value must be one of", `"email"`}},
		{taskFlow("test", "abcd", node(60, 1, "sms", 2)), []string{"flow[0].channel_cut value must be one of", "got: 2"}},
		{"resource \"otp_task_flow\" \"test\" {\n  name = \"abcd\"\n  flow {\n    status = 1\n    channel = \"sms\"\n  }\n}\n", []string{"waiting_time", "required"}},
	}
	steps := make([]resource.TestStep, 0, len(cases)+1)
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      e.provider() + c.config,
			PlanOnly:    true,
			ExpectError: expectError(c.err...),
		})
	}
	// The limits themselves are valid: four Chinese characters, 30 and 120 s.
	steps = append(steps, resource.TestStep{
		Config:             e.provider() + taskFlow("test", "登录回退", node(30, 2, "call", 1), node(120, 1, "sms", 0)),
		PlanOnly:           true,
		ExpectNonEmptyPlan: true,
		Check: func(*terraform.State) error {
			if n := e.sb.Total(); n != 0 {
				return fmt.Errorf("validation let %d requests reach the API: %v", n, e.sb.Counts())
			}
			return nil
		},
	})
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	if n := e.sb.Total(); n != 0 {
		t.Fatalf("validation let %d requests reach the API: %v", n, e.sb.Counts())
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
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					e.expectStored("flaky-one", sandbox.Node{WaitingTime: 30, Status: 1, Channel: "sms"}),
					e.expectStored("flaky-two", sandbox.Node{WaitingTime: 60, Status: 2, Channel: "call", ChannelCut: 1}, sandbox.Node{WaitingTime: 90, Status: 1, Channel: "sms"}),
					e.expectStored("flaky-three", sandbox.Node{WaitingTime: 120, Status: 2, Channel: "sms"}),
					func(*terraform.State) error {
						if n := len(e.sb.Flows(e.key)); n != 3 {
							return fmt.Errorf("%d flows in the sandbox, want exactly 3", n)
						}
						want := map[string]int{sandbox.FaultBadGateway: 2, sandbox.FaultSystemError: 2, sandbox.FaultDropCreate: 2}
						if got := e.sb.Injected(); fmt.Sprint(got) != fmt.Sprint(want) {
							return fmt.Errorf("faults injected %v, want %v: the test would prove less than it says", got, want)
						}
						return nil
					},
				),
			},
		},
	})
}
