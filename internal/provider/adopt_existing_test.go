package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// adoptable makes an object of kind k named name in the console, as earlier
// runs leave them behind (content 0), and returns its id. Apps are found
// through the templates that use them, so each gets one.
func (k testKind) adoptable(e *accEnv, name string) string {
	return k.queryable(e, name)[0]
}

// adoptionCost is what planning the adoption of n objects costs: the name
// check's list for a listable kind (shared, once per walk); for apps the
// template list, then one details call per app found.
func (k testKind) adoptionCost(apps int) map[string]int {
	if k.listable {
		return map[string]int{k.list: 1}
	}
	return map[string]int{sandbox.RouteTemplateList: 1, k.details: apps}
}

// TestAccKinds_adoptExisting: with adopt_existing on, a resource planned
// for creation whose name an object of the account holds adopts it: the
// plan leaves the id unknown, as for any create (nothing needs to hold
// between plan and apply); the apply creates nothing, leaves alone an object
// that matches and updates one that differs, once; the next plan is empty;
// and nothing is sent beyond the name checks of the plan and of the apply's
// own plan (apps: the lookup through the templates).
func TestAccKinds_adoptExisting(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		same, changed := k.adoptable(e, "adopt-same"), k.adoptable(e, "adopt-changed")
		config := e.provider("adopt_existing = true") + k.hcl(e, "same", "adopt-same", 0) + k.hcl(e, "changed", "adopt-changed", 1)
		before := k.count(e)
		plan := k.adoptionCost(2)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				PreConfig: e.reset(),
				Config:    config,
				ConfigPlanChecks: planChecks([]plancheck.PlanCheck{
					plancheck.ExpectResourceAction(k.addr("same"), plancheck.ResourceActionCreate),
					plancheck.ExpectUnknownValue(k.addr("same"), tfjsonpath.New("id")),
					plancheck.ExpectUnknownValue(k.addr("changed"), tfjsonpath.New("id")),
				}, e.requests("plan -refresh=false", none), e.requests("refresh", k.read(2))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(k.addr("same"), tfjsonpath.New("id"), knownvalue.StringExact(same)),
					statecheck.ExpectKnownValue(k.addr("changed"), tfjsonpath.New("id"), knownvalue.StringExact(changed)),
				},
				Check: resource.ComposeTestCheckFunc(
					// The plan, and the apply's own plan; no create, one update.
					e.requests("adopting plan and apply", sum(plan, plan, map[string]int{k.update: 1})).check(),
					e.checkStored(k, "adopt-same", 0),
					e.checkStored(k, "adopt-changed", 1),
					func(*terraform.State) error {
						if n := k.count(e); n != before {
							return fmt.Errorf("%d objects after adopting, want the %d there were", n, before)
						}
						return nil
					},
				),
			}},
		})
	})
}

