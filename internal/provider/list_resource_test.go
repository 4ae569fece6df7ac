package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// queryable seeds the account with objects of kind k named names, made in
// the console, and returns their ids. Apps can only be listed through the
// templates that use them, so each app gets one.
func (k testKind) queryable(e *accEnv, names ...string) []string {
	var ids []string
	for _, name := range names {
		id := k.consoleAdd(e, name)
		if !k.listable {
			_, err := e.sb.AddTemplate(e.key, sandbox.Template{AppID: id, Name: "uses-" + name, Text: "##code##"})
			e.must(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// listBlock renders a list block of a .tfquery.hcl file.
func listBlock(typ, label string, lines ...string) string {
	var config, args []string
	for _, l := range lines {
		if strings.HasPrefix(l, "limit") || strings.HasPrefix(l, "include_resource") {
			args = append(args, l)
		} else {
			config = append(config, l)
		}
	}
	b := fmt.Sprintf("list %q %q {\n  provider = otp\n", typ, label)
	for _, a := range args {
		b += "  " + a + "\n"
	}
	if len(config) > 0 {
		b += "  config {\n    " + strings.Join(config, "\n    ") + "\n  }\n"
	}
	return b + "}\n"
}

// TestAccKinds_query lists every kind with terraform query (Terraform
// 1.14+): an empty account, then identities and display names in id order,
// a name filter, a limit, and the whole resource with include_resource; the
// query costs one list call per kind (apps: the template list, then one
// details call per app).
func TestAccKinds_query(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		typ := "otp_" + k.typeName
		// The budget of one query command of one or more list blocks.
		budget := func(n int) map[string]int {
			if k.listable {
				return map[string]int{k.list: 1}
			}
			return map[string]int{sandbox.RouteTemplateList: 1, k.details: n}
		}
		checkBudget := func(what string, n int) func() {
			return func() {
				if err := e.requests(what, budget(n)).verify(); err != nil {
					t.Error(err)
				}
			}
		}
		// An empty account: no results, and the one list.
		empty := newAccEnv(t)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
			Steps: []resource.TestStep{
				{Config: empty.provider()},
				{
					PreConfig:         empty.reset(),
					Query:             true,
					Config:            listBlock(typ, "all"),
					QueryResultChecks: []querycheck.QueryResultCheck{querycheck.ExpectLength(typ+".all", 0)},
				},
				{
					PreConfig: func() {
						if err := empty.requests("the query of an empty account", budget(0)).verify(); err != nil {
							t.Error(err)
						}
					},
					Config: empty.provider(),
				},
			},
		})

		names := []string{"q-one", "q-two", "zz-other"}
		ids := k.queryable(e, names...)
		if !k.listable {
			// Not used by any template: the API cannot say it exists.
			k.consoleAdd(e, "q-unused")
		}
		sorted := slices.SortedFunc(slices.Values(ids), func(a, b string) int {
			if idLess(a, b) {
				return -1
			}
			return 1
		})
		identity := func(id string) map[string]knownvalue.Check {
			return map[string]knownvalue.Check{"id": knownvalue.StringExact(id)}
		}
		byID := func(id string) queryfilter.QueryFilter { return queryfilter.ByResourceIdentity(identity(id)) }
		checks := []querycheck.QueryResultCheck{
			querycheck.ExpectLength(typ+".all", 3),
			querycheck.ExpectLength(typ+".prefixed", 2),
			querycheck.ExpectLength(typ+".first", 1),
			querycheck.ExpectIdentity(typ+".first", identity(sorted[0])),
			querycheck.ExpectLength(typ+".full", 1),
			querycheck.ExpectResourceKnownValues(typ+".full", byID(ids[1]), []querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(ids[1])},
				{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("q-two")},
			}),
		}
		for i, id := range ids {
			checks = append(checks,
				querycheck.ExpectIdentity(typ+".all", identity(id)),
				querycheck.ExpectResourceDisplayName(typ+".all", byID(id), knownvalue.StringExact(names[i])))
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
			Steps: []resource.TestStep{
				{Config: e.provider()},
				{
					PreConfig: e.reset(),
					Query:     true,
					Config: listBlock(typ, "all") + listBlock(typ, "prefixed", `name_prefix = "q-"`) +
						listBlock(typ, "first", "limit = 1") + listBlock(typ, "full", "include_resource = true", `name_prefix = "q-two"`),
					QueryResultChecks: checks,
				},
				{
					// Every block of the query shares one list (and apps one
					// details call each); the limit and the prefix read no more.
					PreConfig: checkBudget("the query", len(ids)),
					Config:    e.provider(),
				},
			},
		})
	})
}

