# Plan-only tests that need no API at all: mock_provider (Terraform 1.7+,
# OpenTofu 1.8+) stands in for the otp provider, so these runs send nothing
# and need no credentials. They test what the module makes of its inputs.
mock_provider "otp" {
  # The API's ids are numbers in strings: the module's outputs convert them,
  # which a mock's random strings would not survive.
  mock_resource "otp_template" {
    defaults = { id = "20001" }
  }
  mock_resource "otp_task_flow" {
    defaults = { id = "10001" }
  }
}

variables {
  name = "mocked"
  text = "##code## is your code."
  fallback = [
    { waiting_time = 60, status = 1, channel = "sms" },
    { waiting_time = 90, status = 2, channel = "call", channel_cut = 1 },
  ]
}

run "names_the_three_objects" {
  command = plan
  assert {
    condition     = otp_app.this.name == "mocked-app" && otp_template.sms.name == "mocked-sms" && otp_task_flow.fallback.name == "mocked-flow"
    error_message = "The objects must be named after var.name."
  }
}

run "maps_every_fallback_step" {
  command = plan
  assert {
    condition     = length(otp_task_flow.fallback.flow) == 2 && otp_task_flow.fallback.flow[1].channel == "call" && otp_task_flow.fallback.flow[1].channel_cut == 1
    error_message = "Each fallback step must become a flow block, in order."
  }
}
