# Adopt an existing app by its appId, as shown in the vendor console
# (Terraform 1.5+ and OpenTofu).
import {
  to = otp_app.shop
  id = "mRELxtHc"
}
