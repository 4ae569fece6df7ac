# Adopt an existing template by its templateId (Terraform 1.5+ and
# OpenTofu). To adopt it by name instead, write id = "name:shop-login-sms".
import {
  to = otp_template.login_sms
  id = "20001"
}
