package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// NewTaskFlowResource returns the otp_task_flow resource.
func NewTaskFlowResource() resource.Resource { return newObjectResource(taskFlowKind) }

// NewTaskFlowListResource returns the otp_task_flow list resource.
func NewTaskFlowListResource() list.ListResource { return newObjectListResource(taskFlowKind) }

// Rules of the vendor API for a task flow, enforced at plan time.
const (
	waitingTimeMin = 30
	waitingTimeMax = 120
)

var taskFlowKind = &kind[taskFlowModel, otp.Flow]{
	kindInfo: kindInfo{
		typeName: "task_flow", plural: "flows", title: "Task Flow", noun: "task flow", canList: true,
		idExample: "10001", nameExample: "login-fallback",
	},
	objects: (*otp.Client).Flows,
	parseID: func(id string) (string, error) { return parseIntID(id, "task flow", "flowId") },
	schema:  taskFlowSchema,
	model:   flowModel,
	input:   taskFlowModel.flow,
	written: func(plan taskFlowModel, f otp.Flow, _ taskFlowModel) taskFlowModel {
		plan.ID = types.StringValue(formatIntID(f.ID))
		return plan
	},
}

// taskFlowModel is the resource's state and the data sources' result.
type taskFlowModel struct {
	ID   types.String    `tfsdk:"id"`
	Name types.String    `tfsdk:"name"`
	Flow []flowNodeModel `tfsdk:"flow"`
}

type flowNodeModel struct {
	WaitingTime types.Int64  `tfsdk:"waiting_time"`
	Status      types.Int64  `tfsdk:"status"`
	Channel     types.String `tfsdk:"channel"`
	ChannelCut  types.Int64  `tfsdk:"channel_cut"`
}

func (m taskFlowModel) objectID() types.String   { return m.ID }
func (m taskFlowModel) objectName() types.String { return m.Name }

// flow turns a plan into the API's object.
func (m taskFlowModel) flow() otp.Flow {
	f := otp.Flow{Name: m.Name.ValueString(), Nodes: make([]otp.Node, 0, len(m.Flow))}
	for _, n := range m.Flow {
		node := otp.Node{
			WaitingTime: int(n.WaitingTime.ValueInt64()),
			Status:      int(n.Status.ValueInt64()),
			Channel:     n.Channel.ValueString(),
		}
		if !n.ChannelCut.IsNull() && !n.ChannelCut.IsUnknown() {
			node.ChannelCut = otp.Int(int(n.ChannelCut.ValueInt64()))
		}
		f.Nodes = append(f.Nodes, node)
	}
	return f
}

// flowModel turns an API flow into state.
func flowModel(f otp.Flow) taskFlowModel {
	m := taskFlowModel{
		ID:   types.StringValue(formatIntID(f.ID)),
		Name: types.StringValue(f.Name),
		Flow: make([]flowNodeModel, 0, len(f.Nodes)),
	}
	for _, n := range f.Nodes {
		m.Flow = append(m.Flow, flowNodeModel{
			WaitingTime: types.Int64Value(int64(n.WaitingTime)),
			Status:      types.Int64Value(int64(n.Status)),
			Channel:     types.StringValue(n.Channel),
			ChannelCut:  types.Int64Value(int64(n.Cut())),
		})
	}
	return m
}

func taskFlowSchema(d docs) schema.Schema {
	return schema.Schema{
		MarkdownDescription: "A task flow: a named, ordered list of fallback steps that the OTP service follows when a " +
			"one-time password cannot be delivered or is not checked, for example \"retry by SMS after 60 seconds, then " +
			"call after 90\". Pass its `id` as `flowId` when sending a code.\n\n" +
			"The OTP API cannot delete task flows: `terraform destroy` removes the flow from the Terraform state only, " +
			"and it stays in the account until it is removed in the vendor console.",
		Attributes: map[string]schema.Attribute{
			"id":   idAttribute("task flow", "flowId"),
			"name": nameAttribute(d, "task flow", "登录回退"),
		},
		Blocks: map[string]schema.Block{
			"flow": schema.ListNestedBlock{
				// "Required" first: the docs generator lists the block under
				// Required (tools/docsfix), since the framework cannot say so.
				MarkdownDescription: d.write("Required: at least one block. One fallback step; the steps run in the order written. "+
					"Adding, removing or reordering steps updates the flow in place.") + d.read("The fallback steps, in the order they run."),
				Validators: []validator.List{atLeastOneBlock{block: "flow", what: "a task flow needs at least one fallback step"}},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"waiting_time": schema.Int64Attribute{
							MarkdownDescription: fmt.Sprintf("Seconds to wait before this step runs, %d to %d.", waitingTimeMin, waitingTimeMax),
							Required:            true,
							Validators:          []validator.Int64{int64validator.Between(waitingTimeMin, waitingTimeMax)},
						},
						"status": schema.Int64Attribute{
							MarkdownDescription: "What triggers this step: `1` when the send fails (the send itself or its delivery report), " +
								"`2` when the code is not checked (including a failed check).",
							Required:   true,
							Validators: []validator.Int64{int64validator.OneOf(otp.TriggerSendFailure, otp.TriggerNotChecked)},
						},
						"channel": schema.StringAttribute{
							MarkdownDescription: "How this step resends the code: `sms` or `call` (a voice call). Lower case.",
							Required:            true,
							Validators:          []validator.String{oneOf(otp.ChannelSMS, otp.ChannelCall)},
						},
						"channel_cut": schema.Int64Attribute{
							MarkdownDescription: "`0` to switch channel" + d.write(" (the default)") + ", `1` to keep the channel.",
							Optional:            true,
							Computed:            true,
							Default:             int64default.StaticInt64(otp.CutSwitch),
							Validators:          []validator.Int64{int64validator.OneOf(otp.CutSwitch, otp.CutNoSwitch)},
						},
					},
				},
			},
		},
	}
}