// TestAccKinds_adoptionWarnsAtPlan: the plan says, on each resource, which
// object it adopts and what the apply will change in it, in a warning of its
// own that names the object (beyond a few of a kind that match, in one
// warning that the CLI counts), and how adoption behaves once, apart; with
// adoption off, the name-taken error says how to turn it on.
func TestAccKinds_adoptionWarnsAtPlan(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	var body strings.Builder
	ids := map[string]string{}
	for _, k := range allKinds {
		ids[k.typeName] = k.adoptable(e, "warned-"+strings.ReplaceAll(k.typeName, "_", "-"))
		body.WriteString(k.hcl(e, "matching", "warned-"+strings.ReplaceAll(k.typeName, "_", "-"), 0))
	}
	w.config(body.String())
	out, code := w.run(nil, "plan")
	if code != 1 || !expectError("Task Flow Name Already Taken", "set adopt_existing = true in the provider block (or OTP_ADOPT_EXISTING=true;").MatchString(out) {
		t.Fatalf("with adoption off, the plan should stop at the taken name and say how to adopt (exit %d):\n%s", code, out)
	}
	out = w.must([]string{EnvAdoptExisting + "=true"}, "plan")
	for _, k := range allKinds {
		id := ids[k.typeName]
		want := []string{"Warning: Adopting " + k.title + " " + id,
			fmt.Sprintf(`adopt_existing is on: the apply adopts %s %s ("warned-%s"), which the account already has, instead of creating one. It matches the configuration.`,
				k.info.noun, id, strings.ReplaceAll(k.typeName, "_", "-"))}
		if !expectError(want...).MatchString(out) {
			t.Errorf("the plan lacks the adoption warning of %s %v:\n%s", k.typeName, want, out)
		}
	}
	explainedOnce(t, "the plan", out)

	// One that differs says what the apply changes, in a warning of its own;
	// so do the first adoptionsNamed that match, each naming its object. The
	// others share one summary, which the CLI prints once, with their number.
	more := taskFlow("changed", "warned-task-flow", node(90, 2, "call"))
	same := map[string]string{}
	for i := range adoptionsNamed + 2 {
		name := fmt.Sprintf("warned-same-%d", i)
		same[name] = tkFlow.adoptable(e, name)
		more += tkFlow.hcl(e, fmt.Sprintf("same_%d", i), name, 0)
	}
	w.config(more)
	out = w.must([]string{EnvAdoptExisting + "=true"}, "plan")
	if !regexp.MustCompile(`(?s)Warning: Adopting Task Flow ` + ids["task_flow"] + `\n.*instead of creating one, and\s+updates:\n  flow\n`).MatchString(out) {
		t.Errorf("the plan does not say what the adoption changes:\n%s", out)
	}
	named := 0
	for name, id := range same {
		switch n := strings.Count(out, "Warning: Adopting Task Flow "+id+"\n"); {
		case n > 1:
			t.Errorf("the plan names the adoption of %s %d times:\n%s", id, n, out)
		case n == 1 && !expectError(fmt.Sprintf(`task flow %s (%q)`, id, name)).MatchString(out):
			t.Errorf("the warning of %s does not name it:\n%s", id, out)
		}
		named += strings.Count(out, "Warning: Adopting Task Flow "+id+"\n")
	}
	if named != adoptionsNamed || strings.Count(out, "Warning: Adopting More Task Flows That Match") != 1 ||
		!strings.Contains(out, "(and one more similar warning elsewhere)") {
		t.Errorf("the plan names %d adoptions that match, want %d, then one summary for the other two:\n%s", named, adoptionsNamed, out)
	}
	explainedOnce(t, "the plan", out)
}

// explainedOnce checks that a command's output says how adoption behaves,
// once.
func explainedOnce(t *testing.T, what, out string) {
	t.Helper()
	if n := strings.Count(out, "Warning: How adopt_existing Adopts"); n != 1 ||
		!expectError("Nothing is kept between commands, so a saved plan may be applied anywhere, as long as adopt_existing is still on").MatchString(out) {
		t.Errorf("%s explains adoption %d times, want once, with the saved-plan note:\n%s", what, n, out)
	}
}

// TestAccKinds_savedAdoptionAppliedWithoutIt: a plan saved with adoption on
// and applied with it off stops at each resource that it would have adopted
// with the name-taken error, which says that adoption must be on at apply
// too (not Terraform's "inconsistent final plan", which would blame the
// provider); nothing that changes the account is sent but the create of the
// app, which only the API can check. Applied with adoption on, it adopts.
func TestAccKinds_savedAdoptionAppliedWithoutIt(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	var body strings.Builder
	ids := map[string]string{}
	for _, k := range allKinds {
		name := "saved-" + strings.ReplaceAll(k.typeName, "_", "-")
		ids[k.typeName] = k.adoptable(e, name)
		body.WriteString(k.hcl(e, "saved", name, 0))
	}
	w.config(body.String())
	on := []string{EnvAdoptExisting + "=true"}
	w.must(on, "plan", "-out=adopt.tfplan")

	e.sb.ResetCounts()
	out, code := w.run(nil, "apply", "adopt.tfplan")
	if code == 0 || strings.Contains(out, "inconsistent final plan") {
		t.Fatalf("apply without adoption: exit %d, want our error, not Terraform's:\n%s", code, out)
	}
	for _, k := range allKinds {
		holder := ids[k.typeName]
		if !k.listable {
			holder = "The OTP API cannot list apps" // so the apply cannot name it
		}
		if !expectError(k.title+" Name Already Taken", holder, "adopt_existing = true",
			"A saved plan (plan -out) made with adoption on must be applied with it on too").MatchString(out) {
			t.Errorf("apply without adoption lacks the error of %s %s:\n%s", k.typeName, ids[k.typeName], out)
		}
	}
	for route, n := range e.sb.Counts() {
		refusedCreate := route == sandbox.RouteAppAdd && n == 1 // only the API can check an app's name
		if !strings.HasPrefix(route, "GET ") && n > 0 && !refusedCreate {
			t.Errorf("apply without adoption sent %d %s", n, route)
		}
	}

	// Applied with adoption on, as planned.
	w.must(on, "plan", "-out=adopt.tfplan")
	out = w.must(on, "apply", "adopt.tfplan")
	if !strings.Contains(out, "Apply complete!") {
		t.Fatalf("the saved plan with adoption on:\n%s", out)
	}
	for _, k := range allKinds {
		if got := w.must(nil, "state", "show", k.addr("saved")); !strings.Contains(got, `"`+ids[k.typeName]+`"`) {
			t.Errorf("%s was not adopted:\n%s", k.typeName, got)
		}
	}
	if out, code := w.run(on, "plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("the plan after the adoption is not empty (exit %d):\n%s", code, out)
	}
}

