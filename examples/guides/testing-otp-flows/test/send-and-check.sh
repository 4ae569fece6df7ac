#!/usr/bin/env bash
# Send a code as the application does, read it from the sandbox, check it;
# then see it expire.
set -euo pipefail
. "$(dirname "$0")/otp.sh"
app_id=$(terraform output -raw app_id)
template_id=$(terraform output -raw template_id)

sent=$(otp_api /verification/send '{"appId":"'"$app_id"'","templateId":'"$template_id"',"to":"4915100000001"}')
expect "the send" "$(field status <<<"$sent")" 0
id=$(field verificationId <<<"$sent")

# What the phone received; wait=5 holds the request until the message exists.
sms=$(sandbox GET "/messages?verificationId=$id&wait=5")
code=$(field code <<<"$sms")
expect "a 6-digit code" "$(grep -cE '^[0-9]{6}$' <<<"$code")" 1
expect "the template's text" "$(field text <<<"$sms")" "$code is your login code."

check() { otp_api /verification/verify '{"verificationId":"'"$1"'","code":"'"$2"'"}' | field matched; }
expect "a wrong code" "$(check "$id" nope00)" 2
expect "the right code" "$(check "$id" "$code")" 0
expect "the right code again" "$(check "$id" "$code")" 4

# The app's code_expiry is 5 minutes: move the sandbox's clock past it.
id=$(otp_api /verification/send '{"appId":"'"$app_id"'","templateId":'"$template_id"',"to":"4915100000001"}' | field verificationId)
code=$(sandbox GET "/messages?verificationId=$id&wait=5" | field code)
sandbox POST /clock '{"advanceSeconds":300}' >/dev/null
expect "the right code after 5 minutes" "$(check "$id" "$code")" 5
