# terraform test (Terraform 1.6+) or tofu test (OpenTofu 1.6+), from the
# module's folder, against the local sandbox or a vendor sandbox account:
#
#   OTP_BASE_URL=http://127.0.0.1:8787/otp OTP_API_KEY=... OTP_API_SECRET=... terraform test
#
# The OTP API cannot delete, so the teardown at the end only forgets the
# objects, and the next run meets them again under the same names:
# adopt_existing makes it adopt them instead of failing. Fixed names keep
# the account bounded: three objects, however many runs.
provider "otp" {
  adopt_existing = true
}

variables {
  name = "tftest-login"
  text = "##code## is your login code."
  fallback = [
    { waiting_time = 60, status = 1, channel = "sms" },
  ]
}

# What validation rejects, at plan, before anything reaches the API.
run "rejects_a_long_name" {
  command = plan
  variables {
    name = "a-base-name-that-is-far-too-long"
  }
  expect_failures = [var.name]
}

run "rejects_a_text_without_the_code" {
  command = plan
  variables {
    text = "Your login code is on its way."
  }
  expect_failures = [var.text]
}

run "rejects_a_fallback_step_out_of_range" {
  command = plan
  variables {
    fallback = [{ waiting_time = 10, status = 1, channel = "sms" }]
  }
  expect_failures = [var.fallback]
}

run "rejects_a_code_expiry_out_of_range" {
  command = plan
  variables {
    code_expiry = 90
  }
  expect_failures = [var.code_expiry]
}

# The real thing: the three objects, and the ids an application sends.
run "creates_the_three_objects" {
  assert {
    condition     = output.send_ids.appId != "" && output.send_ids.templateId > 0 && output.send_ids.flowId > 0
    error_message = "send_ids must hold the three ids, templateId and flowId as numbers (the API refuses \"20001\")."
  }
  assert {
    condition     = otp_template.sms.app_id == otp_app.this.id
    error_message = "The template must belong to the module's app."
  }
  assert {
    condition     = otp_template.sms.sms_segments == 1
    error_message = "The text must fit one SMS."
  }
}

run "remember_the_ids" {
  module {
    source = "./tests/ids"
  }
  variables {
    ids = run.creates_the_three_objects.send_ids
  }
}

# A change of a variable updates in place: the ids stay the same.
run "updates_in_place" {
  variables {
    code_expiry = 10
    text        = "##code## is your login code. It expires in 10 minutes."
  }
  assert {
    condition     = otp_app.this.code_expiry == 10
    error_message = "code_expiry was not updated."
  }
}

run "kept_the_ids" {
  command = plan
  module {
    source = "./tests/ids"
  }
  variables {
    ids        = run.remember_the_ids.ids
    compare_to = run.updates_in_place.send_ids
  }
  assert {
    condition     = output.same
    error_message = "The ids changed: the update was not in place."
  }
}

# OpenTofu destroys what each state holds at the end, with the variables of
# the state's last run evaluated again, when the other runs' outputs are
# gone: the helper's state ends with a run that takes nothing from another.
run "forget_the_ids" {
  module {
    source = "./tests/ids"
  }
  variables {
    ids = {}
  }
}
