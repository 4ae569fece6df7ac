package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// The acceptance tests every kind must pass, run once per kind: the
// mechanisms they prove exist once, so a kind that skipped one would fail
// here.

// sum adds request budgets.
func sum(budgets ...map[string]int) map[string]int {
	out := map[string]int{}
	for _, b := range budgets {
		for k, v := range b {
			out[k] += v
		}
	}
	return out
}

// nameCheck is what checking a new name at plan costs per walk: one list
// for a listable kind (shared with the refresh when there is one), nothing
// for apps, whose names only the API can check, at apply.
func (k testKind) nameCheck() map[string]int {
	if k.listable {
		return map[string]int{k.list: 1}
	}
	return none
}

// confirmGone is what confirming an object missing from the list costs:
// one details call (a kind without a list read it by details already).
func (k testKind) confirmGone() map[string]int {
	if k.listable {
		return map[string]int{k.details: 1}
	}
	return none
}

func planChecks(preApply []plancheck.PlanCheck, noRefresh, refresh requests) resource.ConfigPlanChecks {
	c := stepPlans(noRefresh, refresh)
	c.PreApply = preApply
	return c
}

func TestAccKinds_lifecycle(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		addr := k.addr("test")
		name, renamed := e.name("lifecycle"), e.name("生命周期-renamed")
		sameID := statecheck.CompareValue(compare.ValuesSame())
		read := e.requests("refresh", k.read(1))
		action := func(a plancheck.ResourceActionType) []plancheck.PlanCheck {
			return []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, a)}
		}
		steps := []resource.TestStep{
			{
				Config:            e.provider() + k.hcl(e, "test", name, 0),
				ConfigPlanChecks:  planChecks(action(plancheck.ResourceActionCreate), e.requests("plan -refresh=false", none), read),
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(addr, tfjsonpath.New("id"))},
				Check: resource.ComposeTestCheckFunc(
					e.expectUserAgent(),
					// The plan checks the name (listable kinds: one list), the
					// apply plans again (one more), and creates.
					e.requests("create", sum(k.nameCheck(), k.nameCheck(), map[string]int{k.add: 1})).check(),
					e.checkStored(k, name, 0),
				),
			},
			{
				// Every attribute changes: in place, one update.
				Config:            e.provider() + k.hcl(e, "test", name, 1),
				ConfigPlanChecks:  planChecks(action(plancheck.ResourceActionUpdate), e.requests("plan -refresh=false", none), read),
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(addr, tfjsonpath.New("id"))},
				Check: resource.ComposeTestCheckFunc(
					e.requests("update", sum(k.read(1), map[string]int{k.update: 1})).check(),
					e.checkStored(k, name, 1),
				),
			},
			{
				// A rename (to a Chinese name): in place; the new name is
				// checked from the refresh's list, and again in the apply.
				Config:           e.provider() + k.hcl(e, "test", renamed, 1),
				ConfigPlanChecks: planChecks(action(plancheck.ResourceActionUpdate), e.requests("plan -refresh=false", none), read),
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact(renamed)),
				},
				Check: resource.ComposeTestCheckFunc(
					e.requests("rename", sum(k.read(1), k.nameCheck(), map[string]int{k.update: 1})).check(),
					e.checkStored(k, renamed, 1),
				),
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
		}
		importCost := k.read(1)
		if k.listable {
			steps = append(steps, resource.TestStep{
				ResourceName: addr, ImportState: true, ImportStateId: importNamePrefix + renamed, ImportStateVerify: true,
			})
			// By name: the list finds the id, and the read is served from it.
			importCost = sum(importCost, k.read(1))
		}
		steps = append(steps, resource.TestStep{
			PreConfig: func() {
				if err := e.requests("the imports", importCost).verify(); err != nil {
					t.Error(err)
				}
			},
			Config:           e.provider() + k.hcl(e, "test", renamed, 1),
			PlanOnly:         true,
			ConfigPlanChecks: stepPlans(e.requests("plan -refresh=false", none), read),
		})
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps:                    steps,
			CheckDestroy: func(*terraform.State) error {
				// Destroy only forgets: the API cannot delete.
				if e.sb == nil {
					return nil
				}
				if n := k.count(e); n != 1 {
					return fmt.Errorf("%d objects after destroy, want the 1 that cannot be deleted", n)
				}
				return k.stored(e, renamed, 1)
			},
		})
	})
}