// TestAccKinds_adoptionRefused: never an object that another resource of
// this configuration manages, whichever of the two the CLI plans first.
func TestAccKinds_adoptionRefused(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		kept := k.hcl(e, "kept", "held-name", 0)
		if !k.listable {
			// Apps are only found through a template: make one use it.
			kept += "resource \"otp_template\" \"uses\" {\n  app_id = otp_app.kept.id\n  name = \"uses-held\"\n  text = \"##code##\"\n}\n"
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{
				{Config: e.provider("adopt_existing = true") + kept},
				{
					Config:      e.provider("adopt_existing = true") + kept + k.hcl(e, "again", "held-name", 1),
					ExpectError: expectError("Duplicate "+k.title+" Name", "resource of this configuration"),
				},
			},
		})
		if n := k.ids(e); len(n) != 1 {
			t.Fatalf("%v: want the one object", n)
		}
	})
}

// TestAccTemplate_adoption: a template adopts only within its own app (it
// cannot move): checked at plan when app_id is known then, at apply when
// it is not (an app created in the same run); a template whose app is
// adopted in the same run is adopted too.
func TestAccTemplate_adoption(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	app, err := e.sb.AddApp(e.key, sandbox.App{Name: "adopted-app", CodeExpiry: 5})
	e.must(err)
	tpl, err := e.sb.AddTemplate(e.key, sandbox.Template{AppID: app.AppID, Name: "adopted-tpl", Text: "##code##", SpeechRate: 50})
	e.must(err)
	tplID := strconv.FormatInt(tpl.TemplateID, 10)
	config := e.provider("adopt_existing = true") + app0("shop", "adopted-app") +
		template("sms", "app_id = otp_app.shop.id", `name = "adopted-tpl"`, `text = "##code##"`)
	cannotMove := []string{"Cannot Adopt Template " + tplID, fmt.Sprintf(`belongs to app %q`, app.AppID),
		"cannot move to another app", fmt.Sprintf(`set app_id to %q`, app.AppID)}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Elsewhere, known at plan: the same name under the host app.
				Config:      e.provider("adopt_existing = true") + template("sms", fmt.Sprintf("app_id = %q", e.hostApp()), `name = "adopted-tpl"`, `text = "##code##"`),
				ExpectError: expectError(cannotMove...),
			},
			{
				// Elsewhere, known at apply: under an app this run creates.
				Config: e.provider("adopt_existing = true") + app0("fresh", "fresh-app") +
					template("sms", "app_id = otp_app.fresh.id", `name = "adopted-tpl"`, `text = "##code##"`),
				ExpectError: expectError(cannotMove...),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("otp_app.shop", tfjsonpath.New("id")),
					plancheck.ExpectUnknownValue("otp_template.sms", tfjsonpath.New("app_id")),
					plancheck.ExpectUnknownValue("otp_template.sms", tfjsonpath.New("id")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("otp_app.shop", tfjsonpath.New("id"), knownvalue.StringExact(app.AppID)),
					statecheck.ExpectKnownValue("otp_app.shop", tfjsonpath.New("create_time"), knownvalue.StringExact(app.CreateTime)),
					statecheck.ExpectKnownValue("otp_template.sms", tfjsonpath.New("app_id"), knownvalue.StringExact(app.AppID)),
					statecheck.ExpectKnownValue("otp_template.sms", tfjsonpath.New("id"), knownvalue.StringExact(tplID)),
				},
			},
		},
	})
	// The host app, fresh-app (created before its template was refused),
	// adopted-app; the one template.
	if n, m := len(e.sb.Apps(e.key)), len(e.sb.Templates(e.key)); n != 3 || m != 1 {
		t.Fatalf("%d apps and %d templates, want 3 and 1", n, m)
	}
}

