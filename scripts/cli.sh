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
#   scripts/cli.sh terraform-1.16
#                             pinned current Terraform (list resources and
#                             terraform query, 1.14+); a TEST BUILD without the
#                             remote-state backends, see build_terraform_next
#
# Progress goes to stderr so that "$(scripts/cli.sh)" captures only the path.
set -euo pipefail

TOFU_VERSION="${OTP_TOFU_VERSION:-1.10.6}"
TOFU_NEXT_VERSION="${OTP_TOFU_NEXT_VERSION:-1.12.6}"
TERRAFORM_VERSION="${OTP_TERRAFORM_VERSION:-1.5.7}"
TERRAFORM_NEXT_VERSION="${OTP_TERRAFORM_NEXT_VERSION:-1.16.4}"
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

# module_copy MODULE VERSION prints the path of a writable copy, in a new
# temporary directory the caller removes, of the module as the Go module
# proxy serves it: go install refuses modules with replace directives, so
# the CLIs are built inside such a copy (which Terraform's build also edits).
module_copy() {
  local src work
  src=$(GOFLAGS=-mod=mod go mod download -json "$1@v$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src" ] || { echo "cannot download $1@v$2" >&2; return 1; }
  work=$(mktemp -d)
  cp -r "$src/." "$work/" && chmod -R u+w "$work" || { rm -rf "$work"; return 1; }
  echo "$work"
}

# Terraform 1.6 and later keep their remote-state backends (and
# internal/legacy, which only they use) as nested modules that go.mod replaces
# with local paths, and the module proxy's zip does not carry nested modules,
# so neither go install nor a plain build works. A provider's tests only use
# local state, so this builds Terraform without those backends: this binary is
# for tests only, and `terraform init` with an azurerm, consul, cos, gcs,
# kubernetes, oss, pg, s3 or oci backend fails with "unsupported backend".
build_terraform_next() {
  local version="$TERRAFORM_NEXT_VERSION"
  local dir="$CACHE/terraform-$version"
  if [ ! -x "$dir/terraform" ]; then
    echo "==> building Terraform $version (test build, without remote-state backends) from the Go module proxy (once, about 4 minutes)" >&2
    local work
    work=$(module_copy github.com/hashicorp/terraform "$version") || exit 1
    trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' RETURN
    local backends="azure consul cos gcs kubernetes oss pg s3 oci"
    local init="$work/internal/backend/init/init.go"
    # 1. The backends' imports and their entries in the list of backends
    #    (azure is registered as "azurerm").
    sed -i -E \
      -e '/"github\.com\/hashicorp\/terraform\/internal\/backend\/remote-state\/(azure|consul|cos|gcs|kubernetes|oss|pg|s3|oci)"/d' \
      -e '/^[[:space:]]*"(azurerm|consul|cos|gcs|kubernetes|oss|pg|s3|oci)":[[:space:]]*func/d' \
      "$init"
    if grep -Eq 'remote-state/(azure|consul|cos|gcs|kubernetes|oss|pg|s3|oci)"|backend(Azure|Consul|Cos|GCS|Kubernetes|OSS|Pg|S3|OCI)\.' "$init"; then
      echo "$init no longer has the shape this script edits; update build_terraform_next" >&2
      exit 1
    fi
    # 2. Their replace and require lines, and internal/legacy's.
    local edits=() m
    for b in $backends; do
      m="github.com/hashicorp/terraform/internal/backend/remote-state/$b"
      edits+=(-dropreplace="$m" -droprequire="$m")
    done
    edits+=(-dropreplace=github.com/hashicorp/terraform/internal/legacy -droprequire=github.com/hashicorp/terraform/internal/legacy)
    # 3. Build; version.dev=no, or it calls itself $version-dev.
    mkdir -p "$dir.tmp"
    (cd "$work" && go mod edit "${edits[@]}" &&
      CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
        -ldflags "-X github.com/hashicorp/terraform/version.dev=no" -o "$dir.tmp/terraform" .) >&2
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/terraform"
}

build_tofu() {
  local version="$1"
  local dir="$CACHE/tofu-$version"
  if [ ! -x "$dir/tofu" ]; then
    echo "==> building OpenTofu $version from the Go module proxy (once, about 5 to 8 minutes)" >&2
    local work
    work=$(module_copy github.com/opentofu/opentofu "$version") || exit 1
    trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' RETURN
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
  terraform-1.16) build_terraform_next ;;
  any)
    if p=$(command -v tofu 2>/dev/null); then echo "$p"
    elif p=$(command -v terraform 2>/dev/null); then echo "$p"
    else build_tofu "$TOFU_VERSION"
    fi ;;
  *) echo "usage: $0 [any|tofu|tofu-1.12|terraform|terraform-1.16]" >&2; exit 2 ;;
esac
