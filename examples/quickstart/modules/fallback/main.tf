terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

variable "name" {
  description = "Name of the task flow, 4 to 32 characters, unique in the account."
  type        = string
}

variable "steps" {
  description = "Fallback steps in the order they run."
  type = list(object({
    waiting_time = number
    status       = number
    channel      = string
    channel_cut  = optional(number, 0)
  }))
}

resource "otp_task_flow" "this" {
  name = var.name

  dynamic "flow" {
    for_each = var.steps
    content {
      waiting_time = flow.value.waiting_time
      status       = flow.value.status
      channel      = flow.value.channel
      channel_cut  = flow.value.channel_cut
    }
  }
}

output "id" {
  description = "The flowId to pass when sending codes."
  value       = otp_task_flow.this.id
}
