#!/usr/bin/env bash
# Prints the path of a Terraform-compatible CLI, building a pinned one from the
# Go module proxy into a cache directory when needed. Release downloads are not
# reachable from every machine we run on, but the module proxy is, so this is
# the one way that works everywhere.
#
#   scripts/cli.sh            terraform or tofu from PATH, else pinned OpenTofu
#   scripts/cli.sh tofu       pinned OpenTofu (always built, never PATH)
#   scripts/cli.sh terraform  pinned Terraform (always built, never PATH)
#   scripts/cli.sh tofu-1.12  pinned OpenTofu 1.12 (the first release with
#                             resource identity; always built, never PATH)
#
# Progress goes to stderr so that "$(scripts/cli.sh)" captures only the path.
set -euo pipefail

TOFU_VERSION="${OTP_TOFU_VERSION:-1.10.6}"
TOFU_NEXT_VERSION="${OTP_TOFU_NEXT_VERSION:-1.12.6}"
TERRAFORM_VERSION="${OTP_TERRAFORM_VERSION:-1.5.7}"
CACHE="${OTP_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-otp/cli}"

build_terraform() {
  local dir="$CACHE/terraform-$TERRAFORM_VERSION"
  if [ ! -x "$dir/terraform" ]; then
    echo "==> building Terraform $TERRAFORM_VERSION from the Go module proxy (once, about 3 minutes)" >&2
    mkdir -p "$dir.tmp"
    GOBIN="$dir.tmp" GOFLAGS=-mod=mod go install "github.com/hashicorp/terraform@v$TERRAFORM_VERSION" >&2
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/terraform"
}

build_tofu() {
  local version="$1"
  local dir="$CACHE/tofu-$version"
  if [ ! -x "$dir/tofu" ]; then
    echo "==> building OpenTofu $version from the Go module proxy (once, about 5 to 8 minutes)" >&2
    # go install refuses modules with replace directives, so build inside a
    # writable copy of the downloaded module instead.
    local src
    src=$(GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@v$version" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$src" ] || { echo "cannot download github.com/opentofu/opentofu@v$version" >&2; exit 1; }
    local work
    work=$(mktemp -d)
    trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' RETURN
    cp -r "$src/." "$work/"
    chmod -R u+w "$work"
    mkdir -p "$dir.tmp"
    (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$dir.tmp/tofu" ./cmd/tofu) >&2
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/tofu"
}

case "${1:-any}" in
  terraform) build_terraform ;;
  tofu) build_tofu "$TOFU_VERSION" ;;
  tofu-1.12) build_tofu "$TOFU_NEXT_VERSION" ;;
  any)
    if p=$(command -v tofu 2>/dev/null); then echo "$p"
    elif p=$(command -v terraform 2>/dev/null); then echo "$p"
    else build_tofu "$TOFU_VERSION"
    fi ;;
  *) echo "usage: $0 [any|tofu|tofu-1.12|terraform]" >&2; exit 2 ;;
esac
