terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

# Credentials are best left to the environment:
#   export OTP_API_KEY=...
#   export OTP_API_SECRET=...
provider "otp" {
  # base_url defaults to https://api.itniotech.com/otp; point it at the local
  # sandbox (make sandbox) to try the provider without an account.
  # base_url = "http://127.0.0.1:8787/otp"

  max_retries     = 4
  request_timeout = "30s"
}
