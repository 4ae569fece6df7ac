# A module for TestAccModule_testsThatRename: an app, a template of it and a
# task flow, whose flow name and template text the tests change and change
# back.
terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

variable "flow_name" {
  type = string
}

variable "text" {
  type = string
}

variable "expected_ids" {
  description = "The ids of an earlier run, to check that a change kept them (null: nothing to check)."
  type        = object({ app = string, template = string, flow = string })
  default     = null
}

resource "otp_app" "this" {
  name = "tftest-rename-app"
}

resource "otp_template" "sms" {
  app_id = otp_app.this.id
  name   = "tftest-rename-sms"
  text   = var.text
}

resource "otp_task_flow" "fallback" {
  name = var.flow_name

  flow {
    waiting_time = 60
    status       = 1
    channel      = "sms"
  }
}

output "ids" {
  value = { app = otp_app.this.id, template = otp_template.sms.id, flow = otp_task_flow.fallback.id }
}

output "kept_ids" {
  value = var.expected_ids == null || var.expected_ids == { app = otp_app.this.id, template = otp_template.sms.id, flow = otp_task_flow.fallback.id }
}
