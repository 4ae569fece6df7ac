package provider

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// The data sources of every kind: otp_<kind> looks one object up (by id, or
// by name where the kind has a list), otp_<kind>s lists them all. Their
// attributes are the resource's, read-only, so the three can never drift
// apart, and their results are the resource's model.

// computedAttributes turns a resource schema into data-source attributes:
// the same names and descriptions, all computed, blocks as nested
// attributes.
func computedAttributes(rs rschema.Schema) map[string]dschema.Attribute {
	out := map[string]dschema.Attribute{}
	for name, a := range rs.Attributes {
		out[name] = computedAttribute(a)
	}
	for name, b := range rs.Blocks {
		switch b := b.(type) {
		case rschema.ListNestedBlock:
			out[name] = dschema.ListNestedAttribute{
				MarkdownDescription: b.MarkdownDescription,
				Computed:            true,
				NestedObject:        dschema.NestedAttributeObject{Attributes: computedAttributes(rschema.Schema{Attributes: b.NestedObject.Attributes, Blocks: b.NestedObject.Blocks})},
			}
		case rschema.SingleNestedBlock:
			out[name] = dschema.SingleNestedAttribute{
				MarkdownDescription: b.MarkdownDescription,
				Computed:            true,
				Attributes:          computedAttributes(rschema.Schema{Attributes: b.Attributes, Blocks: b.Blocks}),
			}
		default:
			panic(fmt.Sprintf("computedAttributes: block %s of type %T", name, b))
		}
	}
	return out
}

func computedAttribute(a rschema.Attribute) dschema.Attribute {
	d := a.GetMarkdownDescription()
	switch a.(type) {
	case rschema.StringAttribute:
		return dschema.StringAttribute{MarkdownDescription: d, Computed: true}
	case rschema.Int64Attribute:
		return dschema.Int64Attribute{MarkdownDescription: d, Computed: true}
	case rschema.BoolAttribute:
		return dschema.BoolAttribute{MarkdownDescription: d, Computed: true}
	}
	panic(fmt.Sprintf("computedAttribute: %T", a))
}

// objectDataSource is otp_<kind>: one object by id or name.
type objectDataSource[M objectModel, T any] struct {
	k  *kind[M, T]
	pd *providerData
}

var (
	_ datasource.DataSourceWithConfigure        = &objectDataSource[taskFlowModel, otp.Flow]{}
	_ datasource.DataSourceWithConfigValidators = &objectDataSource[taskFlowModel, otp.Flow]{}
	_ datasource.DataSourceWithConfigure        = &objectsDataSource[taskFlowModel, otp.Flow]{}
)

func newObjectDataSource[M objectModel, T any](k *kind[M, T]) datasource.DataSource {
	return &objectDataSource[M, T]{k: k}
}

func (d *objectDataSource[M, T]) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.k.typeName
}

func (d *objectDataSource[M, T]) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := computedAttributes(d.k.schema(dataDocs))
	idCheck := []validator.String{idValidator{title: d.k.title, parse: d.k.parseID}}
	desc := fmt.Sprintf("Looks up one %s of the account by its `id`, for example one created in the vendor console or managed elsewhere. "+
		"One API call.", d.k.noun)
	if d.k.canList {
		desc = fmt.Sprintf("Looks up one %s of the account by `id` or by `name` (exactly one of the two), for example one created "+
			"in the vendor console or managed elsewhere. Lookups share one list call per run.", d.k.noun)
		attrs["id"] = dschema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("The id to look up, such as `%s`. Set either `id` or `name`.", d.k.idExample),
			Optional:            true, Computed: true, Validators: idCheck,
		}
		attrs["name"] = dschema.StringAttribute{
			MarkdownDescription: "The exact name to look up (names are unique among the account's " + d.k.noun + "s). Set either `id` or `name`.",
			Optional:            true, Computed: true,
			Validators: []validator.String{stringvalidator.UTF8LengthBetween(nameMinChars, nameMaxChars)},
		}
	} else {
		attrs["id"] = dschema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("The id to look up, such as `%s`, as shown in the vendor console. The API cannot find %ss by name.", d.k.idExample, d.k.noun),
			Required:            true, Validators: idCheck,
		}
		// name stays as computedAttributes made it: read-only, since the
		// API has no list of the kind to look a name up in.
	}
	resp.Schema = dschema.Schema{MarkdownDescription: desc, Attributes: attrs}
}

