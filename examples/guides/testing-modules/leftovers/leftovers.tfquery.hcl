# Requires: Terraform 1.14+ (terraform query)
# What test runs left in a vendor sandbox account: everything named with
# the tests' prefix. `terraform query` prints each object's id and name.
list "otp_task_flow" "tests" {
  provider = otp
  config {
    name_prefix = "tftest-"
  }
}

list "otp_template" "tests" {
  provider = otp
  config {
    name_prefix = "tftest-"
  }
}

list "otp_app" "tests" {
  provider = otp
  config {
    name_prefix = "tftest-"
  }
}
