#!/usr/bin/env bash
# Builds the otp-sandbox container image from cmd/otp-sandbox/Containerfile
# for linux/amd64 and linux/arm64, as the release does, and checks it.
#
# This machine kind has no Docker engine, and podman builds images here but
# cannot run a container (crun cannot set rlimits). So the check reads what
# a container would be made of: the image's configuration (entrypoint,
# user, port, volume, environment, labels, health check) and its layers
# (the binary, static and of the right architecture; /data owned by the
# user; the license); then it runs the binary taken out of the amd64 layer,
# outside any container but with the image's environment, against a signed
# send and a check, and runs its health probe against it and against a
# closed port.
#
# CONTAINERFILE=path checks another file (to see a check fail).
set -euo pipefail
cd "$(dirname "$0")/.."

containerfile=${CONTAINERFILE:-cmd/otp-sandbox/Containerfile}
source_url=https://github.com/itniotech/terraform-provider-otp
version="$(git describe --tags --always --dirty 2>/dev/null || echo dev)-image-check"
revision=$(git rev-parse HEAD)
created=$(git log -1 --format=%cI)

failures=0
ok() { echo "ok      $*"; }
fail() {
  echo "FAIL    $*"
  failures=$((failures + 1))
}
# check WHAT GOT WANT
check() { if [ "$2" = "$3" ]; then ok "$1: $2"; else fail "$1: got '$2', want '$3'"; fi; }

for tool in curl md5sum tar; do
  command -v "$tool" >/dev/null || { echo "image-check needs $tool" >&2; exit 1; }
done
if ! command -v podman >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "image-check needs podman: apt-get install podman (as root), then run it again" >&2
    exit 1
  fi
  echo "==> installing podman (Debian package; once per machine)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman >/dev/null
fi

work=$(mktemp -d)
sandbox_pid=""
# A store of its own, on vfs: nothing is left in the machine's store or
# shared with another build, and vfs needs no overlay mount, which a
# nested file system can refuse. The layers are a few MB.
pm() { podman --root "$work/store" --runroot "$work/run" --storage-driver vfs "$@"; }
cleanup() {
  [ -z "$sandbox_pid" ] || kill "$sandbox_pid" 2>/dev/null || true
  if [ "$(id -u)" = 0 ]; then rm -rf "$work"; else podman unshare rm -rf "$work"; fi
}
trap cleanup EXIT

echo "==> the binaries, as the release builds them (.goreleaser.yml's otp-sandbox build)"
mkdir -p "$work/context"
cp LICENSE "$work/context/"
for arch in amd64 arm64; do
  CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags '-s -w' \
    -o "$work/context/linux/$arch/otp-sandbox" ./cmd/otp-sandbox
done

for arch in amd64 arm64; do
  image=localhost/otp-sandbox-check:$arch
  echo
  echo "==> podman build --platform linux/$arch -f $containerfile"
  # The docker format: the OCI format has no health check, and docker
  # buildx keeps it, so this is what the release pushes.
  # --no-cache: buildah's layer cache does not tell platforms apart once a
  # step no longer names $TARGETPLATFORM.
  pm build --quiet --no-cache --format docker --platform "linux/$arch" -f "$containerfile" \
    --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "CREATED=$created" \
    -t "$image" "$work/context" >/dev/null

  inspect() { pm image inspect --format "$1" "$image"; }
  check "platform" "$(inspect '{{.Os}}/{{.Architecture}}')" "linux/$arch"
  check "entrypoint" "$(inspect '{{json .Config.Entrypoint}}')" '["/otp-sandbox"]'
  check "no command (flags go after the image)" "$(inspect '{{json .Config.Cmd}}')" "null"
  user=$(inspect '{{.Config.User}}')
  if [[ $user =~ ^([1-9][0-9]*)(:([0-9]+))?$ ]]; then
    ok "user: $user (numeric, not root)"
  else
    fail "user: '$user', want a numeric user other than 0"
  fi
  uid=${BASH_REMATCH[1]:-"(a numeric user)"} gid=${BASH_REMATCH[3]:-${BASH_REMATCH[1]:-"(its group)"}}
  check "exposed ports" "$(inspect '{{json .Config.ExposedPorts}}')" '{"8787/tcp":{}}'
  check "volumes" "$(inspect '{{json .Config.Volumes}}')" '{"/data":{}}'
  env=$(inspect '{{range .Config.Env}}{{println .}}{{end}}')
  check "listens on every interface" "$(grep '^OTP_SANDBOX_LISTEN=' <<<"$env" || true)" "OTP_SANDBOX_LISTEN=0.0.0.0:8787"
  check "keeps its state in the volume" "$(grep '^OTP_SANDBOX_STATE=' <<<"$env" || true)" "OTP_SANDBOX_STATE=/data/state.json"
  label() { inspect "{{index .Config.Labels \"org.opencontainers.image.$1\"}}"; }
  check "label version" "$(label version)" "$version"
  check "label source" "$(label source)" "$source_url"
  check "label revision" "$(label revision)" "$revision"
  check "label licenses" "$(label licenses)" "MPL-2.0"
  # The exec form (CMD), not CMD-SHELL: the image has no shell.
  check "health check" "$(inspect '{{if .HealthCheck}}{{json .HealthCheck.Test}}{{end}}')" '["CMD","/otp-sandbox","-health"]'

  # The layers, as a container would see its file system.
  mkdir -p "$work/$arch/layers" "$work/$arch/root"
  pm save --quiet --format docker-archive -o "$work/$arch/image.tar" "$image"
  tar -xf "$work/$arch/image.tar" -C "$work/$arch/layers"
  : >"$work/$arch/listing"
  # In the manifest's order, lowest first, as a container stacks them.
  for layer in $(sed -E 's/.*"Layers":\[([^]]*)\].*/\1/; s/[",]/ /g' "$work/$arch/layers/manifest.json"); do
    tar --numeric-owner -tvf "$work/$arch/layers/$layer" >>"$work/$arch/listing"
    tar -xf "$work/$arch/layers/$layer" -C "$work/$arch/root" --no-same-owner
  done
  check "/data: a directory owned by the user" \
    "$(awk '$6 == "data/" || $6 == "./data/" {print substr($1, 1, 1), $2}' "$work/$arch/listing")" "d $uid/$gid"
  if cmp -s "$work/$arch/root/LICENSE" LICENSE; then ok "/LICENSE: the repository's"; else fail "/LICENSE: missing or not the repository's"; fi
  bin=$work/$arch/root/otp-sandbox
  if [ -x "$bin" ]; then
    settings=$(go version -m "$bin" | awk '$1 == "build" {print $2}')
    check "static (CGO_ENABLED=0)" "$(grep '^CGO_ENABLED=' <<<"$settings" || true)" "CGO_ENABLED=0"
    check "built for" "$(grep -E '^GO(OS|ARCH)=' <<<"$settings" | sort | paste -sd' ')" "GOARCH=$arch GOOS=linux"
  else
    fail "/otp-sandbox: missing or not executable"
  fi
