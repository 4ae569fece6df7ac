package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// adoptionWires returns a function that starts provider processes, with
// adopt_existing on, serving the CLI command given, against a sandbox whose
// account holds the flows "same-flow" (as configured by flowConfig) and
// "other-flow" (which differs); and their ids.
func adoptionWires(t *testing.T) (start func(command string) *wire, same, other string) {
	t.Helper()
	sb, base := sandboxServer(t)
	ids := map[string]string{}
	for name, wait := range map[string]int{"same-flow": 60, "other-flow": 90} {
		f, err := sb.AddFlow("k", sandbox.Flow{Name: name, Flow: []sandbox.Node{{WaitingTime: wait, Status: 1, Channel: "sms"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = formatIntID(f.FlowID)
	}
	settings := map[string]tftypes.Value{
		"base_url":       tftypes.NewValue(tftypes.String, base),
		"api_key":        tftypes.NewValue(tftypes.String, "k"),
		"api_secret":     tftypes.NewValue(tftypes.String, "s"),
		"adopt_existing": tftypes.NewValue(tftypes.Bool, true),
	}
	return func(command string) *wire { return newWire(t, command, settings) }, ids["same-flow"], ids["other-flow"]
}

// flowConfig is the configuration of a flow named name: one step of 60
// seconds.
func flowConfig(t *testing.T, name string) tftypes.Value {
	return valueOf(t, taskFlowKind, taskFlowModel{ID: types.StringNull(), Name: types.StringValue(name), Flow: []flowNodeModel{{
		WaitingTime: types.Int64Value(60), Status: types.Int64Value(1), Channel: types.StringValue("sms"), ChannelCut: types.Int64Value(0)}}})
}

// TestAdoptionWarnsOncePerObject: outside terraform test, the plan of each
// adoption is a warning of its own that names the object and, only when
// there are any, what the apply changes; how adoption behaves is said once
// per process, apart; the apply says nothing more of an adoption its own
// plan showed.
func TestAdoptionWarnsOncePerObject(t *testing.T) {
	const flows = "otp_task_flow"
	start, same, other := adoptionWires(t)
	w := start("plan")
	got := warnings(w.plan(flows, w.null(flows), flowConfig(t, "same-flow"), nil).Diagnostics)
	want := []string{
		"Adopting Task Flow " + same + `: adopt_existing is on: the apply adopts task flow ` + same +
			` ("same-flow"), which the account already has, instead of creating one. It matches the configuration.`,
		"How adopt_existing Adopts: ",
	}
	if len(got) != 2 || got[0] != want[0] || !strings.HasPrefix(got[1], want[1]) {
		t.Fatalf("the first adoption's plan warns\n%q\nwant\n%q", got, want)
	}
	got = warnings(w.plan(flows, w.null(flows), flowConfig(t, "other-flow"), nil).Diagnostics)
	want = []string{"Adopting Task Flow " + other + `: adopt_existing is on: the apply adopts task flow ` + other +
		` ("other-flow"), which the account already has, instead of creating one, and updates: flow`}
	if len(got) != 1 || got[0] != want[0] {
		t.Fatalf("the second adoption's plan (the same process) warns\n%q\nwant\n%q", got, want)
	}

	// The apply: its own plan, then the create, in a process of its own.
	a := start("apply")
	config := flowConfig(t, "same-flow")
	planned := a.plan(flows, a.null(flows), config, nil)
	if got := warnings(a.apply(flows, a.null(flows), config, planned).Diagnostics); len(got) != 0 {
		t.Fatalf("the apply of an adoption its plan showed warns %q", got)
	}
}

// TestAdoptionUnderTerraformTest: under terraform test, no plan says
// anything of an adoption (its runs plan again and again, plan-only runs
// included), nor does the apply that adopts; the destroy at the test's
// teardown tells it, with what it changed: one warning per object and test.
// Outside tests, the destroy of an adopted object says nothing of it.
func TestAdoptionUnderTerraformTest(t *testing.T) {
	const flows = "otp_task_flow"
	start, same, other := adoptionWires(t)
	w := start(commandTest)
	for name, id := range map[string]string{"same-flow": same, "other-flow": other} {
		config := flowConfig(t, name)
		planned := w.plan(flows, w.null(flows), config, nil)
		if got := warnings(planned.Diagnostics); len(got) != 0 {
			t.Fatalf("a plan under terraform test warns %q", got)
		}
		applied := w.apply(flows, w.null(flows), config, planned)
		if got := warnings(applied.Diagnostics); len(got) != 0 {
			t.Fatalf("an adoption under terraform test warns %q", got)
		}
		state := w.stateOf(flows, applied)
		var gotID string
		var attrs map[string]tftypes.Value
		if err := state.As(&attrs); err != nil || attrs["id"].As(&gotID) != nil || gotID != id {
			t.Fatalf("the apply made %v, want the adoption of %s", state, id)
		}

		// The teardown, in the process that serves it (OpenTofu starts one
		// per walk).
		teardown := start(commandTest)
		got := warnings(teardown.plan(flows, state, teardown.null(flows), applied.Private).Diagnostics)
		changed := map[string]string{"same-flow": ". It matched the configuration.", "other-flow": ", and updated it: flow"}[name]
		want := "Task Flow " + id + " Stays in the OTP Account: adopt_existing adopted task flow " + id + ` ("` + name +
			`") in this test instead of creating one` + changed + " Destroying it only forgets it: the OTP API cannot delete, " +
			"and a later create of its name adopts it again."
		if len(got) != 1 || got[0] != want {
			t.Fatalf("the teardown's destroy warns\n%q\nwant\n%q", got, want)
		}
		elsewhere := start("destroy")
		if got := warnings(elsewhere.plan(flows, state, elsewhere.null(flows), applied.Private).Diagnostics); len(got) != 1 ||
			strings.Contains(got[0], "adopted") {
			t.Fatalf("a destroy outside terraform test warns %q, want one warning that does not speak of the adoption", got)
		}
	}
}
