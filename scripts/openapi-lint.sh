#!/usr/bin/env bash
# Lints the sandbox's OpenAPI document with Redocly's CLI, at the version
# tools/redocly/package-lock.json pins (installed there with npm ci, once
# per machine), under tools/redocly/redocly.yaml's rules.
set -euo pipefail
cd "$(dirname "$0")/../tools/redocly"
command -v npm >/dev/null || { echo "openapi-lint needs Node.js and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec npx --no-install redocly lint --config redocly.yaml --format=stylish "${@:-../../docs/sandbox/openapi.json}"