done

echo
echo "==> the amd64 image's binary, outside a container, with the image's environment"
bin=$work/amd64/root/otp-sandbox
mkdir -p "$work/data"
image_env=()
while IFS= read -r line; do [ -n "$line" ] && image_env+=("$line"); done \
  < <(pm image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' localhost/otp-sandbox-check:amd64)
# As a CI service would start it: open accounts and the control token from
# variables; on a free loopback port here, and the state in a directory of
# the check's.
env -i "${image_env[@]}" OTP_SANDBOX_OPEN_ACCOUNTS=true OTP_API_SECRET=image-check-secret \
  OTP_SANDBOX_CONTROL_TOKEN=image-check-token OTP_SANDBOX_STATE="$work/data/state.json" \
  "$bin" -listen 127.0.0.1:0 -addr-file "$work/addr" -quiet 2>"$work/sandbox.log" &
sandbox_pid=$!
for _ in $(seq 100); do
  [ -s "$work/addr" ] && break
  kill -0 "$sandbox_pid" 2>/dev/null || break
  sleep 0.1
done
if [ ! -s "$work/addr" ]; then
  cat "$work/sandbox.log"
  echo "FAIL    the image's binary did not start" >&2
  exit 1
fi
export OTP_BASE_URL OTP_API_KEY=image-check-$$ OTP_API_SECRET=image-check-secret OTP_SANDBOX_CONTROL_TOKEN=image-check-token
OTP_BASE_URL=$(cat "$work/addr")
addr=${OTP_BASE_URL#http://}
addr=${addr%/otp}
# The guide's helpers: a signed POST (otp_api), a control request of this
# key's account (sandbox), a field of an answer (field).
. examples/guides/testing-otp-flows/test/otp.sh
app=$(sandbox POST /apps '{"name":"image-check"}' | field appId)
template=$(sandbox POST /templates '{"appId":"'"$app"'","name":"image-check-sms","text":"##code## is your code."}' | field templateId)
sent=$(otp_api /verification/send '{"appId":"'"$app"'","templateId":'"$template"',"to":"4915100000001"}' || true)
check "a signed send" "$(field status <<<"$sent")" 0
verification=$(field verificationId <<<"$sent")
code=$(sandbox GET "/messages?verificationId=$verification&wait=5" | field code || true)
checked=$(otp_api /verification/verify '{"verificationId":"'"$verification"'","code":"'"$code"'"}' || true)
check "the code the phone got checks (matched)" "$(field matched <<<"$checked")" 0

if probe=$(env -i "${image_env[@]}" OTP_SANDBOX_LISTEN="$addr" "$bin" -health 2>&1); then
  ok "-health against it: $probe"
else
  fail "-health against it exited $?: $probe"
fi
case $probe in
  *"state file $work/data/state.json, last write ok"*) ok "-health reports the state file written" ;;
  *) fail "-health does not report the state file written: $probe" ;;
esac
kill "$sandbox_pid"
wait "$sandbox_pid" 2>/dev/null || true
sandbox_pid=""
if probe=$(env -i "${image_env[@]}" OTP_SANDBOX_LISTEN="$addr" "$bin" -health 2>&1); then
  fail "-health against a closed port exited 0: $probe"
else
  ok "-health against a closed port exits non-zero: $probe"
fi

echo
size=$(pm image inspect --format '{{.Size}}' localhost/otp-sandbox-check:amd64)
pulled=$(cat "$work"/amd64/layers/*.tar | gzip -c | wc -c)
echo "image size (amd64): $((size / 1024)) KiB, $((pulled / 1024)) KiB gzipped (about what a pull downloads)"
if [ "$failures" -gt 0 ]; then
  echo "image-check: $failures failed"
  exit 1
fi
echo "image-check: every check passed"
