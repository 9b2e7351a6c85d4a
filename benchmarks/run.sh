#!/usr/bin/env bash
# Runs the benchmarks of DESIGN.md's performance targets and writes
# benchmarks/RESULTS.md. See benchmarks/README.md.
#
#   benchmarks/run.sh                      # the full run: 6 rounds, 10 … 1,000,000
#   ROUNDS=3 SIZES=10,1000 benchmarks/run.sh   # a quick look
#
# Environment:
#   ROUNDS     rounds (default 6); each round runs every benchmark once, in its
#              own process, so rounds interleave and noise hits all alike
#   SIZES      comma-separated sizes (default 10,1000,100000,1000000)
#   BENCHTIME  -benchtime of the lookup benchmarks (default 500ms)
#   OUT        the report (default benchmarks/RESULTS.md)
#
# Raw samples go to benchmarks/raw.txt and benchstat's summary to
# benchmarks/benchstat.txt; both are ignored by git (RESULTS.md carries the
# summary).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-6}
SIZES=${SIZES:-10,1000,100000,1000000}
BENCHTIME=${BENCHTIME:-500ms}
OUT=${OUT:-benchmarks/RESULTS.md}
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da # golang.org/x/perf, 2026-09-08

export PATH="$(go env GOPATH)/bin:$PATH"
if ! command -v benchstat >/dev/null; then
  echo "== installing benchstat (golang.org/x/perf@$BENCHSTAT_VERSION)"
  go install "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION"
fi

raw=benchmarks/raw.txt
summary=benchmarks/benchstat.txt
bin=$(mktemp -d)/benchmarks.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./benchmarks
# benchmarks/report is a module of its own (golang.org/x/perf, at the
# version of benchstat above, stays out of the library's go.mod): build it
# there, run it from here, so that its paths are the root's.
report=$(dirname "$bin")/report
go -C benchmarks/report build -o "$report" .

load_before=$(cat /proc/loadavg 2>/dev/null || echo unknown)
start=$(date +%s)
: >"$raw"
export MAILFLOW_BENCH_SIZES=$SIZES

# One benchmark group per process: a group's worlds are generated once and
# shared by its benchmarks, and dropped when the process ends.
run() { # bench-regexp benchtime
  "$bin" -test.run '^$' -test.bench "$1" -test.benchtime "$2" -test.count 1 \
    -test.benchmem -test.timeout 60m | tee -a "$raw" | grep -E '^Benchmark' || true
}
for round in $(seq "$ROUNDS"); do
  echo "== round $round/$ROUNDS ($(date +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null))"
  run '^BenchmarkSelect$' "$BENCHTIME"
  run '^BenchmarkAttribute(Latency)?$' "$BENCHTIME"
  run '^BenchmarkCert$' "$BENCHTIME"
  # Builds take seconds at 1M: there, one timed build per round.
  run '^Benchmark(NewTable|NewDirectory)$' 1s
done
elapsed=$(($(date +%s) - start))
load_after=$(cat /proc/loadavg 2>/dev/null || echo unknown)

benchstat "$raw" >"$summary"
"$report" -raw "$raw" -benchstat "$summary" -out "$OUT" \
  -command "benchmarks/run.sh" \
  -settings "$ROUNDS rounds, sizes $SIZES, -benchtime $BENCHTIME for lookups and 1s for builds" \
  -elapsed "$((elapsed / 60)) min $((elapsed % 60)) s" \
  -load-before "$load_before" -load-after "$load_after"
echo "== wrote $OUT ($((elapsed / 60)) min $((elapsed % 60)) s)"
