# Create, rename the flow and change the template's text, rename the flow
# back: in place every time, and again on the next run of the file, which
# adopts what this one left (the API cannot delete).
provider "otp" {
  adopt_existing = true
}

run "create" {
  variables {
    flow_name = "tftest-rename-flow"
    text      = "##code## is your code."
  }
}

run "rename" {
  variables {
    flow_name    = "tftest-rename-flow-2"
    text         = "Your code: ##code##"
    expected_ids = run.create.ids
  }
  assert {
    condition     = otp_task_flow.fallback.name == "tftest-rename-flow-2" && otp_template.sms.text == "Your code: ##code##"
    error_message = "The rename and the new text were not applied."
  }
  assert {
    condition     = output.kept_ids
    error_message = "The ids changed: the rename was not in place."
  }
}

run "rename_back" {
  variables {
    flow_name = "tftest-rename-flow"
    text      = "##code## is your code."
    # OpenTofu reads only the latest run of a state: the ids the rename
    # kept, which are the create's.
    expected_ids = run.rename.ids
  }
  assert {
    condition     = otp_task_flow.fallback.name == "tftest-rename-flow"
    error_message = "The flow did not take its first name back."
  }
  assert {
    condition     = output.kept_ids
    error_message = "The ids changed: the rename back was not in place."
  }
}

# OpenTofu destroys what the state holds at the end with the last run's
# variables evaluated again, when the other runs' outputs are gone: the last
# run takes nothing from another.
run "as_created" {
  variables {
    flow_name = "tftest-rename-flow"
    text      = "##code## is your code."
  }
}
