# Every template of one app (omit app_id for every template of the account).
data "otp_templates" "shop" {
  app_id = "mRELxtHc"
}

output "template_ids_by_name" {
  value = { for t in data.otp_templates.shop.templates : t.name => t.id }
}
