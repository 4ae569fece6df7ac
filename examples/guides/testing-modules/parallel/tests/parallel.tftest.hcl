# Requires: Terraform 1.12+ (state_key and parallel; OpenTofu has neither).
#
# Two runs in states of their own (state_key), side by side (parallel).
# state_key separates the Terraform states, not the account's objects: each
# state gets names of its own (a fixed prefix, so the account stays bounded
# run after run), or the two would create, or adopt, the same objects.
provider "otp" {
  adopt_existing = true
}

run "slot_a" {
  state_key = "a"
  parallel  = true
  variables {
    prefix = "tftest-a"
  }
}

run "slot_b" {
  state_key = "b"
  parallel  = true
  variables {
    prefix = "tftest-b"
  }
}
