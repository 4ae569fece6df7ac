# Requires: Terraform 1.14+ (terraform query)
terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

provider "otp" {}
