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

module "login" {
  source      = "./modules/otp"
  name        = "quickstart-login"
  code_expiry = var.code_expiry
  text        = "##code## is your Shop login code. It expires in ${var.code_expiry} minutes."
  fallback = [
    { waiting_time = 60, status = 1, channel = "sms" },
    { waiting_time = 90, status = 2, channel = "call", channel_cut = 1 },
  ]
}

output "send_ids" {
  description = "Pass these to POST /verification/send (appId, templateId and flowId)."
  value       = module.login.send_ids
}
