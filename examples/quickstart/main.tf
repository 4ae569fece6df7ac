# The quick start: everything an application needs to send one-time
# passwords, from one module. make demo applies this against the local
# sandbox, and check/ then tests that the sandbox's OTP service does what
# it says; with OTP_API_KEY and OTP_API_SECRET set (and no OTP_BASE_URL) it
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

variable "code_length" {
  description = "Characters of a login code, 4 to 10."
  type        = number
  default     = 6
}

variable "hourly_limit_per_number" {
  description = "Most login codes sent to one phone number in an hour."
  type        = number
  default     = 5
}

module "login" {
  source                  = "./modules/otp"
  name                    = "quickstart-login"
  code_expiry             = var.code_expiry
  code_length             = var.code_length
  text                    = "##code## is your Shop login code. It expires in ${var.code_expiry} minutes."
  hourly_limit_per_number = var.hourly_limit_per_number
  fallback = [
    # The SMS again when the first was not delivered,
    { waiting_time = var.first_fallback_wait, status = 1, channel = "sms" },
    # then a call when the code is still not checked 90 seconds later.
    { waiting_time = 90, status = 2, channel = "call" },
  ]
}

output "send_ids" {
  description = "Pass these to POST /verification/send as they are: appId a string, templateId and flowId numbers, as the API takes them."
  value       = module.login.send_ids
}

output "settings" {
  description = "What the three objects make the OTP service do. check/ tests a sandbox against it."
  value       = module.login.settings
}
