package provider

import (
	"fmt"
	"testing"

	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// TestAccKinds_dataSources looks up an object made in the console by id,
// a managed one by name, and lists them all, for every kind (by name and
// the list only where the API has a list).
func TestAccKinds_dataSources(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		consoleID := k.consoleAdd(e, "console-obj")
		typ, res := "otp_"+k.typeName, k.addr("test")
		config := e.provider() + k.hcl(e, "test", "managed-obj", 1) + fmt.Sprintf("data %q \"by_id\" {\n  id = %q\n}\n", typ, consoleID)
		checks := []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data."+typ+".by_id", tfjsonpath.New("name"), knownvalue.StringExact("console-obj")),
			statecheck.ExpectKnownValue("data."+typ+".by_id", tfjsonpath.New("id"), knownvalue.StringExact(consoleID)),
		}
		// The managed object, read back through a data source, equals the
		// resource's state attribute by attribute (blocks included).
		sameAsResource := func(addr string) []statecheck.StateCheck {
			var checks []statecheck.StateCheck
			for _, name := range schemaNames(k.typeName) {
				checks = append(checks, statecheck.CompareValuePairs(res, tfjsonpath.New(name), addr, tfjsonpath.New(name), compare.ValuesSame()))
			}
			return checks
		}
		reads, applied := map[string]int{}, map[string]int{k.add: 1}
		if k.listable {
			config += fmt.Sprintf("data %q \"by_name\" {\n  name = %s.name\n}\n", typ, res) +
				fmt.Sprintf("data \"%ss\" \"all\" {\n  depends_on = [%s]\n}\n", typ, res)
			checks = append(checks, sameAsResource("data."+typ+".by_name")...)
			checks = append(checks,
				statecheck.ExpectKnownValue("data."+typ+"s.all", tfjsonpath.New(k.info.plural), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact(consoleID), "name": knownvalue.StringExact("console-obj")}),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("managed-obj")}),
				})),
			)
			// Every lookup of a refresh shares the one list; the apply's
			// lookups see the new object, which the create added to it.
			reads[k.list] = 1
			applied[k.list] = 2
		} else {
			config += fmt.Sprintf("data %q \"managed\" {\n  id = %s.id\n}\n", typ, res)
			checks = append(checks, sameAsResource("data."+typ+".managed")...)
			// One details call per app and process: the resource's refresh
			// serves the lookup of the same app, and in the apply the lookup
			// of the app just created is served by what the create wrote.
			reads[k.details] = 2
			applied[k.details] = 1
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:            config,
				ConfigStateChecks: checks,
				Check:             e.requests("plan and apply", applied).check(),
				ConfigPlanChecks:  stepPlans(e.requests("plan -refresh=false", readsWithoutResource(k)), e.requests("refresh and lookups", reads)),
			}},
		})
	})
}

// readsWithoutResource is what a plan -refresh=false pays for the data
// sources of TestAccKinds_dataSources: they are read on every plan.
func readsWithoutResource(k testKind) map[string]int {
	if k.listable {
		return map[string]int{k.list: 1}
	}
	return map[string]int{k.details: 2}
}

func TestAccKinds_dataSourceErrors(t *testing.T) {
	forEachKind(t, func(t *testing.T, e *accEnv, k testKind) {
		e.needsSandbox()
		k.consoleAdd(e, "only-one")
		typ := "otp_" + k.typeName
		step := func(body string, fragments ...string) resource.TestStep {
			return resource.TestStep{Config: e.provider() + fmt.Sprintf("data %q \"x\" {\n%s\n}\n", typ, body), ExpectError: expectError(fragments...)}
		}
		var steps []resource.TestStep
		var lookups map[string]int
		if k.listable {
			steps = []resource.TestStep{
				step("id = \"10001\"\nname = \"only-one\"", "Invalid Attribute Combination", "Exactly one of these attributes must be configured: [id,name]"),
				step("", "Missing Attribute Configuration", "Exactly one of these attributes must be configured: [id,name]"),
				step(`id = "abc"`, "Invalid "+k.title+" ID", `"abc" is not a `+k.info.noun+" id"),
				step(`name = "no"`, "Attribute name UTF-8 character count must be between 4 and 32, got: 2"),
				step(`name = "Only-One"`, k.title+" Not Found", fmt.Sprintf(`None of the account's 1 %ss is named "Only-One"`, k.info.noun),
					`Did you mean "only-one"?`),
				step(`id = "424242"`, k.title+" Not Found", "The account has no "+k.info.noun+" with id 424242"),
			}
			// The two lookups that reach the API: a list each (each plan is
			// a provider process of its own), and a details call to confirm
			// the id missing from the list.
			lookups = map[string]int{k.list: 2, k.details: 1}
		} else {
			steps = []resource.TestStep{
				step("", "Missing required argument", `The argument "id" is required`),
				// name is read-only: the API has no list of apps to look it up in.
				step("id = \"abcd1234\"\nname = \"only-one\"", "Invalid Configuration for Read-Only Attribute", `name = "only-one"`),
				step(`id = "a/b"`, "Invalid App ID", `"a/b" is not an app id`),
				step(`id = "zzzzzzzz"`, "App Not Found", "The account has no app with id zzzzzzzz"),
			}
			lookups = map[string]int{k.details: 1}
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps:                    steps,
			CheckDestroy:             func(*terraform.State) error { return nil },
		})
		// Only the lookups that pass validation reach the API.
		if err := e.requests("the data source errors", lookups).verify(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestAccTemplatesDataSource_appFilter lists the templates of one app, and
// shows an unset sender id as null.
func TestAccTemplatesDataSource_appFilter(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	other, err := e.sb.AddApp(e.key, sandbox.App{Name: "other-app", CodeExpiry: 5})
	e.must(err)
	tkTemplate.consoleAdd(e, "host-template")
	mine, err := e.sb.AddTemplate(e.key, sandbox.Template{AppID: other.AppID, Name: "other-template", Text: "##code##", SpeechRate: 50})
	e.must(err)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.provider() + fmt.Sprintf("data \"otp_templates\" \"other\" {\n  app_id = %q\n}\n", other.AppID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.otp_templates.other", tfjsonpath.New("templates"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id": knownvalue.StringExact(fmt.Sprint(mine.TemplateID)), "app_id": knownvalue.StringExact(other.AppID),
						"name": knownvalue.StringExact("other-template"), "text": knownvalue.StringExact("##code##"),
						"code_type": knownvalue.StringExact("numeric"), "code_length": knownvalue.Int64Exact(4), "language": knownvalue.StringExact("EN"),
						"speech_rate": knownvalue.Int64Exact(50), "max_duration": knownvalue.Int64Exact(59), "repeat_count": knownvalue.Int64Exact(1),
						"sender_id": knownvalue.Null(), "sms_segments": knownvalue.Int64Exact(1),
					}),
				})),
				statecheck.ExpectKnownValue("data.otp_templates.other", tfjsonpath.New("app_id"), knownvalue.StringExact(other.AppID)),
			},
		}},
	})
}

// schemaNames lists the resource's top-level attributes and blocks.
func schemaNames(typeName string) []string {
	s := map[string]func(docs) rschema.Schema{"task_flow": taskFlowSchema, "app": appSchema, "template": templateSchema}[typeName](resourceDocs)
	var names []string
	for name := range s.Attributes {
		names = append(names, name)
	}
	for name := range s.Blocks {
		names = append(names, name)
	}
	return names
}
