# Requires: Terraform 1.8+ or OpenTofu 1.7+
terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

# The function sends no request, but a plan configures the provider all the
# same: set OTP_API_KEY and OTP_API_SECRET, as for the resources.
provider "otp" {}

variable "login_text" {
  description = "The SMS a login code is sent with; ##code## is where the code goes."
  type        = string
  default     = "##code## is your Shop code, valid 5 minutes."

  # Keep it to one SMS per code. One curly quote (’) or emoji makes the whole
  # message UCS-2, where one SMS holds 70 characters instead of 160.
  validation {
    condition     = provider::otp::sms_segments(var.login_text, 6) == 1
    error_message = "The login text must fit in one SMS with a 6-character code: at most 160 characters of GSM-7, or 70 if one character is outside it (a curly quote ’, an emoji, a Chinese character)."
  }
}

output "login_sms_per_code" {
  description = "SMS billed per code sent, before anything the carrier adds."
  value       = provider::otp::sms_segments(var.login_text, 6)
}
