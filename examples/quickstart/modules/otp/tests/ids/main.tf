# A helper of the tests: keeps the ids one run output, and compares them with
# another's. OpenTofu lets a test refer to an earlier run's outputs only in
# variables, and only to the latest run of each state, so the ids of the
# first apply are kept in this module's own state.
terraform {
  required_providers {
    # Not used here; declared so that the test file's otp provider block
    # means the same provider in every run.
    otp = {
      source = "itniotech/otp"
    }
  }
}

variable "ids" {
  type = map(string)
}

variable "compare_to" {
  type    = map(string)
  default = null
}

output "ids" {
  value = var.ids
}

output "same" {
  value = var.ids == var.compare_to
}
