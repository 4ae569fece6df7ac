#!/usr/bin/env bash
# Runs go test with the environment terraform-plugin-testing needs to drive a
# real CLI: TF_ACC, the CLI's path and, for OpenTofu, the registry address
# the tests' provider source resolves to.
#
#   scripts/testacc.sh [go test arguments...]     (CLI=any|tofu|tofu-1.12|terraform)
set -euo pipefail
cd "$(dirname "$0")/.."

# A CLI configuration variable that names a missing file only adds a warning
# to every command's output; the tests need no CLI configuration.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
  unset TF_CLI_CONFIG_FILE
fi
cli=$(scripts/cli.sh "${CLI:-any}")
export TF_ACC=1
export TF_ACC_TERRAFORM_PATH="$cli"
version=$("$cli" version 2>/dev/null | sed -n 1p)
case "$version" in
  OpenTofu*)
    export TF_ACC_PROVIDER_NAMESPACE=hashicorp
    export TF_ACC_PROVIDER_HOST=registry.opentofu.org
    ;;
esac
echo "==> acceptance tests with $version ($cli)"
exec go test "$@"