func TestAccKinds_drift(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		addr, name := k.addr("test"), "drifting"
		config := e.provider() + k.hcl(e, "test", name, 0)
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
					// Edited in the vendor console: the plan shows an in-place
					// update back to the configuration.
					PreConfig: func() { k.consoleEdit(e, firstID); e.sb.ResetCounts() },
					Config:    config,
					ConfigPlanChecks: planChecks([]plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
						e.requests("plan -refresh=false", none), e.requests("refresh", k.read(1))),
					Check: resource.ComposeTestCheckFunc(
						e.requests("restore", sum(k.read(1), map[string]int{k.update: 1})).check(),
						e.checkStored(k, name, 0),
					),
				},
				{
					// Deleted in the console: the refresh confirms it (listable
					// kinds: the list, plus one details call for the missing id),
					// drops it, and the plan creates it again.
					PreConfig: func() { k.consoleDelete(e, firstID); e.sb.ResetCounts() },
					Config:    config,
					ConfigPlanChecks: planChecks([]plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
						e.requests("plan -refresh=false", none), e.requests("refresh", k.read(1))),
					Check: resource.ComposeTestCheckFunc(
						e.requests("refresh of a deleted object and create", sum(k.read(1), k.confirmGone(), k.nameCheck(), map[string]int{k.add: 1})).check(),
						func(s *terraform.State) error {
							if id := s.RootModule().Resources[addr].Primary.ID; id == firstID {
								return fmt.Errorf("the recreated object kept the deleted id %s", id)
							}
							if n := k.count(e); n != 1 {
								return fmt.Errorf("%d objects, want 1", n)
							}
							return nil
						},
					),
				},
			},
		})
	})
}

// The detail of a name conflict found at plan, for a listable kind, or at
// apply, for apps.
func (k testKind) takenFragments(e *accEnv, name, holderID string) []string {
	if k.listable {
		return []string{k.title + " Name Already Taken", fmt.Sprintf(`named %q (id %s)`, name, holderID),
			"import {", fmt.Sprintf(`id = %q`, holderID), fmt.Sprintf("terraform import %s.<name> %s", "otp_"+k.typeName, holderID),
			"found before anything was sent"}
	}
	return []string{"App Name Already Taken", fmt.Sprintf(`already has an app named %q`, name), "cannot list apps",
		"import {", "terraform import otp_app.<name> <id>", "status -20"}
}

func TestAccKinds_nameTaken(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		holder := k.consoleAdd(e, "taken-name")
		// Listable kinds refuse at plan (one list, nothing created); apps at
		// apply (one refused create).
		refused := map[string]int{k.add: 1}
		renameRefused := sum(k.read(1), map[string]int{k.update: 1})
		renameFragments := []string{k.title + " Name Already Taken", `from "renamed-later" to "taken-name" failed`,
			"The " + k.info.noun + " was not changed", "status -20"}
		if k.listable {
			refused, renameRefused = k.nameCheck(), k.read(1)
			renameFragments = []string{k.title + " Name Already Taken", `from "renamed-later" to "taken-name" failed`,
				fmt.Sprintf(`named "taken-name" (id %s)`, holder), "found before anything was sent"}
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config:      e.provider() + k.hcl(e, "test", "taken-name", 1),
					ExpectError: expectError(k.takenFragments(e, "taken-name", holder)...),
				},
				{
					PreConfig: func() {
						if err := e.requests("the refused create", refused).verify(); err != nil {
							t.Error(err)
						}
					},
					Config: e.provider() + k.hcl(e, "test", "renamed-later", 1),
				},
				{
					PreConfig:   e.reset(),
					Config:      e.provider() + k.hcl(e, "test", "taken-name", 1),
					ExpectError: expectError(renameFragments...),
				},
				{
					PreConfig: func() {
						if err := e.requests("the refused rename", renameRefused).verify(); err != nil {
							t.Error(err)
						}
					},
					// Nothing changed: the original name still plans empty.
					Config:   e.provider() + k.hcl(e, "test", "renamed-later", 1),
					PlanOnly: true,
				},
			},
		})
		if n := k.count(e); n != 2 {
			t.Fatalf("%d objects, want the holder and the one renamed-later", n)
		}
	})
}