func (d *objectDataSource[M, T]) ConfigValidators(context.Context) []datasource.ConfigValidator {
	if !d.k.canList {
		return nil
	}
	return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name"))}
}

func (d *objectDataSource[M, T]) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.pd = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *objectDataSource[M, T]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var rawID, name types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("id"), &rawID)...)
	if d.k.canList {
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var obj T
	if !rawID.IsNull() {
		id, err := d.k.parseID(rawID.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid "+d.k.title+" ID", err.Error())
			return
		}
		obj, err = read(ctx, d.pd, d.k, id)
		if otp.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("id"), d.k.title+" Not Found",
				fmt.Sprintf("The account has no %s with id %s. Check the id in the vendor console.\n\n%s", d.k.noun, id, err))
			return
		}
		if err != nil {
			d.pd.addAPIError(&resp.Diagnostics, false, "Unable to Read "+d.k.title, fmt.Sprintf("Looking up %s %s failed.", d.k.noun, id), err)
			return
		}
	} else {
		found, total := false, 0
		var err error
		obj, found, total, err = findByName(ctx, d.pd, d.k, name.ValueString())
		if err != nil {
			d.pd.addAPIError(&resp.Diagnostics, false, "Unable to Read "+d.k.title, fmt.Sprintf("Looking up the %s named %q failed.", d.k.noun, name.ValueString()), err)
			return
		}
		if !found {
			like, _ := nameLike(d.pd, d.k, name.ValueString())
			d.k.addNameNotFound(&resp.Diagnostics, path.Root("name"), "", name.ValueString(), total, like)
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, d.k.model(obj))...)
}

// objectsDataSource is otp_<kind>s: every object of a listable kind.
type objectsDataSource[M objectModel, T any] struct {
	k  *kind[M, T]
	pd *providerData
}

func newObjectsDataSource[M objectModel, T any](k *kind[M, T]) datasource.DataSource {
	return &objectsDataSource[M, T]{k: k}
}

func (d *objectsDataSource[M, T]) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.k.typeName + "s"
}

func (d *objectsDataSource[M, T]) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]dschema.Attribute{
		d.k.plural: dschema.ListNestedAttribute{
			MarkdownDescription: fmt.Sprintf("The account's %ss, ordered by `id` (oldest first), each with every attribute of the `%s` resource.", d.k.noun, d.k.resourceType()),
			Computed:            true,
			NestedObject:        dschema.NestedAttributeObject{Attributes: computedAttributes(d.k.schema(dataDocs))},
		},
	}
	if f := d.k.filter; f != nil {
		attrs[f.attribute] = dschema.StringAttribute{MarkdownDescription: f.description, Optional: true, Validators: f.validators}
	}
	resp.Schema = dschema.Schema{
		MarkdownDescription: fmt.Sprintf("Lists every %s of the account, including those created outside Terraform, in one API call "+
			"(shared with every other lookup of the run).", d.k.noun),
		Attributes: attrs,
	}
}

func (d *objectsDataSource[M, T]) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.pd = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *objectsDataSource[M, T]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var filter types.String
	if f := d.k.filter; f != nil {
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(f.attribute), &filter)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	out := []M{}
	for obj, err := range everyObject(ctx, d.pd, d.k, nil) {
		if err != nil {
			d.pd.addAPIError(&resp.Diagnostics, false, "Unable to List "+d.k.title+"s", fmt.Sprintf("Listing the account's %ss failed.", d.k.noun), err)
			return
		}
		if filter.IsNull() || d.k.filter.value(obj) == filter.ValueString() {
			out = append(out, d.k.model(obj))
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(d.k.plural), out)...)
	if d.k.filter != nil {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(d.k.filter.attribute), filter)...)
	}
}

// idLess orders numeric ids as numbers and any others as text.
func idLess(a, b string) bool {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}
