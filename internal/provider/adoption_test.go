package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// guideExample reads an example of the adoption guide, so that what the
// guide shows is what this test runs.
func guideExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/guides/adoption/" + name + "/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAccAdoption_bulkImportAndRemoved runs the guide's bulk adoption of
// every flow of an account (one import block with for_each over the
// otp_task_flows data source) and then its removed block, which forgets
// them without touching the account.
func TestAccAdoption_bulkImportAndRemoved(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	names := []string{"console-one", "console-two", "console-three"}
	for i, name := range names {
		_, err := e.sb.AddFlow(e.key, sandbox.Flow{Name: name, Flow: []sandbox.Node{{WaitingTime: 30 + i, Status: 2, Channel: "call", ChannelCut: 1}}})
		e.must(err)
	}
	noop := make([]plancheck.PlanCheck, 0, len(names))
	for _, name := range names {
		noop = append(noop, plancheck.ExpectResourceAction(fmt.Sprintf("otp_task_flow.adopted[%q]", name), plancheck.ResourceActionNoop))
	}
	removed := strings.ReplaceAll(guideExample(t, "removed"), "otp_task_flow.legacy", "otp_task_flow.adopted")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.10.0")))},
		Steps: []resource.TestStep{
			{
				Config:           e.provider() + guideExample(t, "bulk-import"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: noop},
				// The plan lists the flows once, for the data source and the
				// imports' reads alike; the apply adopts them without a request.
				ConfigStateChecks: []statecheck.StateCheck{
					flowsInState(len(names)),
					stateCheckFunc(func() error { return e.requests("bulk adoption", map[string]int{sandbox.RouteFlowList: 1}).verify() }),
				},
			},
			{
				Config: e.provider() + removed,
				ConfigStateChecks: []statecheck.StateCheck{
					flowsInState(0),
					stateCheckFunc(func() error {
						if n := len(e.sb.Flows(e.key)); n != len(names) {
							return fmt.Errorf("%d flows in the account, want the %d left there on purpose", n, len(names))
						}
						return nil
					}),
				},
			},
		},
	})
}

// flowsInState counts the otp_task_flow instances in the state (the older
// Check functions cannot address for_each instances).
type flowsInState int

func (want flowsInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	n := 0
	if req.State != nil && req.State.Values != nil && req.State.Values.RootModule != nil {
		for _, r := range req.State.Values.RootModule.Resources {
			if r.Type == "otp_task_flow" && r.Mode == "managed" {
				n++
			}
		}
	}
	if n != int(want) {
		resp.Error = fmt.Errorf("%d otp_task_flow instances in the state, want %d", n, want)
	}
}

// stateCheckFunc runs an assertion at the state checks' time.
type stateCheckFunc func() error

func (f stateCheckFunc) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}
