# The configuration under test: a login app (codes valid 5 minutes, at most
# 3 an hour to one number), its SMS template, and a task flow that calls
# when the SMS was not delivered after 60 seconds.
terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

provider "otp" {}

resource "otp_app" "login" {
  name        = "guide-login"
  code_expiry = 5

  period_phone_send_limit {
    unit   = "hour"
    period = 1
    limit  = 3
  }
}

resource "otp_template" "sms" {
  app_id      = otp_app.login.id
  name        = "guide-login-sms"
  text        = "##code## is your login code."
  code_length = 6
}

resource "otp_task_flow" "fallback" {
  name = "guide-login-flow"

  flow {
    waiting_time = 60
    status       = 1 # the SMS was not delivered
    channel      = "call"
  }
}

output "app_id" {
  value = otp_app.login.id
}

# The API takes templateId and flowId as numbers; each resource's id is
# the API's id as a string.
output "template_id" {
  value = tonumber(otp_template.sms.id)
}

output "flow_id" {
  value = tonumber(otp_task_flow.fallback.id)
}
