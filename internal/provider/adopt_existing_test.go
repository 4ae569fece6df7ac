package provider

import (
	"context"
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
// plan knows its id; the apply creates nothing, leaves alone an object that
// matches and updates one that differs, once; the next plan is empty; and
// nothing is sent beyond the name check (apps: the lookup through the
// templates).
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
					plancheck.ExpectKnownValue(k.addr("same"), tfjsonpath.New("id"), knownvalue.StringExact(same)),
					plancheck.ExpectKnownValue(k.addr("changed"), tfjsonpath.New("id"), knownvalue.StringExact(changed)),
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

// TestAccKinds_adoptionWarnsAtPlan: the plan says, on the resource, which
// object it adopts and what the apply will change in it; with adoption
// off, the name-taken error says how to turn it on.
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
	if code != 1 || !expectError("Task Flow Name Already Taken", "set adopt_existing = true in the provider block (or OTP_ADOPT_EXISTING=true)").MatchString(out) {
		t.Fatalf("with adoption off, the plan should stop at the taken name and say how to adopt (exit %d):\n%s", code, out)
	}
	out = w.must([]string{EnvAdoptExisting + "=true"}, "plan")
	for _, k := range allKinds {
		want := []string{"Warning: Adopting " + k.title + " " + ids[k.typeName], fmt.Sprintf(`already has %s named "warned-`, k.info.a()),
			"which is not in this state", "already matches the configuration", "would manage the same " + k.info.noun}
		if !expectError(want...).MatchString(out) {
			t.Errorf("the plan lacks the adoption warning of %s %v:\n%s", k.typeName, want, out)
		}
	}
	// A difference: named in the warning.
	w.config(taskFlow("changed", "warned-task-flow", node(90, 2, "call")))
	out = w.must([]string{EnvAdoptExisting + "=true"}, "plan")
	if !regexp.MustCompile(`(?s)Adopting Task Flow ` + ids["task_flow"] + `.*updates the task flow to match the\s+configuration:\s+flow\n`).MatchString(out) {
		t.Errorf("the plan does not say what the adoption changes:\n%s", out)
	}
}

// TestAccKinds_savedAdoptionAppliedWithoutIt: a plan saved with adoption on
// and applied with it off stops at each adopted resource, naming the object
// and the way on, before anything is sent that changes the account (not
// Terraform's "inconsistent final plan", which would blame the provider);
// planned again with adoption on, it applies.
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
		if !expectError(k.title+" "+ids[k.typeName]+" Was Adopted With adopt_existing On", "Turn adoption on again",
			EnvAdoptExisting+"=true", "a saved plan made with adoption on needs it at apply too").MatchString(out) {
			t.Errorf("apply without adoption lacks the error of %s %s:\n%s", k.typeName, ids[k.typeName], out)
		}
	}
	for route, n := range e.sb.Counts() {
		if !strings.HasPrefix(route, "GET ") && n > 0 {
			t.Errorf("apply without adoption sent %d %s", n, route)
		}
	}

	// What the error says: plan again with adoption on, and apply that.
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
// cannot move), and a template whose app is adopted in the same plan plans
// with a known app_id, and is adopted too.
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Elsewhere: the same name under the host app.
				Config: e.provider("adopt_existing = true") + template("sms", fmt.Sprintf("app_id = %q", e.hostApp()), `name = "adopted-tpl"`, `text = "##code##"`),
				ExpectError: expectError("Cannot Adopt Template "+tplID, fmt.Sprintf(`belongs to app %q`, app.AppID),
					"cannot move to another app", fmt.Sprintf(`set app_id to %q`, app.AppID)),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue("otp_app.shop", tfjsonpath.New("id"), knownvalue.StringExact(app.AppID)),
					plancheck.ExpectKnownValue("otp_app.shop", tfjsonpath.New("create_time"), knownvalue.StringExact(app.CreateTime)),
					plancheck.ExpectKnownValue("otp_template.sms", tfjsonpath.New("app_id"), knownvalue.StringExact(app.AppID)),
					plancheck.ExpectKnownValue("otp_template.sms", tfjsonpath.New("id"), knownvalue.StringExact(tplID)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("otp_app.shop", tfjsonpath.New("create_time"), knownvalue.StringExact(app.CreateTime)),
				},
			},
		},
	})
	if n, m := len(e.sb.Apps(e.key)), len(e.sb.Templates(e.key)); n != 2 || m != 1 {
		t.Fatalf("%d apps and %d templates, want the 2 and 1 there were", n, m)
	}
}

// app0 renders an otp_app with the console's content of adoptable.
func app0(label, name string) string { return tkApp.hcl(nil, label, name, 0) }

// TestAccKinds_adoptedObjectGone: an object that vanishes between the plan
// that adopts it and the apply fails the apply with an error that says to
// plan again, never "inconsistent final plan", never a silent create; the
// next plan creates it.
func TestAccKinds_adoptedObjectGone(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		id := k.adoptable(e, "vanishing")
		deleted := consoleRun(func() {
			if !k.listable {
				// An app goes once the template that uses it is gone.
				for _, tpl := range e.sb.Templates(e.key) {
					if tpl.AppID == id {
						tkTemplate.consoleDelete(e, strconv.FormatInt(tpl.TemplateID, 10))
					}
				}
			}
			k.consoleDelete(e, id)
		})
		config := e.provider("adopt_existing = true") + k.hcl(e, "test", "vanishing", 0)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config:           config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{deleted}},
					ExpectError:      expectError(k.title+" Is Gone", "no longer in the account under that name", "Nothing was created or changed", "Run terraform plan again"),
				},
				{
					Config:           config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(k.addr("test"), tfjsonpath.New("id"))}},
					Check:            e.checkStored(k, "vanishing", 0),
				},
			},
		})
		if ids := k.ids(e); ids["vanishing"] == "" || ids["vanishing"] == id {
			t.Fatalf("%v: want a new object named vanishing", ids)
		}
	})
}

// consoleRun does something in the vendor console between a step's plan
// and its apply (it runs as a pre-apply plan check).
type consoleRun func()

func (f consoleRun) CheckPlan(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
	f()
}

// TestAccApp_adoptionWithoutTemplate: an app that no template uses cannot be
// found (the API has no list of apps); the apply's "Name Already Taken"
// says that adoption could not find it, and why.
func TestAccApp_adoptionWithoutTemplate(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	tkApp.consoleAdd(e, "lonely-app")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.provider("adopt_existing = true") + tkApp.hcl(e, "test", "lonely-app", 0),
			ExpectError: expectError("App Name Already Taken", `already has an app named "lonely-app"`,
				"adopt_existing is on, but the plan did not adopt it", "no list of apps", `none uses an app named "lonely-app"`),
		}},
	})
	if n := tkApp.count(e); n != 1 {
		t.Fatalf("%d apps, want the one there was", n)
	}
}
