# Requires: Terraform 1.14+ (terraform query)
# Every task flow of the account whose name starts with "login-". With
#   terraform query -generate-config-out=generated.tf
# each gets a resource block and an import block.
list "otp_task_flow" "login" {
  provider = otp
  limit    = 500

  config {
    name_prefix = "login-"
  }
}
