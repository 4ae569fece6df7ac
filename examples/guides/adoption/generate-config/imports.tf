# Let the CLI write the resource blocks: put only the import blocks in a
# file, then run
#
#   terraform plan -generate-config-out=generated.tf
#
# It writes generated.tf with every attribute as the account holds it; review
# it, move it where it belongs, and apply. Nothing in the account changes.
import {
  to = otp_task_flow.login
  id = "name:login-fallback"
}

import {
  to = otp_template.login_sms
  id = "name:shop-login-sms"
}
