# Requires: Terraform 1.7+ or OpenTofu 1.10+ (removed blocks with lifecycle).
#
# Stop managing a task flow but leave it in the account, on purpose: delete
# its resource block and put this in its place. The next apply forgets it
# without the destroy warning (the OTP API cannot delete it anyway); it keeps
# its id and its name, and can be imported again at any time.
removed {
  from = otp_task_flow.legacy

  lifecycle {
    destroy = false
  }
}
