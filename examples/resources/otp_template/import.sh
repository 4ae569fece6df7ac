# Adopt an existing template by its templateId:
terraform import otp_template.login_sms 20001

# or by its name (names are unique among the account's templates):
terraform import otp_template.login_sms name:shop-login-sms
