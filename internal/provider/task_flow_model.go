package provider

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// taskFlowModel is the resource's state and the data source's result.
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

// input turns a plan into the API's create/update body.
func (m taskFlowModel) input() otp.FlowInput {
	in := otp.FlowInput{Name: m.Name.ValueString(), Nodes: make([]otp.Node, 0, len(m.Flow))}
	for _, n := range m.Flow {
		node := otp.Node{
			WaitingTime: int(n.WaitingTime.ValueInt64()),
			Status:      int(n.Status.ValueInt64()),
			Channel:     n.Channel.ValueString(),
		}
		if !n.ChannelCut.IsNull() && !n.ChannelCut.IsUnknown() {
			node.ChannelCut = otp.Int(int(n.ChannelCut.ValueInt64()))
		}
		in.Nodes = append(in.Nodes, node)
	}
	return in
}

// flowModel turns an API flow into state.
func flowModel(f otp.Flow) taskFlowModel {
	m := taskFlowModel{
		ID:   types.StringValue(strconv.FormatInt(f.ID, 10)),
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

// parseFlowID reads the resource id: a flowId is a positive integer.
func parseFlowID(id string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a task flow id; a flowId is a positive whole number such as 10001", id)
	}
	return n, nil
}

// importNamePrefix marks an import id that is a flow name, not a flowId.
const importNamePrefix = "name:"
