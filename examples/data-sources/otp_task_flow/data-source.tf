# Look a flow up by name (or by id = "10001"), for example one managed by
# another team or created in the vendor console.
data "otp_task_flow" "shared" {
  name = "shared-fallback"
}

output "shared_flow_id" {
  value = data.otp_task_flow.shared.id
}

output "shared_flow_first_channel" {
  value = data.otp_task_flow.shared.flow[0].channel
}
