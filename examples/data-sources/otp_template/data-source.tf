# Look a template up by name (or by id = "20001"), for example one managed
# by another team.
data "otp_template" "login" {
  name = "shop-login-sms"
}

output "login_template_id" {
  value = data.otp_template.login.id
}

output "login_template_app" {
  value = data.otp_template.login.app_id
}
