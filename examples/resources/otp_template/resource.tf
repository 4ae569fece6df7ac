resource "otp_app" "shop" {
  name = "shop-login"
}

# The SMS (and voice call) a login code is sent with.
resource "otp_template" "login_sms" {
  app_id       = otp_app.shop.id
  name         = "shop-login-sms"
  text         = "##code## is your Shop code, valid 5 minutes."
  code_type    = "numeric" # numeric | alpha | alphanumeric | hex
  code_length  = 6         # 4-10
  language     = "EN"      # for voice calls: CN EN VN JP ARB DE IN IT KR RU ES PT IDN BD
  speech_rate  = 50        # voice calls, 0-100
  max_duration = 59        # voice calls, 5-599 seconds
  repeat_count = 2         # voice calls, 1-10
  sender_id    = "SHOP"
}

output "template_id" {
  description = "Pass this as templateId when sending codes."
  value       = otp_template.login_sms.id
}
