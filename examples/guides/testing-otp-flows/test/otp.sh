# Helpers for testing an application's OTP flow against otp-sandbox: source
# this file. They need curl, md5sum (md5 -q on macOS) and sed, and
# OTP_BASE_URL (http://127.0.0.1:<port>/otp), OTP_API_KEY, OTP_API_SECRET
# and OTP_SANDBOX_CONTROL_TOKEN, as the sandbox was started with.

# otp_api PATH BODY: a signed POST to the OTP API, as the application makes it.
otp_api() {
  local ts sign
  ts=$(date +%s)
  sign=$(printf '%s' "$OTP_API_KEY$OTP_API_SECRET$ts" | md5sum | cut -d' ' -f1)
  curl -fsS -X POST "$OTP_BASE_URL$1" -H 'Content-Type: application/json;charset=UTF-8' \
    -H "Api-Key: $OTP_API_KEY" -H "Timestamp: $ts" -H "Sign: $sign" -d "$2"
}

# sandbox METHOD PATH [BODY]: a control request about this account (?key=).
sandbox() {
  local sep='?'
  case $2 in *\?*) sep='&' ;; esac
  curl -fsS -X "$1" "${OTP_BASE_URL%/otp}/_sandbox$2${sep}key=$OTP_API_KEY" \
    -H "Authorization: Bearer $OTP_SANDBOX_CONTROL_TOKEN" ${3:+-H 'Content-Type: application/json' -d "$3"}
}

# field NAME: a string or number field of the JSON on stdin; of the last
# object that has it (jq does this better, where you have it).
field() { sed -nE 's/.*"'"$1"'":"?([^",}]*)"?.*/\1/p'; }

# expect WHAT GOT WANT
expect() {
  if [ "$2" != "$3" ]; then
    echo "FAIL: $1: got '$2', want '$3'" >&2
    exit 1
  fi
  echo "ok: $1"
}
