# When a code cannot be delivered by SMS, resend it by SMS after 60 seconds;
# when it is still not checked, call the user after 90 seconds more.
resource "otp_task_flow" "login" {
  name = "login-fallback"

  flow {
    waiting_time = 60    # seconds, 30-120
    status       = 1     # 1 = send failure, 2 = not checked
    channel      = "sms" # sms | call
  }

  flow {
    waiting_time = 90
    status       = 2
    channel      = "call"
    channel_cut  = 1 # 0 = switch channel (default), 1 = don't
  }
}

output "login_flow_id" {
  description = "Pass this as flowId when sending codes."
  value       = otp_task_flow.login.id
}
