# Adopt an existing task flow by its flowId:
terraform import otp_task_flow.login 10001

# or by its name (names are unique per account):
terraform import otp_task_flow.login name:login-fallback
