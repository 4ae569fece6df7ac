# Adopt an existing app by its appId, as shown in the vendor console (the
# OTP API has no list of apps, so apps cannot be imported by name):
terraform import otp_app.shop mRELxtHc
