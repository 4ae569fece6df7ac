// Command noio is the benchmark's calibration provider: the otp provider's
// schemas with CRUD that does no I/O at all. Timing it next to the real
// provider separates what the CLI and the plugin protocol cost for N
// resources from what our provider adds on top.
//
// The schemas are not copied: the provider and every resource delegate
// Metadata, Schema and IdentitySchema to the real ones, so that the CLI sends
// and validates exactly the same values and the comparison stays fair when
// the real schemas change.
package main

import (
	"context"
	"log"
	"strconv"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	otpprovider "github.com/itniotech/terraform-provider-otp/internal/provider"
)

// address is the real provider's: the benchmark's dev_overrides and
// configuration name the provider the same way for both.
const address = "registry.terraform.io/itniotech/otp"

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider {
		return &noioProvider{real: otpprovider.New("bench", "")()}
	}, providerserver.ServeOpts{Address: address})
	if err != nil {
		log.Fatal(err.Error())
	}
}

type noioProvider struct {
	real provider.Provider
}

var _ provider.ProviderWithListResources = &noioProvider{}

func (p *noioProvider) Metadata(ctx context.Context, req provider.MetadataRequest, resp *provider.MetadataResponse) {
	p.real.Metadata(ctx, req, resp)
	resp.Version = "noio"
}

func (p *noioProvider) Schema(ctx context.Context, req provider.SchemaRequest, resp *provider.SchemaResponse) {
	p.real.Schema(ctx, req, resp)
}

// Configure ignores the credentials: there is nothing to connect to.
func (p *noioProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *noioProvider) Resources(ctx context.Context) []func() resource.Resource {
	var out []func() resource.Resource
	for _, newReal := range p.real.Resources(ctx) {
		out = append(out, func() resource.Resource { return mirrorOf(newReal()) })
	}
	return out
}

// DataSources is empty: the benchmark uses none, and a data source without
// I/O would have nothing to return.
func (p *noioProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// ListResources mirror the real ones (their schemas delegated, as for the
// resources), and each returns exactly as many results as the query's
// limit asks for: the benchmark's query sets the limit to N, so both
// providers send N results.
func (p *noioProvider) ListResources(ctx context.Context) []func() list.ListResource {
	withLists, ok := p.real.(provider.ProviderWithListResources)
	if !ok {
		return nil
	}
	var out []func() list.ListResource
	for _, newReal := range withLists.ListResources(ctx) {
		out = append(out, func() list.ListResource { return &listMirror{real: newReal()} })
	}
	return out
}

type listMirror struct {
	real list.ListResource
}

func (m *listMirror) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	m.real.Metadata(ctx, req, resp)
}

func (m *listMirror) ListResourceConfigSchema(ctx context.Context, req list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	m.real.ListResourceConfigSchema(ctx, req, resp)
}

func (m *listMirror) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	stream.Results = func(push func(list.ListResult) bool) {
		for i := range req.Limit {
			result := req.NewListResult(ctx)
			id := strconv.FormatInt(10001+i, 10)
			result.DisplayName = "bench-flow-" + id
			result.Diagnostics.Append(result.Identity.SetAttribute(ctx, path.Root("id"), id)...)
			if !push(result) {
				return
			}
		}
	}
}

// mirrorOf keeps the real resource's identity support: with an identity
// schema the framework sends and checks identity data on every call, and
// leaving that out would make the calibration provider cheaper than ours for
// a reason that has nothing to do with I/O.
func mirrorOf(orig resource.Resource) resource.Resource {
	m := &mirror{real: orig}
	if withIdentity, ok := orig.(resource.ResourceWithIdentity); ok {
		return &mirrorWithIdentity{mirror: m, real: withIdentity}
	}
	return m
}

type mirror struct {
	real resource.Resource
}

type mirrorWithIdentity struct {
	*mirror
	real resource.ResourceWithIdentity
}

func (m *mirrorWithIdentity) IdentitySchema(ctx context.Context, req resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	m.real.IdentitySchema(ctx, req, resp)
}

func (m *mirror) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	m.real.Metadata(ctx, req, resp)
}

func (m *mirror) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	m.real.Schema(ctx, req, resp)
}

// lastID makes ids unique within one process, which is all the CLI needs:
// nothing ever looks them up.
var lastID atomic.Int64

func (m *mirror) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.State.Raw = applied(req.Plan.Raw, &resp.Diagnostics)
	id := strconv.FormatInt(10000+lastID.Add(1), 10)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// Read leaves the state as the framework pre-populated it from the request.
func (m *mirror) Read(ctx context.Context, _ resource.ReadRequest, resp *resource.ReadResponse) {
	setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (m *mirror) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = applied(req.Plan.Raw, &resp.Diagnostics)
	setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// Delete does nothing: the framework drops the state itself.
func (m *mirror) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// applied turns a plan into a state the CLI accepts after apply: a value
// that was unknown in the plan (a computed attribute the real API would
// fill) may not stay unknown, and null is the cheapest known value.
func applied(plan tftypes.Value, diags *diag.Diagnostics) tftypes.Value {
	out, err := tftypes.Transform(plan, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsKnown() {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
	if err != nil {
		diags.AddError("Calibration Provider Error", err.Error())
		return plan
	}
	return out
}

// setIdentity fills the identity as the real resources do: their identity is
// the id attribute alone. The CLIs that do not support identities get none.
func setIdentity(ctx context.Context, st tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity == nil || diags.HasError() {
		return
	}
	var id types.String
	diags.Append(st.GetAttribute(ctx, path.Root("id"), &id)...)
	diags.Append(identity.SetAttribute(ctx, path.Root("id"), id)...)
}
