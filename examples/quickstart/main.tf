# The quick start: everything an application needs to send one-time
# passwords, from one module. make demo applies this against the local
# sandbox; with OTP_API_KEY and OTP_API_SECRET set (and no OTP_BASE_URL) it
# works against a real account just the same.
terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

provider "otp" {}

variable "code_expiry" {
  description = "Minutes a login code stays valid."
  type        = number
  default     = 5
}

variable "first_fallback_wait" {
  description = "Seconds before the first fallback step (the SMS sent again when the first was not delivered), 30 to 120."
  type        = number
  default     = 60
}

module "login" {
  source      = "./modules/otp"
  name        = "quickstart-login"
  code_expiry = var.code_expiry
  text        = "##code## is your Shop login code. It expires in ${var.code_expiry} minutes."
  fallback = [
    # The SMS again when the first was not delivered,
    { waiting_time = var.first_fallback_wait, status = 1, channel = "sms" },
    # then a call when the code is still not checked 90 seconds later.
    { waiting_time = 90, status = 2, channel = "call" },
  ]
}

output "send_ids" {
  description = "Pass these to POST /verification/send (appId, templateId and flowId)."
  value       = module.login.send_ids
}

output "settings" {
  description = "What the three objects make the OTP service do. check/ tests a sandbox against it."
  value       = module.login.settings
}
