#!/usr/bin/env bash
# Runs a command with the pinned Terraform first on PATH (built once from
# the Go module proxy by cli.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tf=$("$here/cli.sh" terraform)
PATH="$(dirname "$tf"):$PATH"
export PATH
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
  unset TF_CLI_CONFIG_FILE
fi
exec "$@"
