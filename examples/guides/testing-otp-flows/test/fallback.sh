#!/usr/bin/env bash
# The task flow's fallback: numbers starting 9991 never receive SMS (calls
# get through), so the flow calls 60 seconds after the send.
set -euo pipefail
. "$(dirname "$0")/otp.sh"
app_id=$(terraform output -raw app_id)
template_id=$(terraform output -raw template_id)
flow_id=$(terraform output -raw flow_id)
to=9991000000001

sent=$(otp_api /verification/send '{"appId":"'"$app_id"'","templateId":'"$template_id"',"flowId":'"$flow_id"',"to":"'"$to"'"}')
id=$(field verificationId <<<"$sent")
expect "the SMS" "$(sandbox GET "/messages?verificationId=$id&wait=5" | field outcome)" failed

sandbox POST /clock '{"advanceSeconds":59}' >/dev/null
expect "no call after 59 seconds" "$(sandbox GET "/messages?verificationId=$id&channel=call")" "[]"
sandbox POST /clock '{"advanceSeconds":1}' >/dev/null
call=$(sandbox GET "/messages?verificationId=$id&channel=call")
expect "a call at 60 seconds, step 1 of the flow" "$(field step <<<"$call")" 1
expect "the call answered" "$(field outcome <<<"$call")" answered

# The call carries the code of the send, under the same verificationId.
code=$(field code <<<"$call")
expect "the code from the call" "$(otp_api /verification/verify '{"verificationId":"'"$id"'","code":"'"$code"'"}' | field matched)" 0
