# The quick start: two task flows from one module. make demo applies this
# against the local sandbox; with OTP_API_KEY and OTP_API_SECRET set (and no
# OTP_BASE_URL) it works against a real account just the same.
terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

provider "otp" {}

variable "login_retry_seconds" {
  description = "How long the login flow waits before resending by SMS."
  type        = number
  default     = 60
}

module "login" {
  source = "./modules/fallback"
  name   = "quickstart-login"
  steps = [
    { waiting_time = var.login_retry_seconds, status = 1, channel = "sms" },
    { waiting_time = 90, status = 2, channel = "call", channel_cut = 1 },
  ]
}

module "signup" {
  source = "./modules/fallback"
  name   = "quickstart-signup"
  steps = [
    { waiting_time = 45, status = 2, channel = "sms" },
  ]
}

output "flow_ids" {
  description = "The flowIds to pass when sending codes."
  value = {
    login  = module.login.id
    signup = module.signup.id
  }
}
