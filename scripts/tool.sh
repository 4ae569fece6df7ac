#!/usr/bin/env bash
# Runs a pinned development tool, installing it from the Go module proxy into
# a cache directory on first use, so that a fresh machine needs only Go.
#
#   scripts/tool.sh golangci-lint run ./...
#   scripts/tool.sh goreleaser check
set -euo pipefail

GOLANGCI_LINT_VERSION=v2.15.0
GORELEASER_VERSION=v2.15.1
CACHE="${OTP_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-otp/tools}"

name="$1"
shift
case "$name" in
  golangci-lint) module="github.com/golangci/golangci-lint/v2/cmd/golangci-lint"; version=$GOLANGCI_LINT_VERSION ;;
  goreleaser) module="github.com/goreleaser/goreleaser/v2"; version=$GORELEASER_VERSION ;;
  *) echo "unknown tool $name" >&2; exit 2 ;;
esac
dir="$CACHE/$name-$version"
if [ ! -x "$dir/$name" ]; then
  echo "==> installing $name $version from the Go module proxy (once)" >&2
  GOBIN="$dir" GOFLAGS=-mod=mod go install "$module@$version" >&2
fi
exec "$dir/$name" "$@"
