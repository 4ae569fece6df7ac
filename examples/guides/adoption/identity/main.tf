# Requires: Terraform 1.12+ or OpenTofu 1.12+ (resource identity).
#
# Newer CLIs record each resource's identity (its id) and can import by it.
# It is the same id as import by id, in a structured form.
import {
  to = otp_task_flow.login
  identity = {
    id = "10001"
  }
}

resource "otp_task_flow" "login" {
  name = "login-fallback"

  flow {
    waiting_time = 60
    status       = 1
    channel      = "sms"
  }
}
