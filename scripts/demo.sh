#!/usr/bin/env bash
# make demo: the provider end to end against the local sandbox, on a machine
# with only Go. Everything happens in a temporary directory that is removed
# at the end, also on Ctrl-C or failure; the user's CLI configuration and
# state are never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/devenv.sh

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\n\033[1;31mdemo failed: %s\033[0m\n' "$*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/otp-demo.XXXXXX")
sandbox_pid=""
cleanup() {
  if [ -n "$sandbox_pid" ] && kill -0 "$sandbox_pid" 2>/dev/null; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Building the provider and the sandbox"
devenv_setup "$work"
go build -o "$work/bin/otp-sandbox" ./cmd/otp-sandbox
go build -o "$work/bin/check" ./examples/quickstart/check

say "Finding a Terraform-compatible CLI"
cli=$(scripts/cli.sh "${CLI:-any}")
echo "$("$cli" version | sed -n 1p) at $cli"
run() { "$cli" "$@" -no-color 2>&1 | quiet_overrides; return "${PIPESTATUS[0]}"; }

say "Starting the sandbox (a local implementation of the OTP API) with demo credentials"
OTP_API_KEY="demo-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
OTP_API_SECRET="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export OTP_API_KEY OTP_API_SECRET
"$work/bin/otp-sandbox" -listen 127.0.0.1:0 -addr-file "$work/addr" -token-file "$work/token" -quiet 2>"$work/sandbox.log" &
sandbox_pid=$!
for _ in $(seq 100); do
  [ -s "$work/addr" ] && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$work/sandbox.log" >&2; fail "the sandbox did not start"; }
  sleep 0.1
done
[ -s "$work/addr" ] || fail "the sandbox did not report its address"
OTP_BASE_URL=$(cat "$work/addr")
export OTP_BASE_URL
echo "sandbox at $OTP_BASE_URL, API key $OTP_API_KEY (the secret stays in the environment)"

cp -r examples/quickstart "$work/quickstart"
cd "$work/quickstart"
"$cli" get -no-color >/dev/null 2>"$work/get.log" || { cat "$work/get.log" >&2; fail "installing the quickstart's module failed"; }

say "Plan: an app, a template and a task flow from one module (examples/quickstart)"
run plan -out=first.tfplan

say "Apply"
run apply first.tfplan

say "The three ids an application passes to POST /verification/send"
run output send_ids
ids_before=$("$cli" output -json send_ids)

say "The OTP service does what the configuration says (examples/quickstart/check: sends, reads, checks, moves the clock)"
check() { "$cli" output -json | OTP_SANDBOX_CONTROL_TOKEN=$(cat "$work/token") "$work/bin/check"; }
check || fail "the sandbox's OTP service does not follow the applied configuration"

say "Plan again: nothing to change"
set +e
run plan -detailed-exitcode
code=$?
set -e
[ "$code" -eq 0 ] || fail "the plan after apply is not empty (exit code $code)"

say "Change two values (code_expiry = 10, first_fallback_wait = 45): the app, the template's text and the flow, updated in place"
set +e
run plan -detailed-exitcode -var code_expiry=10 -var first_fallback_wait=45 -out=second.tfplan
code=$?
set -e
[ "$code" -eq 2 ] || fail "changing a value did not plan a change (exit code $code)"
run apply second.tfplan
ids_after=$("$cli" output -json send_ids)
[ "$ids_before" = "$ids_after" ] || fail "the ids changed: the update was not in place"
echo "same ids as before: updated in place"

say "The OTP service follows the change: codes valid 10 minutes, the first fallback after 45 s"
check || fail "the sandbox's OTP service does not follow the changed configuration"

say "Destroy: the OTP API cannot delete, so the three objects stay in the account"
run destroy -auto-approve -var code_expiry=10 -var first_fallback_wait=45
if command -v curl >/dev/null; then
  # The sandbox's control surface plays the vendor console here; it needs
  # the token the sandbox wrote at start.
  for kind in apps templates flows; do
    id_field=$(case $kind in apps) echo appId ;; templates) echo templateId ;; flows) echo flowId ;; esac)
    remaining=$(curl -fsS -H "Authorization: Bearer $(cat "$work/token")" "${OTP_BASE_URL%/otp}/_sandbox/$kind" | grep -o "\"$id_field\"" | wc -l)
    echo "$kind still in the sandbox account: $remaining"
  done
fi

say "Done: the sandbox is stopped and the temporary directory removed"
