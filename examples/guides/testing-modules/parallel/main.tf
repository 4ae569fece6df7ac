# A module whose objects take their names from a prefix, so that test runs
# in different states can each have their own.
terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

variable "prefix" {
  description = "Prefix of the names, such as tftest-a."
  type        = string
}

resource "otp_task_flow" "fallback" {
  name = "${var.prefix}-flow"

  flow {
    waiting_time = 60
    status       = 1
    channel      = "sms"
  }
}

output "flow_id" {
  value = otp_task_flow.fallback.id
}