// TestAccKinds_duplicateNames: two resources of one configuration with the
// same name. With other settings, the plan warns (one provider process may
// plan one resource twice, so a plan cannot be sure); alike in everything,
// with adoption on, both plan to adopt the same object. Either way the
// apply creates or adopts exactly one and refuses the other, saying why.
func TestAccKinds_duplicateNames(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		w := newCLIWorkspace(t, e, nil)
		w.config(k.hcl(e, "one", "same-name", 0) + k.hcl(e, "two", "same-name", 1))
		out := w.must(nil, "plan")
		if !expectError("Warning: Duplicate "+k.title+" Name", `also plans`, `named "same-name", with other settings`).MatchString(out) {
			t.Errorf("the plan does not warn of the duplicate:\n%s", out)
		}
		// Refused by the create that comes second, or, when the first was
		// applied before the second's own plan in the apply, by that plan.
		out, code := w.run(nil, "apply", "-auto-approve")
		refused := regexp.MustCompile(`(?is)Error: Duplicate ` + k.title + ` Name.*named\s+"same-name".*(in\s+this\s+same\s+apply|could\s+be\s+applied).*give\s+each\s+resource\s+its\s+own\s+name`)
		if code != 1 || !refused.MatchString(out) {
			t.Errorf("the apply should refuse one of the two, saying why (exit %d):\n%s", code, out)
		}
		if n := k.count(e); n != 1 {
			t.Errorf("%d objects, want the one created", n)
		}

		// Alike in everything, with adoption on: both plan to adopt the one
		// object; the apply adopts it once. The other is refused by its
		// create, or by its own plan in the apply when the first was applied
		// before it (the name is then that object's: "could be applied").
		k.adoptable(e, "twin-name")
		twin := k.hcl(e, "twin_a", "twin-name", 0) + k.hcl(e, "twin_b", "twin-name", 0)
		w.config(twin)
		out, code = w.run([]string{EnvAdoptExisting + "=true"}, "apply", "-auto-approve")
		twinRefused := regexp.MustCompile(`(?is)Error: Duplicate ` + k.title + ` Name.*"twin-name".*(in\s+this\s+same\s+apply|resource\s+of\s+this\s+configuration\s+manages|could\s+be\s+applied)`)
		if code != 1 || !twinRefused.MatchString(out) {
			t.Errorf("the twins' apply should adopt once and refuse the other (exit %d):\n%s", code, out)
		}
		if out := w.must(nil, "state", "list"); strings.Count(out, k.addr("twin_")) != 1 {
			t.Errorf("want exactly one twin in the state:\n%s", out)
		}
	})
}

// TestAccKinds_nameOfAManagedObject: a new resource named like an object
// another resource of the configuration manages is told so, not told to
// import that object a second time. Which message comes depends on whether
// the CLI refreshed the other resource before planning this one.
func TestAccKinds_nameOfAManagedObject(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		kept := k.hcl(e, "kept", "kept-name", 0)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{
				{Config: e.provider() + kept},
				{
					Config:      e.provider() + kept + k.hcl(e, "again", "kept-name", 1),
					ExpectError: regexp.MustCompile(`(?is)(Duplicate|Name\s+Already\s+Taken).*kept-name.*another\s+(otp_[a-z_]+\s+)?resource\s+of\s+this\s+configuration\s+manages`),
				},
			},
		})
		if n := k.count(e); n != 1 {
			t.Fatalf("%d objects, want 1", n)
		}
	})
}

// TestAccKinds_lostCreateAnswer runs with adopt_existing off and on: a
// create whose answer was lost is settled the same way, never duplicated.
func TestAccKinds_lostCreateAnswer(t *testing.T) {
	for _, adopt := range []string{"false", "true"} {
		t.Run("adopt_existing="+adopt, func(t *testing.T) { testLostCreateAnswer(t, adopt) })
	}
}

func testLostCreateAnswer(t *testing.T, adopt string) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		e.sb.SetFaults(sandbox.Faults{DropCreateRate: 1, Limit: 1})
		addr, config := k.addr("test"), e.provider("adopt_existing = "+adopt)+k.hcl(e, "test", "lost-answer", 0)
		if k.listable {
			// Settled from the list: the object is adopted, never duplicated.
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:           config,
					ConfigPlanChecks: stepPlans(e.requests("plan -refresh=false", none), e.requests("refresh", k.read(1))),
					Check: resource.ComposeTestCheckFunc(
						e.requests("a create whose answer was lost", sum(k.nameCheck(), k.nameCheck(), map[string]int{k.add: 1, k.list: 1})).check(),
						func(*terraform.State) error {
							if n := k.count(e); n != 1 {
								return fmt.Errorf("%d objects, want exactly 1", n)
							}
							return nil
						},
					),
				}},
			})
			return
		}
		// An app cannot be looked up: the retry's -20 proves it exists, and
		// the user is told so, and how to adopt it by the id in the console.
		t.Parallel()
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: config,
				ExpectError: expectError("App May Have Been Created", `most likely the one this apply created`,
					"Look for an app named \"lost-answer\" in the vendor console", "terraform import otp_app.<name> <id>"),
			}},
		})
		if n := k.count(e); n != 1 {
			t.Fatalf("%d apps, want exactly 1", n)
		}
		id := e.idOf(k, "lost-answer")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: config + fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", addr, id),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(id))},
			}},
		})
	})
}

