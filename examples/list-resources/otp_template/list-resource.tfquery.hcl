# Requires: Terraform 1.14+ (terraform query)
# Every template of one app (omit app_id for every template of the account).
list "otp_template" "shop" {
  provider = otp
  limit    = 500

  config {
    app_id = "mRELxtHc"
  }
}
