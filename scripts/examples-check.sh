#!/usr/bin/env bash
# Checks that every example is formatted and valid for the provider's
# current schema (terraform validate against a local build). "get" installs
# the quickstart's local module; init would ask a registry for the provider,
# which dev_overrides make unnecessary.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/devenv.sh

cli=$(scripts/cli.sh "${CLI:-any}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
devenv_setup "$work"

echo "==> $("$cli" version | sed -n 1p): fmt -check examples/"
"$cli" fmt -check -recursive -diff examples

status=0
for dir in examples/provider examples/resources/* examples/data-sources/* examples/quickstart; do
  copy="$work/$(echo "$dir" | tr / _)"
  cp -r "$dir" "$copy"
  if (cd "$copy" && "$cli" get -no-color >"$work/init.log" 2>&1 &&
      "$cli" validate -no-color 2>&1 | quiet_overrides >"$work/validate.log"; exit "${PIPESTATUS[0]}"); then
    echo "ok      $dir"
  else
    echo "INVALID $dir"
    cat "$work/init.log" "$work/validate.log" 2>/dev/null || true
    status=1
  fi
done
exit $status