// TestAccKinds_unknownCreateOutcome is what a user sees when a create's
// answer is lost and the list cannot settle it either: an error saying the
// object may exist; the next plan names it; an import block adopts it.
func TestAccKinds_unknownCreateOutcome(t *testing.T) {
	for _, k := range allKinds {
		if !k.listable {
			continue // apps: TestAccKinds_lostCreateAnswer
		}
		t.Run(k.typeName, func(t *testing.T) {
			e := newAccEnv(t)
			e.needsSandbox()
			e.sb.SetFaults(sandbox.Faults{DropCreateRate: 1, BadGatewayRate: 1, Routes: []string{k.list}})
			addr, config := k.addr("test"), e.provider("max_retries = 0")+k.hcl(e, "test", "unknown-outcome", 0)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: config,
						ExpectError: expectError(k.title+" May Have Been Created", `may have reached the OTP API`,
							"Run terraform apply again", k.title+" Name Already Taken", `id = "name:unknown-outcome"`, "HTTP 502"),
					},
					{
						PreConfig:   func() { e.sb.SetFaults(sandbox.Faults{}) },
						Config:      config,
						ExpectError: expectError(k.title+" Name Already Taken", `named "unknown-outcome" (id `, "import {", "found before anything was sent"),
					},
					{
						Config: config + fmt.Sprintf("import {\n  to = %s\n  id = \"name:unknown-outcome\"\n}\n", addr),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)},
						},
						Check: func(*terraform.State) error {
							if n := k.count(e); n != 1 {
								return fmt.Errorf("%d objects, want exactly 1", n)
							}
							return nil
						},
					},
				},
			})
		})
	}
}

// consoleDeletes deletes an object in the vendor console between the plan
// and the apply of a step (it runs as a pre-apply plan check).
type consoleDeletes struct {
	e  *accEnv
	k  testKind
	id *string
}

func (c consoleDeletes) CheckPlan(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
	c.k.consoleDelete(c.e, *c.id)
}

func TestAccKinds_updateOfObjectDeletedInConsole(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		addr := k.addr("test")
		var id string
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config: e.provider() + k.hcl(e, "test", "deleted-meanwhile", 0),
					Check: func(s *terraform.State) error {
						id = s.RootModule().Resources[addr].Primary.ID
						return nil
					},
				},
				{
					Config:           e.provider() + k.hcl(e, "test", "deleted-meanwhile", 1),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{consoleDeletes{e: e, k: k, id: &id}}},
					ExpectError: expectError(k.title+" Not Found", "was removed from the account outside Terraform before it could be updated",
						"Run terraform apply again: the refresh will notice and plan to create it anew"),
				},
				{
					Config: e.provider() + k.hcl(e, "test", "deleted-meanwhile", 1),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
					},
					Check: e.checkStored(k, "deleted-meanwhile", 1),
				},
			},
		})
	})
}

func TestAccKinds_importErrors(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		config := e.provider() + k.hcl(e, "test", e.name("import-target"), 0)
		step := func(id string, fragments ...string) resource.TestStep {
			return resource.TestStep{Config: config, ResourceName: k.addr("test"), ImportState: true, ImportStateId: id, ExpectError: expectError(fragments...)}
		}
		steps := []resource.TestStep{}
		if k.listable {
			steps = append(steps,
				step("login-fallback", "Invalid Import ID", "is not a "+k.info.noun+" id", `or by its name prefixed with "name:"`),
				step("987654321", k.title+" Not Found", "Cannot import "+k.info.noun+" 987654321: the account has no "+k.info.noun+" with that id"),
				step("name:"+e.name("no-such-name"), k.title+" Not Found", "is named", "matched exactly"),
			)
			if e.sb != nil {
				// A name that differs only in case is suggested.
				k.consoleAdd(e, "Case-Matters")
				steps = append(steps, step("name:case-matters", k.title+" Not Found", `is named "case-matters"`, `Did you mean "Case-Matters"?`))
			}
		} else {
			steps = append(steps,
				step("a b", "Invalid Import ID", "is not an app id", "as shown in the vendor console"),
				step("zzzzzzzz", "App Not Found", "Cannot import app zzzzzzzz: the account has no app with that id"),
				step("name:shop", "Invalid Import ID", "cannot be imported by name", "no list of apps"),
			)
		}
		resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	})
}

