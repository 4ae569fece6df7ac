# A login app: codes stay valid for 5 minutes, at most 100 000 codes a day,
# and at most 5 an hour to any one phone number.
resource "otp_app" "shop" {
  name        = "shop-login"
  code_expiry = 5 # minutes, 1-60

  period_total_send_limit {
    unit   = "day" # day | hour | minute | second
    period = 1     # 1-90 units
    limit  = 100000
  }

  period_phone_send_limit {
    unit   = "hour"
    period = 1
    limit  = 5
  }
}

output "app_id" {
  description = "Pass this as appId when sending codes."
  value       = otp_app.shop.id
}