// app0 renders an otp_app with the console's content of adoptable.
func app0(label, name string) string { return tkApp.hcl(nil, label, name, 0) }

// TestAccKinds_adoptedObjectGone: an object that vanishes between the plan
// that adopts it and the apply is created anew by the apply (the plan said
// the id was unknown, so that is no inconsistency), never a duplicate; the
// next plan is empty.
func TestAccKinds_adoptedObjectGone(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		id := k.adoptable(e, "vanishing")
		deleted := consoleRun(func() { k.consoleDeleteWithUsers(e, id) })
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:           e.provider("adopt_existing = true") + k.hcl(e, "test", "vanishing", 0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{deleted}, PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            e.checkStored(k, "vanishing", 0),
			}},
		})
		if ids := k.ids(e); ids["vanishing"] == "" || ids["vanishing"] == id {
			t.Fatalf("%v: want a new object named vanishing", ids)
		}
	})
}

// consoleDeleteWithUsers deletes an object in the console, and first, for
// an app, the templates that use it (the console keeps an app in use).
func (k testKind) consoleDeleteWithUsers(e *accEnv, id string) {
	if !k.listable {
		for _, tpl := range e.sb.Templates(e.key) {
			if tpl.AppID == id {
				tkTemplate.consoleDelete(e, strconv.FormatInt(tpl.TemplateID, 10))
			}
		}
	}
	k.consoleDelete(e, id)
}

// TestAccKinds_nameTakenAfterThePlan: a name that another pipeline (here
// the console) takes after the apply's last look, just before its create, is
// adopted when the API refuses the create, never duplicated; an app is
// found through the template that uses it.
func TestAccKinds_nameTakenAfterThePlan(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		var id string
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				PreConfig: func() { e.beforeFirst(k.add, func() { id = k.adoptable(e, "raced") }) },
				Config:    e.provider("adopt_existing = true") + k.hcl(e, "test", "raced", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectUnknownValue(k.addr("test"), tfjsonpath.New("id"))},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func() error {
					if id == "" {
						return errors.New("the apply sent no create, so nothing took the name before it")
					}
					if got := k.ids(e); got["raced"] != id || len(got) != 1 {
						return fmt.Errorf("the account holds %v, want the one object %s", got, id)
					}
					return nil
				})},
				Check: e.checkStored(k, "raced", 1),
			}},
		})
	})
}

// consoleRun does something in the vendor console between a step's plan
// and its apply (it runs as a pre-apply plan check).
type consoleRun func()

func (f consoleRun) CheckPlan(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
	f()
}

// TestAccApp_adoptionWithoutTemplate: an app that no template uses cannot be
// found (the API has no list of apps), not even after the apply waits for
// one; the apply's "Name Already Taken" says that adoption could not find
// it, and why.
func TestAccApp_adoptionWithoutTemplate(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	tkApp.consoleAdd(e, "lonely-app")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.provider("adopt_existing = true") + tkApp.hcl(e, "test", "lonely-app", 0),
			ExpectError: expectError("App Name Already Taken", `already has an app named "lonely-app"`,
				"adopt_existing is on, but the apply could not adopt it", "no list of apps", `none used an app named "lonely-app"`),
		}},
	})
	if n := tkApp.count(e); n != 1 {
		t.Fatalf("%d apps, want the one there was", n)
	}
}
