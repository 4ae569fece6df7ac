#!/usr/bin/env bash
# A CI job that tests a module against the local sandbox: start it on a
# free port, point the provider at it, run the module's tests, stop it.
set -euo pipefail

go install github.com/itniotech/terraform-provider-otp/cmd/otp-sandbox@latest

export OTP_API_KEY=ci-key OTP_API_SECRET=ci-secret OTP_SANDBOX_CONTROL_TOKEN=ci-token
rm -f sandbox.addr
"$(go env GOPATH)/bin/otp-sandbox" -listen 127.0.0.1:0 -addr-file sandbox.addr -quiet &
sandbox_pid=$!
trap 'kill "$sandbox_pid"' EXIT
until [ -s sandbox.addr ]; do kill -0 "$sandbox_pid" || exit 1; sleep 0.1; done
OTP_BASE_URL=$(cat sandbox.addr) # http://127.0.0.1:<port>/otp
export OTP_BASE_URL

terraform init
terraform test
# A second run meets what the first left behind (the API cannot delete);
# adopt_existing in the tests' provider block adopts it, so it passes too.
terraform test

# To start the next run from an empty account instead, reset the sandbox:
#   curl -fsS -X POST -H "Authorization: Bearer $OTP_SANDBOX_CONTROL_TOKEN" "${OTP_BASE_URL%/otp}/_sandbox/reset"
