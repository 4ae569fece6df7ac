#!/usr/bin/env bash
# A CI job that tests an application's OTP flow against the local sandbox:
# start it on a free port, apply the configuration to it, run the tests,
# stop it.
set -euo pipefail

go install github.com/itniotech/terraform-provider-otp/cmd/otp-sandbox@latest

export OTP_API_KEY=ci-key OTP_API_SECRET=ci-secret OTP_SANDBOX_CONTROL_TOKEN=ci-token
rm -f sandbox.addr
"$(go env GOPATH)/bin/otp-sandbox" -listen 127.0.0.1:0 -addr-file sandbox.addr &
sandbox_pid=$!
trap 'kill "$sandbox_pid"' EXIT
until [ -s sandbox.addr ]; do kill -0 "$sandbox_pid" || exit 1; sleep 0.1; done
OTP_BASE_URL=$(cat sandbox.addr) # http://127.0.0.1:<port>/otp
export OTP_BASE_URL

terraform init
terraform apply -auto-approve
bash test/send-and-check.sh
bash test/fallback.sh
bash test/send-limit.sh
