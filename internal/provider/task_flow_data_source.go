package provider

import "github.com/hashicorp/terraform-plugin-framework/datasource"

// NewTaskFlowDataSource returns the otp_task_flow data source: one flow by
// id or name.
func NewTaskFlowDataSource() datasource.DataSource { return newObjectDataSource(taskFlowKind) }

// NewTaskFlowsDataSource returns the otp_task_flows data source: every flow.
func NewTaskFlowsDataSource() datasource.DataSource { return newObjectsDataSource(taskFlowKind) }
