# Look an app up by its appId, for example one set up in the vendor console
# (the API has no list of apps, so there is no lookup by name).
data "otp_app" "shop" {
  id = "mRELxtHc"
}

output "shop_code_expiry" {
  value = data.otp_app.shop.code_expiry
}
