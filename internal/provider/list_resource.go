package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	lschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// objectListResource is the list resource of every kind, for terraform
// query (Terraform 1.14+): every object of the kind in the account, in id
// order, each with its identity and its name as display name, and, when
// include_resource asks (terraform query -generate-config-out does), the
// resource exactly as Read writes it: the kind's one mapping serves both.
type objectListResource[M objectModel, T any] struct {
	k  *kind[M, T]
	pd *providerData
}

var (
	_ list.ListResourceWithConfigure = &objectListResource[taskFlowModel, otp.Flow]{}
)

func newObjectListResource[M objectModel, T any](k *kind[M, T]) list.ListResource {
	return &objectListResource[M, T]{k: k}
}

func (l *objectListResource[M, T]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + l.k.typeName
}

func (l *objectListResource[M, T]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.pd = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (l *objectListResource[M, T]) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	k := l.k
	desc := fmt.Sprintf("Lists every %s of the account, including those made in the vendor console, in id order (oldest first), "+
		"for `terraform query` (Terraform 1.14+): with `-generate-config-out`, a resource block and an `import` block for each. "+
		"One list call, shared with the refresh.", k.noun)
	if !k.canList {
		desc = fmt.Sprintf("Lists the %ss that the account's templates use, in id order, for `terraform query` (Terraform 1.14+): "+
			"with `-generate-config-out`, a resource block and an `import` block for each. The OTP API has no list of %ss, so they are "+
			"found through the template list (one call), then read with one details call each: **%s that no template uses cannot "+
			"be found this way**; import it by the id shown in the vendor console.", k.noun, k.noun, k.a())
	}
	attrs := map[string]lschema.Attribute{
		"name_prefix": lschema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Only the %ss whose name starts with this (case-sensitive, as names are). Omit it for all.", k.noun),
			Optional:            true,
			Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, nameMaxChars)},
		},
	}
	if f := k.filter; f != nil {
		attrs[f.attribute] = lschema.StringAttribute{MarkdownDescription: f.description, Optional: true, Validators: f.validators}
	}
	resp.Schema = lschema.Schema{MarkdownDescription: desc, Attributes: attrs}
}

func (l *objectListResource[M, T]) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var prefix, filter types.String
	var diags diag.Diagnostics
	if l.pd == nil {
		diags.AddError("OTP Provider Not Configured",
			"The list resource ran before the provider was configured. This is a bug in the CLI or the provider; please report it.")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	diags.Append(req.Config.GetAttribute(ctx, path.Root("name_prefix"), &prefix)...)
	if f := l.k.filter; f != nil {
		diags.Append(req.Config.GetAttribute(ctx, path.Root(f.attribute), &filter)...)
	}
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	objects := l.k.objects(l.pd.client)
	stream.Results = func(push func(list.ListResult) bool) {
		if req.Limit <= 0 {
			return // limit = 0 asks for nothing
		}
		pushed := int64(0)
		// No more reads ahead than results still wanted.
		ahead := func() int { return int(min(readAhead, req.Limit-pushed)) }
		for obj, err := range everyObject(ctx, l.pd, l.k, ahead) {
			if err != nil {
				var d diag.Diagnostics
				l.pd.addAPIError(&d, false, "Unable to List "+l.k.title+"s", fmt.Sprintf("Listing the account's %ss failed.", l.k.noun), err)
				push(list.ListResult{Diagnostics: d})
				return
			}
			if !prefix.IsNull() && !strings.HasPrefix(objects.Name(obj), prefix.ValueString()) ||
				!filter.IsNull() && l.k.filter.value(obj) != filter.ValueString() {
				continue
			}
			result := req.NewListResult(ctx)
			result.DisplayName = objects.Name(obj)
			result.Diagnostics.Append(result.Identity.Set(ctx, identityModel{ID: types.StringValue(objects.ID(obj))})...)
			if req.IncludeResource {
				result.Diagnostics.Append(result.Resource.Set(ctx, l.k.model(obj))...)
			}
			if !push(result) {
				return
			}
			// Stop as soon as the limit is reached: for apps, each further
			// object would cost a request.
			if pushed++; pushed >= req.Limit {
				return
			}
		}
	}
}
