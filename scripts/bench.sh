#!/usr/bin/env bash
# make bench: how our provider's apply, plan and update of N otp_task_flow
# resources compare, in requests, wall time and peak memory, with a
# calibration provider of the same schema that does no I/O, on a real CLI
# against the sandbox with injected API latency. A benchmark, not a test: it
# prints a table and asserts nothing about time. See bench/cmd/bench.
#
#   scripts/bench.sh [flags of bench/cmd/bench, e.g. -v]
#
#   CLI=tofu|terraform|any    which CLI (scripts/cli.sh; default tofu)
#   BENCH_N="10 100 1000"     numbers of resources
#   BENCH_LATENCY_MS="0 100"  injected API latencies
#   BENCH_REPS=3              measured runs per cell (the table shows medians)
#   BENCH_WARMUP=1            discarded runs per cell before them
#   BENCH_VERBOSE=1           every run, and the requests per API route
#   BENCH_FLAGS=-ours-quiet   more flags of bench/cmd/bench (-ours-quiet: also
#                             ours with every logger switched off by hand)
#
# A quick run: BENCH_N=10 BENCH_LATENCY_MS=100 BENCH_REPS=1 BENCH_WARMUP=0 scripts/bench.sh
#
# Everything happens in a temporary directory that is removed at the end,
# also on Ctrl-C or failure. The CLI runs with a throw-away CLI configuration
# whose dev_overrides point at the builds, and a scratch HOME, so the user's
# CLI configuration is never read or touched (the benchmark builds that
# environment for every command it runs).
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/otp-bench.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
# The benchmark sees the same Ctrl-C, stops its CLI command and returns
# before this runs: bash waits for the foreground command first.
trap 'exit 130' INT TERM

cli=$(scripts/cli.sh "${CLI:-tofu}")

echo "==> building our provider, the calibration provider and the benchmark" >&2
go build -o "$work/bin/ours/terraform-provider-otp" .
go build -o "$work/bin/noio/terraform-provider-otp" ./bench/noio
go build -o "$work/bin/rsswrap" ./bench/rsswrap
go build -o "$work/bin/bench" ./bench/cmd/bench

unset TF_LOG TF_LOG_PATH TF_LOG_CORE TF_LOG_PROVIDER
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1

verbose=()
case "${BENCH_VERBOSE:-}" in "" | 0 | false) ;; *) verbose=(-v) ;; esac
extra=()
[ -z "${BENCH_FLAGS:-}" ] || read -r -a extra <<<"$BENCH_FLAGS"

"$work/bin/bench" \
  -cli "$cli" \
  -ours "$work/bin/ours/terraform-provider-otp" \
  -noio "$work/bin/noio/terraform-provider-otp" \
  -wrap "$work/bin/rsswrap" \
  -work "$work/run" \
  -n "${BENCH_N:-10 100 1000}" \
  -latency-ms "${BENCH_LATENCY_MS:-0 100}" \
  -reps "${BENCH_REPS:-3}" \
  -warmup "${BENCH_WARMUP:-1}" \
  ${verbose[@]+"${verbose[@]}"} \
  ${extra[@]+"${extra[@]}"} \
  "$@"
