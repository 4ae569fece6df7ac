package provider

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

func TestAccTaskFlowDataSources(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	console, err := e.sb.AddFlow(e.key, sandbox.Flow{Name: "console-flow", Flow: []sandbox.Node{{WaitingTime: 45, Status: 2, Channel: "call", ChannelCut: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	consoleID := strconv.FormatInt(console.FlowID, 10)
	managed := taskFlow("test", "managed-flow", node(60, 1, "sms"), node(90, 2, "call"))
	lookups := fmt.Sprintf(`
data "otp_task_flow" "by_id" {
  id = %q
}

data "otp_task_flow" "by_name" {
  name = otp_task_flow.test.name
}

data "otp_task_flows" "all" {
  depends_on = [otp_task_flow.test]
}
`, consoleID)
	consoleNode := nodeCheck(45, 2, "call", 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.provider() + managed + lookups,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.otp_task_flow.by_id", tfjsonpath.New("name"), knownvalue.StringExact("console-flow")),
					statecheck.ExpectKnownValue("data.otp_task_flow.by_id", tfjsonpath.New("flow"), knownvalue.ListExact([]knownvalue.Check{consoleNode})),
					statecheck.ExpectKnownValue("data.otp_task_flow.by_name", tfjsonpath.New("id"), knownvalue.StringExact(strconv.FormatInt(console.FlowID+1, 10))),
					statecheck.ExpectKnownValue("data.otp_task_flow.by_name", tfjsonpath.New("flow"), knownvalue.ListExact([]knownvalue.Check{
						nodeCheck(60, 1, "sms", 0), nodeCheck(90, 2, "call", 0),
					})),
					statecheck.ExpectKnownValue("data.otp_task_flows.all", tfjsonpath.New("flows"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id": knownvalue.StringExact(consoleID), "name": knownvalue.StringExact("console-flow"),
							"flow": knownvalue.ListExact([]knownvalue.Check{consoleNode}),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("managed-flow")}),
					})),
				},
			},
		},
	})
}

func TestAccTaskFlowDataSource_errors(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	if _, err := e.sb.AddFlow(e.key, sandbox.Flow{Name: "only-flow", Flow: []sandbox.Node{{WaitingTime: 45, Status: 2, Channel: "call"}}}); err != nil {
		t.Fatal(err)
	}
	step := func(body string, fragments ...string) resource.TestStep {
		return resource.TestStep{Config: e.provider() + "data \"otp_task_flow\" \"x\" {\n" + body + "\n}\n", ExpectError: expectError(fragments...)}
	}
	e.sb.ResetCounts()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step(`id = "10001"
name = "only-flow"`, "Invalid Attribute Combination", "Exactly one of these attributes must be configured: [id,name]"),
			step(``, "Missing Attribute Configuration", "Exactly one of these attributes must be configured: [id,name]"),
			step(`id = "abc"`, "Invalid Task Flow ID", `"abc" is not a task flow id`),
			step(`name = "no"`, "Attribute name UTF-8 character count must be between 4 and 32, got: 2"),
			{
				// The plan-time errors above sent nothing.
				PreConfig: func() {
					if n := e.sb.Total(); n != 0 {
						t.Fatalf("plan-time errors sent %d requests", n)
					}
				},
				Config:      e.provider() + "data \"otp_task_flow\" \"x\" {\n  name = \"Only-Flow\"\n}\n",
				ExpectError: expectError("Task Flow Not Found", `None of the account's 1 task flows is named "Only-Flow"`),
			},
			step(`id = "424242"`, "Task Flow Not Found", "The account has no task flow with id 424242"),
		},
		CheckDestroy: func(*terraform.State) error { return nil },
	})
}
