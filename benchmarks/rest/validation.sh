#!/usr/bin/env bash
# POST Patient with validation on write against without: the same FR Core Patient (fr-core-patient.json) posted to
# a server with Validation:OnWrite declared (the default: base definition, meta.profile, French identifier rules) and to
# one with it off, in interleaved rounds; prints both rates and their ratio (goal: declared >= 50 % of off).
#
#   benchmarks/rest/validation.sh [--store sqlite|postgres] [--pg CONN] [--rounds 3] [--duration 10s] [--connections 10]
#
# ARTIFACTS_PATH  dotnet --artifacts-path (default /tmp/art-bench)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
store=sqlite; pg=""; rounds=3; duration=10s; connections=10
while [ $# -gt 0 ]; do
  case "$1" in
    --store) store=$2; shift 2 ;;
    --pg) pg=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "unknown argument $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
bench=validation
source "$repo/benchmarks/common.sh"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
build_server
if [ "$store" = postgres ]; then postgres_setup; fi

modes=(off declared); bases=()
# The same Patient, INS included, is posted again and again: the INS is left out of Server:UniqueIdentifiers here, or
# every POST after the first would be a 409 (docs/french-flows.md).
for mode in "${modes[@]}"; do
  if [ "$store" = postgres ]; then start_server "$mode" postgres --connection "$(pg_database "fhir_bench_validation_$mode")" --validation "$mode" --Server:UniqueIdentifiers=
  else mkdir -p "$work/$mode"; start_server "$mode" sqlite --data "$work/$mode" --validation "$mode" --Server:UniqueIdentifiers=; fi
  bases+=("$base")
done
# A first POST answers 201 on both, or the comparison is of error answers.
body="$repo/benchmarks/rest/fr-core-patient.json"
for i in "${!modes[@]}"; do
  status=$(curl -s -o "$work/first.json" -w '%{http_code}' -X POST -H 'Content-Type: application/fhir+json' --data-binary "@$body" "${bases[$i]}/Patient")
  [ "$status" = 201 ] || { echo "POST Patient to ${modes[$i]} answered $status: $(cat "$work/first.json")" >&2; exit 1; }
done

run_wrk() { # index duration → "req/s p50_ms p99_ms non2xx"
  wrk -t1 -c"$connections" -d"$2" --latency -s "$repo/benchmarks/rest/post-fr-core-patient.lua" "${bases[$1]}" -- "$body" | wrk_parse
}
say "warm-up (3 s each)"
for i in "${!modes[@]}"; do run_wrk "$i" 3s >/dev/null; done
declare -A results
for r in $(seq 1 "$rounds"); do
  for i in "${!modes[@]}"; do
    say "round $r/$rounds: ${modes[$i]}"
    results[$r,$i]=$(run_wrk "$i" "$duration")
  done
done
echo
echo "POST Patient (FR Core Patient, Prefer: return=minimal), $store, wrk -t1 -c$connections -d$duration, $rounds interleaved rounds"
printf '%-10s %5s %10s %9s %9s\n' OnWrite round req/s p50_ms p99_ms
for i in "${!modes[@]}"; do
  for r in $(seq 1 "$rounds"); do
    read -r rps p50 p99 bad <<<"${results[$r,$i]}"
    printf '%-10s %5s %10s %9s %9s%s\n' "${modes[$i]}" "$r" "$rps" "$p50" "$p99" "$([ "$bad" != 0 ] && echo "  ($bad non-2xx!)")"
  done
done
median() { for r in $(seq 1 "$rounds"); do read -r rps _ <<<"${results[$r,$1]}"; echo "$rps"; done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
off=$(median 0); declared=$(median 1)
echo "median req/s: off $off, declared $declared; declared/off = $(awk -v a="$declared" -v b="$off" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') (goal >= 0.50)"
