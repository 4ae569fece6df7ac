# Requires: Terraform 1.14+ (terraform query)
# Every task flow, template and app of the account. Then
#
#   terraform query -generate-config-out=generated.tf
#
# writes a resource block and an import block for each object; the next
# terraform plan imports them all. A list returns 100 objects unless its
# limit says otherwise.
list "otp_task_flow" "all" {
  provider = otp
  limit    = 1000
}

list "otp_template" "all" {
  provider = otp
  limit    = 1000
}

# The apps that the account's templates use: the OTP API has no list of
# apps, so an app that no template uses is not found here (import it by the
# appId shown in the vendor console).
list "otp_app" "all" {
  provider = otp
  limit    = 1000
}
