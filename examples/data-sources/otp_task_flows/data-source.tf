# Every task flow of the account, oldest first.
data "otp_task_flows" "all" {}

output "flow_ids_by_name" {
  value = { for f in data.otp_task_flows.all.flows : f.name => f.id }
}
