# One OTP integration: the app (code expiry, send limits), the template (the
# message and voice settings) and the task flow (what to do when a send fails
# or the code is not checked). Its outputs are the three ids an application
# passes to POST /verification/send.
terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

variable "name" {
  description = "Base name of the three objects, 1 to 27 characters (the longest suffix, -flow, makes 32); each is unique in the account."
  type        = string
}

variable "code_expiry" {
  description = "Minutes a sent code stays valid, 1 to 60."
  type        = number
  default     = 5
}

variable "daily_limit" {
  description = "Most codes the app may send in a day."
  type        = number
  default     = 100000
}

variable "text" {
  description = "The message; ##code## is where the code goes."
  type        = string
}

variable "fallback" {
  description = "Fallback steps, in the order they run."
  type = list(object({
    waiting_time = number
    status       = number
    channel      = string
    channel_cut  = optional(number, 0)
  }))
}

resource "otp_app" "this" {
  name        = "${var.name}-app"
  code_expiry = var.code_expiry

  period_total_send_limit {
    unit   = "day"
    period = 1
    limit  = var.daily_limit
  }

  # At most five codes an hour to one phone number.
  period_phone_send_limit {
    unit   = "hour"
    period = 1
    limit  = 5
  }
}

resource "otp_template" "sms" {
  app_id      = otp_app.this.id
  name        = "${var.name}-sms"
  text        = var.text
  code_length = 6
}

resource "otp_task_flow" "fallback" {
  name = "${var.name}-flow"

  dynamic "flow" {
    for_each = var.fallback
    content {
      waiting_time = flow.value.waiting_time
      status       = flow.value.status
      channel      = flow.value.channel
      channel_cut  = flow.value.channel_cut
    }
  }
}

output "send_ids" {
  description = "The ids to pass to POST /verification/send."
  value = {
    appId      = otp_app.this.id
    templateId = otp_template.sms.id
    flowId     = otp_task_flow.fallback.id
  }
}