// TestAccTemplate_queryByApp: the template list resource filters by app.
func TestAccTemplate_queryByApp(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	tkTemplate.queryable(e, "by-app-one", "by-app-two")
	other, err := e.sb.AddApp(e.key, sandbox.App{Name: "other-app"})
	e.must(err)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{Config: e.provider()},
			{
				Query: true,
				Config: listBlock("otp_template", "host", fmt.Sprintf("app_id = %q", e.hostApp())) +
					listBlock("otp_template", "other", fmt.Sprintf("app_id = %q", other.AppID)),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("otp_template.host", 2),
					querycheck.ExpectLength("otp_template.other", 0),
				},
			},
			{
				Query:       true,
				Config:      listBlock("otp_template", "bad", `app_id = "a b"`),
				ExpectError: regexp.MustCompile(`Invalid App ID`),
			},
		},
	})
}

// TestAccQuery_generateConfigAdoptsTheAccount runs what the adoption guide
// shows: terraform query -generate-config-out writes a resource and an
// import block for every object of the account; planned and applied, they
// import everything with nothing else to change, and the next plan is
// empty.
func TestAccQuery_generateConfigAdoptsTheAccount(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	if !cliAtLeast(w.version, 1, 14) {
		t.Skipf("%s has no terraform query (Terraform 1.14+)", w.version)
	}
	tkFlow.queryable(e, "console-flow-one", "console-flow-two")
	tkApp.queryable(e, "console-app")
	tkTemplate.queryable(e, "console-template")
	query, err := os.ReadFile("../../examples/guides/adoption/query/adopt.tfquery.hcl")
	e.must(err)
	w.config("")
	w.write("adopt.tfquery.hcl", string(query))
	w.must(nil, "query", "-generate-config-out=generated.tf")
	generated, err := os.ReadFile(filepath.Join(w.dir, "generated.tf"))
	e.must(err)
	// 2 flows; 2 templates (console-template, and uses-console-app, which
	// makes console-app findable); 2 apps (console-app, and template-host,
	// the app of console-template).
	for typ, n := range map[string]int{"otp_task_flow": 2, "otp_app": 2, "otp_template": 2} {
		if got := strings.Count(string(generated), fmt.Sprintf("resource %q", typ)); got != n {
			t.Errorf("%d %s resource blocks generated, want %d:\n%s", got, typ, n, generated)
		}
	}
	out := w.must(nil, "plan")
	if !strings.Contains(out, "Plan: 6 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("the generated configuration does not import exactly the 6 objects:\n%s", out)
	}
	w.must(nil, "apply", "-auto-approve")
	if out, code := w.run(nil, "plan", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after adopting the account is not empty (exit %d):\n%s", code, out)
	}
}

// cliAtLeast reads "Terraform v1.16.4" or "OpenTofu v1.10.6": OpenTofu has
// no terraform query, whatever its version.
func cliAtLeast(version string, major, minor int) bool {
	var name string
	var ma, mi int
	if _, err := fmt.Sscanf(version, "%s v%d.%d", &name, &ma, &mi); err != nil || name != "Terraform" {
		return false
	}
	return ma > major || ma == major && mi >= minor
}
