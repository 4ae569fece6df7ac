# Requires: Terraform 1.14+ (terraform query)
# The apps that the account's templates use. The OTP API has no list of
# apps: they are found through the templates (one call), then read one by
# one, so an app that no template uses is not listed; import it by its appId.
list "otp_app" "all" {
  provider = otp
  limit    = 100
}
