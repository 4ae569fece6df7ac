#!/usr/bin/env bash
# Runs a command with the pinned current Terraform first on PATH (built once
# from the Go module proxy by cli.sh). Current, not 1.5.7: its fmt knows every
# syntax the examples use (provider functions, query files), and its schema
# JSON carries what tfplugindocs documents beyond resources (list resources,
# functions, identities).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tf=$("$here/cli.sh" terraform-1.16)
PATH="$(dirname "$tf"):$PATH"
export PATH
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
  unset TF_CLI_CONFIG_FILE
fi
exec "$@"