// TestAccKinds_generatedConfig adopts an object made in the console with
// plan -generate-config-out: the generated configuration must import it
// with nothing to change.
func TestAccKinds_generatedConfig(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		id := k.consoleAdd(e, "made-in-console")
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:          e.provider(),
				ResourceName:    k.addr("adopted"),
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   id,
				GenerateConfig:  true,
			}},
		})
	})
}

// TestAccKinds_identity needs a CLI with resource identity (Terraform 1.12+,
// OpenTofu 1.12+); older CLIs skip it, and every other test proves they
// still work with a provider that declares identities.
func TestAccKinds_identity(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		addr := k.addr("test")
		idPattern := regexp.MustCompile(`^[0-9]+$`)
		if !k.listable {
			idPattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
			Steps: []resource.TestStep{
				{
					Config: e.provider() + k.hcl(e, "test", e.name("with-identity"), 0),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(idPattern)}),
						statecheck.ExpectIdentityValueMatchesState(addr, tfjsonpath.New("id")),
					},
				},
				{
					// Renames keep the identity.
					Config: e.provider() + k.hcl(e, "test", e.name("identity-renamed"), 1),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectIdentityValueMatchesState(addr, tfjsonpath.New("id")),
					},
				},
				{ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
				{ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID},
			},
		})
	})
}

// TestAccTaskFlow_nameUnknownAtPlan: a name computed from another resource
// is unknown at plan; it is checked when the apply plans the resource again
// with the name known, still before anything is sent.
func TestAccTaskFlow_nameUnknownAtPlan(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	holder := tkFlow.consoleAdd(e, "computed-name")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.provider() + "resource \"terraform_data\" \"name\" {\n  input = \"computed-name\"\n}\n" +
				"resource \"otp_task_flow\" \"test\" {\n  name = terraform_data.name.output\n" + node(60, 1, "sms") + "}\n",
			ExpectError: expectError("Task Flow Name Already Taken", fmt.Sprintf(`named "computed-name" (id %s)`, holder), "import {", "found before anything was sent"),
		}},
	})
	// The plan could not check it; the apply's own plan lists once, and
	// nothing is created.
	if err := e.requests("a create onto a name unknown at plan", map[string]int{tkFlow.list: 1}).verify(); err != nil {
		t.Fatal(err)
	}
}

// TestAccKinds_swapNames: two resources of one configuration swapping names
// cannot do it in one apply (each rename meets the other's name); the
// errors say how (a temporary name, in two applies), and following them
// works.
func TestAccKinds_swapNames(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		two := func(first, second string) string {
			return e.provider() + k.hcl(e, "a", first, 0) + k.hcl(e, "b", second, 0)
		}
		// Listable kinds: at plan; apps (no list): at apply, from the API's
		// -20. Which of the two messages comes first depends on whether the
		// CLI refreshed the other resource first; both say how.
		swap := regexp.MustCompile(`(?s)(Duplicate|Name\s+Already\s+Taken).*go\s+through\s+a\s+temporary\s+name,\s+in\s+three\s+applies.*\(such\s+as\s+"swap-(one|two)-tmp"\)`)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{
				{Config: two("swap-one", "swap-two")},
				{Config: two("swap-two", "swap-one"), ExpectError: swap},
				// The advice, one move per apply: a temporary name first, then
				// the other takes the freed name, then this one takes its.
				{Config: two("swap-two-tmp", "swap-two")},
				{Config: two("swap-two-tmp", "swap-one")},
				{
					Config: two("swap-two", "swap-one"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(k.addr("a"), tfjsonpath.New("name"), knownvalue.StringExact("swap-two")),
						statecheck.ExpectKnownValue(k.addr("b"), tfjsonpath.New("name"), knownvalue.StringExact("swap-one")),
					},
				},
			},
		})
		if n := k.count(e); n != 2 {
			t.Fatalf("%d objects, want the 2 that swapped names", n)
		}
	})
}
