# Requires: Terraform 1.16+ (destroy in lifecycle).
#
# The OTP API cannot delete: say so in the configuration. Whenever Terraform
# would destroy this task flow (terraform destroy, a replacement, the block
# deleted), it only forgets it, with its own message, and never asks the
# provider; the flow keeps its id and its name in the account.
resource "otp_task_flow" "login" {
  name = "login-fallback"

  flow {
    waiting_time = 60
    status       = 1
    channel      = "sms"
  }

  lifecycle {
    destroy = false
  }
}
