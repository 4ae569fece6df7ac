# Requires: Terraform 1.14+ (terraform query)
# The configuration next to adopt.tfquery.hcl: the provider the list blocks
# use (credentials from OTP_API_KEY and OTP_API_SECRET).
terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

provider "otp" {}
