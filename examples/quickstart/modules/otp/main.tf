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

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 27
    error_message = "name must be 1 to 27 characters: the objects are named <name>-app, <name>-sms and <name>-flow, at most 32 characters each."
  }
}

variable "code_expiry" {
  description = "Minutes a sent code stays valid, 1 to 60."
  type        = number
  default     = 5

  validation {
    condition     = var.code_expiry >= 1 && var.code_expiry <= 60 && floor(var.code_expiry) == var.code_expiry
    error_message = "code_expiry must be a whole number of minutes from 1 to 60."
  }
}

variable "daily_limit" {
  description = "Most codes the app may send in a day."
  type        = number
  default     = 100000

  validation {
    condition     = var.daily_limit >= 1 && var.daily_limit <= 10000000000
    error_message = "daily_limit must be from 1 to 10000000000."
  }
}

variable "code_length" {
  description = "Characters of a code, 4 to 10."
  type        = number
  default     = 6

  validation {
    condition     = var.code_length >= 4 && var.code_length <= 10 && floor(var.code_length) == var.code_length
    error_message = "code_length must be a whole number from 4 to 10."
  }
}

variable "hourly_limit_per_number" {
  description = "Most codes the app may send to one phone number in an hour."
  type        = number
  default     = 5

  validation {
    condition     = var.hourly_limit_per_number >= 1 && var.hourly_limit_per_number <= 10000000000
    error_message = "hourly_limit_per_number must be from 1 to 10000000000."
  }
}

variable "text" {
  description = "The message, 1 to 256 characters; ##code## is where the code goes."
  type        = string

  validation {
    condition     = strcontains(var.text, "##code##") && length(var.text) <= 256
    error_message = "text must contain ##code## (where the code goes) and be at most 256 characters."
  }
}

variable "fallback" {
  description = "Fallback steps, in the order they run."
  type = list(object({
    waiting_time = number
    status       = number
    channel      = string
    channel_cut  = optional(number, 0)
  }))

  validation {
    condition = length(var.fallback) > 0 && alltrue([
      for s in var.fallback : s.waiting_time >= 30 && s.waiting_time <= 120 && contains([1, 2], s.status) && contains(["sms", "call"], s.channel)
    ])
    error_message = "fallback needs at least one step, each with waiting_time 30 to 120, status 1 (send failed) or 2 (not checked), and channel \"sms\" or \"call\"."
  }
}

resource "otp_app" "this" {
  name        = "${var.name}-app"
  code_expiry = var.code_expiry

  period_total_send_limit {
    unit   = "day"
    period = 1
    limit  = var.daily_limit
  }

  period_phone_send_limit {
    unit   = "hour"
    period = 1
    limit  = var.hourly_limit_per_number
  }
}

resource "otp_template" "sms" {
  app_id      = otp_app.this.id
  name        = "${var.name}-sms"
  text        = var.text
  code_length = var.code_length
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
  description = "The ids to pass to POST /verification/send, in the API's types: appId a string, templateId and flowId numbers (each resource's id is a string)."
  value = {
    appId      = otp_app.this.id
    templateId = tonumber(otp_template.sms.id)
    flowId     = tonumber(otp_task_flow.fallback.id)
  }
}

output "settings" {
  description = "What the objects make the OTP service do: the code, its expiry, the limit per phone number and the fallback steps."
  value = {
    code_expiry      = otp_app.this.code_expiry
    code_type        = otp_template.sms.code_type
    code_length      = otp_template.sms.code_length
    text             = otp_template.sms.text
    phone_send_limit = otp_app.this.period_phone_send_limit
    fallback         = otp_task_flow.fallback.flow
  }
}
