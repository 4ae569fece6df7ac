package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// Benchmarks of what the provider adds per resource to a plan beyond the
// plugin protocol: a refresh served from the catalog, and the plan of an
// unchanged resource. Run with go test -run '^$' -bench . ./internal/provider

func benchFlows(b *testing.B, n int) (*providerData, []otp.Flow) {
	b.Helper()
	sb, err := sandbox.New(sandbox.Options{Accounts: map[string]string{"k": "s"}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, err := sb.AddFlow("k", sandbox.Flow{Name: fmt.Sprintf("bench-flow-%04d", i), Flow: []sandbox.Node{{WaitingTime: 60, Status: 1, Channel: "sms"}}}); err != nil {
			b.Fatal(err)
		}
	}
	hs := httptest.NewServer(sb)
	b.Cleanup(hs.Close)
	c, err := otp.New(otp.Config{BaseURL: hs.URL + sb.Prefix(), APIKey: "k", APISecret: "s"})
	if err != nil {
		b.Fatal(err)
	}
	pd := newProviderData(c, true)
	flows, err := catalogOf(pd, taskFlowKind).all(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return pd, flows
}

func flowState(b *testing.B, r resource.Resource, f otp.Flow) tfsdk.State {
	b.Helper()
	var sr resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &sr)
	st := tfsdk.State{Schema: sr.Schema}
	if d := st.Set(context.Background(), flowModel(f)); d.HasError() {
		b.Fatal(d)
	}
	return st
}

func BenchmarkReadFromCatalog(b *testing.B) {
	pd, flows := benchFlows(b, 1000)
	r := &objectResource[taskFlowModel, otp.Flow]{k: taskFlowKind, pd: pd}
	st := flowState(b, r, flows[500])
	ctx := context.Background()
	for b.Loop() {
		resp := resource.ReadResponse{State: tfsdk.State{Schema: st.Schema, Raw: st.Raw.Copy()}}
		r.Read(ctx, resource.ReadRequest{State: st}, &resp)
		if resp.Diagnostics.HasError() {
			b.Fatal(resp.Diagnostics)
		}
	}
}

func BenchmarkModifyPlanUnchanged(b *testing.B) {
	pd, flows := benchFlows(b, 1)
	r := &objectResource[taskFlowModel, otp.Flow]{k: taskFlowKind, pd: pd}
	st := flowState(b, r, flows[0])
	plan := tfsdk.Plan{Schema: st.Schema, Raw: st.Raw.Copy()}
	ctx := context.Background()
	for b.Loop() {
		resp := resource.ModifyPlanResponse{Plan: plan}
		r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: st, Plan: plan}, &resp)
		if resp.Diagnostics.HasError() {
			b.Fatal(resp.Diagnostics)
		}
	}
}
