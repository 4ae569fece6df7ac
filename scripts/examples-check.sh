#!/usr/bin/env bash
# Checks that every example is formatted and valid for the provider's
# current schema (validate against a local build). "get" installs the
# quickstart's local module; init would ask a registry for the provider,
# which dev_overrides make unnecessary.
#
# An example whose files say "# Requires: Terraform 1.7+ or OpenTofu 1.7+"
# (or 1.12+) uses syntax the pinned Terraform 1.5.7 does not know: it is
# validated with the pinned OpenTofu 1.12 instead, which knows all of it;
# one that says "# Requires: Terraform 1.16+" (no OpenTofu), with the
# pinned current Terraform. An
# example with a query file (.tfquery.hcl, Terraform 1.14+) is validated with
# the pinned current Terraform, query files included (validate -query). The
# formatting check uses that Terraform too: it knows every syntax here.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/devenv.sh

cli=$(scripts/cli.sh "${CLI:-any}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
devenv_setup "$work"

current=$(scripts/cli.sh terraform-1.16)
echo "==> $("$current" version | sed -n 1p): fmt -check examples/"
"$current" fmt -check -recursive -diff examples

newer=""
status=0
for dir in examples/provider examples/resources/* examples/data-sources/* examples/functions/* examples/list-resources/* \
  examples/quickstart examples/guides/*/*; do
  use="$cli"
  validate=(validate -no-color)
  if compgen -G "$dir/*.tfquery.hcl" >/dev/null; then
    use="$current"
    validate+=(-query)
  elif grep -qsE '^# Requires: Terraform [0-9.]+\+( \(|$)' "$dir"/*.tf "$dir"/tests/*.tftest.hcl; then
    # Terraform alone (no "or OpenTofu"): the pinned current Terraform.
    use="$current"
  elif grep -qs '^# Requires: ' "$dir"/*.tf; then
    [ -n "$newer" ] || newer=$(scripts/cli.sh tofu-1.12)
    use="$newer"
  fi
  if ! compgen -G "$dir/*.tf" >/dev/null; then
    # Shell and CI snippets of a guide: the shell's syntax here, the YAML's
    # in tools/snippets (go test, in make test).
    if ! compgen -G "$dir/*.sh" >/dev/null; then
      echo "ok      $dir (no shell; YAML checked by tools/snippets)"
    elif bash -n "$dir"/*.sh; then echo "ok      $dir (bash -n)"; else echo "INVALID $dir (bash -n)"; status=1; fi
    continue
  fi
  copy="$work/$(echo "$dir" | tr / _)"
  cp -r "$dir" "$copy"
  if (cd "$copy" && "$use" get -no-color >"$work/init.log" 2>&1 &&
      "$use" "${validate[@]}" 2>&1 | quiet_overrides >"$work/validate.log"; exit "${PIPESTATUS[0]}"); then
    echo "ok      $dir ($("$use" version | sed -n 1p))"
  else
    echo "INVALID $dir ($("$use" version | sed -n 1p))"
    cat "$work/init.log" "$work/validate.log" 2>/dev/null || true
    status=1
  fi
done
exit $status
