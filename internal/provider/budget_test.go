package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// TestAccPlanBudget holds a plan of an unchanged configuration to its
// requests, whatever its size: one list per kind that has one (flows,
// templates), one details call per app (apps have no list); nothing at all
// with -refresh=false; one details call per resource with read_from_list
// off; and, for a flow deleted in the console, the list plus one details
// call to confirm it.
func TestAccPlanBudget(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	const flows, templates, apps = 6, 3, 2
	var b strings.Builder
	for i := range flows {
		b.WriteString(taskFlow(fmt.Sprintf("f%d", i), fmt.Sprintf("budget-flow-%d", i), node(30+i, 1, "sms")))
	}
	for i := range templates {
		b.WriteString(template(fmt.Sprintf("t%d", i), fmt.Sprintf("app_id = %q", e.hostApp()), fmt.Sprintf(`name = "budget-template-%d"`, i), `text = "##code##"`))
	}
	for i := range apps {
		b.WriteString(app(fmt.Sprintf("a%d", i), fmt.Sprintf(`name = "budget-app-%d"`, i)))
	}
	config := b.String()
	unchanged := map[string]int{sandbox.RouteFlowList: 1, sandbox.RouteTemplateList: 1, sandbox.RouteAppDetails: apps}
	var deletedID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.provider() + config,
				// Creating them all: one list per listable kind in the plan
				// and one in the apply (the name checks), one create each.
				Check: e.requests("apply of new resources", map[string]int{
					sandbox.RouteFlowList: 2, sandbox.RouteTemplateList: 2,
					sandbox.RouteFlowAdd: flows, sandbox.RouteTemplateAdd: templates, sandbox.RouteAppAdd: apps,
				}).check(),
				ConfigPlanChecks: stepPlans(e.requests("plan -refresh=false", none), e.requests("plan", unchanged)),
			},
			{
				Config:           e.provider() + config,
				PlanOnly:         true,
				ConfigPlanChecks: stepPlans(e.requests("plan -refresh=false", none), e.requests("plan", unchanged)),
			},
			{
				// Adoption only looks for what a plan creates: an unchanged
				// plan costs the same with it on.
				Config:           e.provider("adopt_existing = true") + config,
				PlanOnly:         true,
				ConfigPlanChecks: stepPlans(e.requests("plan -refresh=false", none), e.requests("plan with adopt_existing", unchanged)),
			},
			{
				// One object at a time, for accounts far larger than the
				// configuration.
				Config:   e.provider("read_from_list = false") + config,
				PlanOnly: true,
				ConfigPlanChecks: stepPlans(e.requests("plan -refresh=false", none), e.requests("plan, reading one by one", map[string]int{
					sandbox.RouteFlowDetails: flows, sandbox.RouteTemplateDetails: templates, sandbox.RouteAppDetails: apps,
				})),
			},
			{
				PreConfig: func() {
					deletedID = e.idOf(tkFlow, "budget-flow-2")
					tkFlow.consoleDelete(e, deletedID)
				},
				Config:             e.provider() + config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{e.requests("plan -refresh=false", none)},
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("otp_task_flow.f2", plancheck.ResourceActionCreate),
						e.requests("plan with a flow deleted in the console", sum(unchanged, map[string]int{sandbox.RouteFlowDetails: 1})),
					},
				},
			},
		},
	})
	if deletedID == "" {
		t.Fatal("the deletion step did not run")
	}
}
