package provider

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

var (
	_ datasource.DataSource              = &taskFlowsDataSource{}
	_ datasource.DataSourceWithConfigure = &taskFlowsDataSource{}
)

// NewTaskFlowsDataSource returns the otp_task_flows data source.
func NewTaskFlowsDataSource() datasource.DataSource { return &taskFlowsDataSource{} }

type taskFlowsDataSource struct {
	client *otp.Client
}

type taskFlowsModel struct {
	Flows []taskFlowModel `tfsdk:"flows"`
}

func (d *taskFlowsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_task_flows"
}

func (d *taskFlowsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every task flow of the account, including those created outside Terraform, in one API call.",
		Attributes: map[string]schema.Attribute{
			"flows": schema.ListNestedAttribute{
				MarkdownDescription: "The account's task flows, ordered by `id` (oldest first).",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":   schema.StringAttribute{MarkdownDescription: "The flowId, as a string.", Computed: true},
						"name": schema.StringAttribute{MarkdownDescription: "The flow's name.", Computed: true},
						"flow": flowNodesAttribute(),
					},
				},
			},
		},
	}
}

func (d *taskFlowsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *taskFlowsDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	flows, err := d.client.ListFlows(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to List Task Flows", "Listing the account's task flows failed.", err)
		return
	}
	// The API documents no order; ids grow with creation, so sorting by id
	// gives a stable, meaningful one.
	sort.Slice(flows, func(i, j int) bool { return flows[i].ID < flows[j].ID })
	out := taskFlowsModel{Flows: make([]taskFlowModel, 0, len(flows))}
	for _, f := range flows {
		out.Flows = append(out.Flows, flowModel(f))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, out)...)
}
