package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

var (
	_ datasource.DataSource                     = &taskFlowDataSource{}
	_ datasource.DataSourceWithConfigure        = &taskFlowDataSource{}
	_ datasource.DataSourceWithConfigValidators = &taskFlowDataSource{}
)

// NewTaskFlowDataSource returns the otp_task_flow data source.
func NewTaskFlowDataSource() datasource.DataSource { return &taskFlowDataSource{} }

type taskFlowDataSource struct {
	client *otp.Client
}

func (d *taskFlowDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_task_flow"
}

// flowNodesAttribute describes the steps of a flow the same way in every
// data source, with the resource's attribute names.
func flowNodesAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: "The fallback steps, in the order the service runs them.",
		Computed:            true,
		NestedObject: schema.NestedAttributeObject{
			Attributes: map[string]schema.Attribute{
				"waiting_time": schema.Int64Attribute{MarkdownDescription: "Seconds to wait before this step runs (30 to 120).", Computed: true},
				"status":       schema.Int64Attribute{MarkdownDescription: "Trigger: `1` send failure, `2` not checked.", Computed: true},
				"channel":      schema.StringAttribute{MarkdownDescription: "`sms` or `call`.", Computed: true},
				"channel_cut":  schema.Int64Attribute{MarkdownDescription: "`0` switch channel, `1` keep the channel.", Computed: true},
			},
		},
	}
}

func (d *taskFlowDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up one task flow of the account by `id` or by `name` (exactly one of the two), " +
			"for example to pass a flow managed elsewhere as `flowId` when sending codes.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The flowId to look up. Set either `id` or `name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{flowIDValidator{}},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The exact name to look up (names are unique per account). Set either `id` or `name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(nameMinChars, nameMaxChars)},
			},
			"flow": flowNodesAttribute(),
		},
	}
}

func (d *taskFlowDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *taskFlowDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *taskFlowDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg taskFlowModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var f otp.Flow
	if !cfg.ID.IsNull() {
		id, err := parseFlowID(cfg.ID.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid Task Flow ID", err.Error())
			return
		}
		f, err = d.client.GetFlow(ctx, id)
		if otp.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Task Flow Not Found",
				fmt.Sprintf("The account has no task flow with id %d. Check the id, or look the flow up by name.\n\n%s", id, err))
			return
		}
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to Read Task Flow", fmt.Sprintf("Looking up task flow %d failed.", id), err)
			return
		}
	} else {
		name := cfg.Name.ValueString()
		flows, err := d.client.ListFlows(ctx)
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to Read Task Flow", fmt.Sprintf("Looking up the task flow named %q failed.", name), err)
			return
		}
		found := false
		for _, candidate := range flows {
			if candidate.Name == name {
				f, found = candidate, true
				break
			}
		}
		if !found {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Task Flow Not Found",
				fmt.Sprintf("None of the account's %d task flows is named %q. Names are matched exactly, including case.", len(flows), name))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, flowModel(f))...)
}
