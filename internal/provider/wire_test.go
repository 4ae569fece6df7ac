package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// wire serves the provider as the CLI does, over the plugin protocol, but in
// the test's process: what a test sees is what crosses the wire, the
// diagnostics and the private state that a plan carries to its apply. Each
// wire is one provider process; command is the CLI command it serves.
type wire struct {
	t     *testing.T
	s     tfprotov6.ProviderServer
	types map[string]tftypes.Type // resource type → its value's type
}

func newWire(t *testing.T, command string, settings map[string]tftypes.Value) *wire {
	t.Helper()
	ctx := context.Background()
	w := &wire{t: t, s: providerserver.NewProtocol6(New("test", command)())(), types: map[string]tftypes.Type{}}
	schemas, err := w.s.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	w.ok("GetProviderSchema", err, schemas.Diagnostics)
	for name, s := range schemas.ResourceSchemas {
		w.types[name] = s.ValueType()
	}
	config := objectWith(schemas.Provider.ValueType().(tftypes.Object), settings)
	resp, err := w.s.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: w.dynamic(config)})
	w.ok("ConfigureProvider", err, resp.Diagnostics)
	return w
}

// ok fails the test on an error, of the call or in its diagnostics.
func (w *wire) ok(what string, err error, diags []*tfprotov6.Diagnostic) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			w.t.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}

func (w *wire) dynamic(v tftypes.Value) *tfprotov6.DynamicValue {
	w.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(v.Type(), v)
	if err != nil {
		w.t.Fatal(err)
	}
	return &dv
}

// objectWith is an object of the type with the values given, null elsewhere.
func objectWith(typ tftypes.Object, values map[string]tftypes.Value) tftypes.Value {
	attrs := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := values[name]; ok {
			attrs[name] = v
		} else {
			attrs[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(typ, attrs)
}

// valueOf is a model as the CLI holds it: a state, a configuration or a
// proposed plan.
func valueOf[M objectModel, T any](t *testing.T, k *kind[M, T], m M) tftypes.Value {
	t.Helper()
	st := tfsdk.State{Schema: k.schema(resourceDocs), Raw: tftypes.NewValue(k.schema(resourceDocs).Type().TerraformType(context.Background()), nil)}
	if d := st.Set(context.Background(), m); d.HasError() {
		t.Fatal(d)
	}
	return st.Raw
}

// null is the null value of a resource type, which stands for a create's
// prior state and a destroy's plan.
func (w *wire) null(typeName string) tftypes.Value {
	return tftypes.NewValue(w.types[typeName], nil)
}

// plan is PlanResourceChange: a create when prior is null, a destroy when
// config is.
func (w *wire) plan(typeName string, prior, config tftypes.Value, priorPrivate []byte) *tfprotov6.PlanResourceChangeResponse {
	w.t.Helper()
	resp, err := w.s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: typeName, PriorState: w.dynamic(prior), ProposedNewState: w.dynamic(config), Config: w.dynamic(config), PriorPrivate: priorPrivate,
	})
	w.ok("PlanResourceChange", err, resp.Diagnostics)
	return resp
}

// apply is ApplyResourceChange of what plan planned.
func (w *wire) apply(typeName string, prior, config tftypes.Value, planned *tfprotov6.PlanResourceChangeResponse) *tfprotov6.ApplyResourceChangeResponse {
	w.t.Helper()
	resp, err := w.s.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: typeName, PriorState: w.dynamic(prior), PlannedState: planned.PlannedState, Config: w.dynamic(config), PlannedPrivate: planned.PlannedPrivate,
	})
	w.ok("ApplyResourceChange", err, resp.Diagnostics)
	return resp
}

// stateOf reads an apply's new state.
func (w *wire) stateOf(typeName string, resp *tfprotov6.ApplyResourceChangeResponse) tftypes.Value {
	w.t.Helper()
	v, err := resp.NewState.Unmarshal(w.types[typeName])
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// warnings lists a response's warnings as "summary: detail", the detail's
// whitespace folded as a CLI folds it when it wraps.
func warnings(diags []*tfprotov6.Diagnostic) []string {
	var out []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning {
			out = append(out, fmt.Sprintf("%s: %s", d.Summary, strings.Join(strings.Fields(d.Detail), " ")))
		}
	}
	return out
}
