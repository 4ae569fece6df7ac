#!/usr/bin/env bash
# The app's period_phone_send_limit: at most 3 codes an hour to one number.
set -euo pipefail
. "$(dirname "$0")/otp.sh"
app_id=$(terraform output -raw app_id)
template_id=$(terraform output -raw template_id)
body='{"appId":"'"$app_id"'","templateId":'"$template_id"',"to":"4915100000002"}'

for i in 1 2 3; do
  expect "send $i" "$(otp_api /verification/send "$body" | field status)" 0
done
expect "send 4 in the same hour" "$(otp_api /verification/send "$body" | field status)" -28

# The window slides: an hour after the first send, a send fits again.
sandbox POST /clock '{"advanceSeconds":3600}' >/dev/null
expect "a send an hour later" "$(otp_api /verification/send "$body" | field status)" 0
