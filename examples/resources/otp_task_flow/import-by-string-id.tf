# Adopt an existing task flow by its flowId (Terraform 1.5+ and OpenTofu).
# To adopt it by name instead, write id = "name:login-fallback".
import {
  to = otp_task_flow.login
  id = "10001"
}
