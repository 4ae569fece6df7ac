# Adopt an existing task flow by its flowId (Terraform 1.5+, OpenTofu)...
import {
  to = otp_task_flow.login
  id = "10001"
}

# ...or by its name.
import {
  to = otp_task_flow.signup
  id = "name:signup-fallback"
}
