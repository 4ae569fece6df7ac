#!/usr/bin/env bash
# A UI test types the code: give its phone number a fixed code first, and
# every send to the number carries it.
set -euo pipefail
. "$(dirname "$0")/otp.sh"
app_id=$(terraform output -raw app_id)
template_id=$(terraform output -raw template_id)
number=4915100000042

# The template makes 6-digit codes: the fixed code is 6 digits too.
sandbox PUT "/numbers/$number" '{"code":"424242"}' >/dev/null

# What the application does when the UI asks for a code...
id=$(otp_api /verification/send '{"appId":"'"$app_id"'","templateId":'"$template_id"',"to":"'"$number"'"}' | field verificationId)
# ...and what the UI test types, without reading the messages.
matched=$(otp_api /verification/verify '{"verificationId":"'"$id"'","code":"424242"}' | field matched)
expect "the typed code" "$matched" 0

# A code the template could not make is refused, saying why.
sandbox PUT "/numbers/$number" '{"code":"4242"}' >/dev/null
refused=$(otp_api /verification/send '{"appId":"'"$app_id"'","templateId":'"$template_id"',"to":"'"$number"'"}')
expect "a code that does not fit" "$(field status <<<"$refused")" -22
sandbox DELETE "/numbers/$number" >/dev/null
