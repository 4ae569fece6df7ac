# Adopt objects made in the vendor console: write the resource as it is in
# the account, with an import block that names it. Task flows and templates
# can be named by id or by name; apps by their appId only (the API has no
# list of apps to find a name in). The next apply records them in the state
# and changes nothing in the account (Terraform 1.5+, OpenTofu 1.5+).
import {
  to = otp_app.shop
  id = "mRELxtHc" # the appId shown in the vendor console
}

import {
  to = otp_template.login_sms
  id = "name:shop-login-sms"
}

import {
  to = otp_task_flow.login
  id = "10001"
}

resource "otp_app" "shop" {
  name = "shop-login"
}

resource "otp_template" "login_sms" {
  app_id = otp_app.shop.id
  name   = "shop-login-sms"
  text   = "##code## is your Shop code."
}

resource "otp_task_flow" "login" {
  name = "login-fallback"

  flow {
    waiting_time = 60
    status       = 1
    channel      = "sms"
  }
}
