#!/usr/bin/env bash
# REST benchmarks of the storage/REST issue, side by side with the Medplum in-memory router (see README.md).
#
#   benchmarks/rest/run.sh [--peer DIR] [--stores "sqlite postgres"] [--rounds N] [--duration 10s]
#                          [--connections 10] [--patients 10000] [--clients 4] [--no-load] [--no-ingest]
#
# --peer DIR      a prepared copy of ../shared/peers (npm install done); default: a fresh temporary copy
# --pg CONN       use this PostgreSQL (Npgsql connection string) instead of starting a throwaway one; the
#                 databases fhir_bench_load and fhir_bench_ingest are dropped and re-created in it
# --synthea DIR   Synthea export for the ingest benchmark (default ../shared/suites/synthea-r4)
# ARTIFACTS_PATH  dotnet --artifacts-path (default /tmp/art-bench)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
peer=""; pg=""; stores="sqlite postgres"; rounds=3; duration=10s; connections=10; patients=10000; clients=4
synthea="$shared/suites/synthea-r4"; do_load=1; do_ingest=1
while [ $# -gt 0 ]; do
  case "$1" in
    --peer) peer=$2; shift 2 ;;
    --pg) pg=$2; shift 2 ;;
    --stores) stores=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --patients) patients=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --synthea) synthea=$2; shift 2 ;;
    --no-load) do_load=0; shift ;;
    --no-ingest) do_ingest=0; shift ;;
    *) echo "unknown argument $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
bench=rest
source "$repo/benchmarks/common.sh"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
build_server

if [ -z "$peer" ]; then
  say "peer: fresh copy of $shared/peers, npm install"
  peer="$work/peer"; mkdir -p "$peer"; cp -r "$shared/peers/." "$peer"
  (cd "$peer" && npm install --no-audit --no-fund >"$work/npm.log" 2>&1) || { cat "$work/npm.log" >&2; exit 1; }
fi
peer=$(cd "$peer" && pwd)
node "$peer/gen-patients.js" "$patients" "$work/patients.ndjson" >/dev/null

# Targets: name, base URL, path prefix of the FHIR base.
names=(); bases=(); prefixes=()
start_peer() {
  local port; port=$(free_port)
  node "$peer/medplum-server.js" "$port" >"$work/peer.log" 2>&1 & pids+=($!)
  wait_up "http://127.0.0.1:$port/fhir/R4/metadata" "$work/peer.log"
  names+=(peer); bases+=("http://127.0.0.1:$port"); prefixes+=(/fhir/R4)
}
start_ours() { # store, extra args...
  start_server "$1" "$@"
  names+=("$1"); bases+=("$base"); prefixes+=("")
}
if [[ " $stores " == *" postgres "* ]]; then postgres_setup; fi

run_wrk() { # kind index duration → parsed line
  local kind=$1 i=$2 d=$3
  if [ "$kind" = read ]; then
    wrk -t1 -c"$connections" -d"$d" --latency -s "$repo/benchmarks/rest/get-patient.lua" "${bases[$i]}" -- "$work/ids-${names[$i]}.txt" "${prefixes[$i]}"
  else
    wrk -t1 -c"$connections" -d"$d" --latency -s "$peer/post-patient.lua" "${bases[$i]}${prefixes[$i]}/Patient"
  fi | wrk_parse
}

if [ "$do_load" = 1 ]; then
  say "load benchmark: starting the peer and our server (${stores})"
  start_peer
  for s in $stores; do
    if [ "$s" = postgres ]; then start_ours postgres --connection "$(pg_database fhir_bench_load)"
    else mkdir -p "$work/sqlite-load"; start_ours sqlite --data "$work/sqlite-load"; fi
  done
  for i in "${!names[@]}"; do
    say "${names[$i]}: storing $patients patients (transactions of 500)"
    fhir_bench load "${bases[$i]}${prefixes[$i]}" "$work/patients.ndjson" --ids "$work/ids-${names[$i]}.txt" --batch 500 --clients 2 >&2
  done
  say "warm-up (3 s each)"
  for i in "${!names[@]}"; do run_wrk read "$i" 3s >/dev/null; run_wrk write "$i" 3s >/dev/null; done
  declare -A results
  for kind in read write; do
    for r in $(seq 1 "$rounds"); do
      for i in "${!names[@]}"; do
        say "$kind round $r/${rounds}: ${names[$i]}"
        results[$kind,$r,$i]=$(run_wrk "$kind" "$i" "$duration")
      done
    done
  done
  echo
  echo "Load: wrk -t1 -c$connections -d$duration, $patients patients stored in each, $rounds interleaved rounds (peer = Medplum fhir-router + MemoryRepository, nothing on disk)"
  echo "GET Patient/{id}: random ids among the stored ones; POST Patient: the peer's post-patient.lua body"
  printf '%-18s %-9s %5s %10s %9s %9s %12s\n' interaction server round req/s p50_ms p99_ms "ours/peer"
  for kind in read write; do
    label=$([ "$kind" = read ] && echo "GET Patient/{id}" || echo "POST Patient")
    for r in $(seq 1 "$rounds"); do
      read -r peer_rps _ <<<"${results[$kind,$r,0]}"
      for i in "${!names[@]}"; do
        read -r rps p50 p99 bad <<<"${results[$kind,$r,$i]}"
        ratio=$([ "$i" = 0 ] && echo "" || awk -v a="$rps" -v b="$peer_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
        printf '%-18s %-9s %5s %10s %9s %9s %12s%s\n' "$label" "${names[$i]}" "$r" "$rps" "$p50" "$p99" "$ratio" "$([ "$bad" != 0 ] && echo "  ($bad non-2xx!)")"
      done
    done
    # Median over the rounds, and the median of the per-round ratios.
    for i in "${!names[@]}"; do
      med=$(for r in $(seq 1 "$rounds"); do echo "${results[$kind,$r,$i]}"; done | sort -n -k1 | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
      ratio=$([ "$i" = 0 ] && echo "" || for r in $(seq 1 "$rounds"); do
        read -r a _ <<<"${results[$kind,$r,$i]}"; read -r b _ <<<"${results[$kind,$r,0]}"; awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f\n", (b > 0 ? a / b : 0) }'
      done | sort -n | awk '{ a[NR] = $0 } END { printf "%.2f", a[int((NR + 1) / 2)] }')
      read -r rps p50 p99 _ <<<"$med"
      printf '%-18s %-9s %5s %10s %9s %9s %12s\n' "$label" "${names[$i]}" median "$rps" "$p50" "$p99" "$ratio"
    done
  done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=(); names=(); bases=(); prefixes=()
fi

if [ "$do_ingest" = 1 ]; then
  echo
  echo "Ingest: $(basename "$synthea") posted as transactions by $clients clients (goal ≥ 1,500 resources/s; the peer for"
  echo "orientation, it keeps nothing on disk). Pass 1: a fresh server and an empty store, so it includes the JIT warm-up."
  echo "Pass 2: the same requests again on the now warm server (the PUTs become updates, the POSTs create new resources)."
  declare -A ingest
  note=""
  for target in peer $stores; do
    case "$target" in
      peer) start_peer ;;
      postgres) start_ours postgres --connection "$(pg_database fhir_bench_ingest)" ;;
      *) mkdir -p "$work/sqlite-ingest"; start_ours sqlite --data "$work/sqlite-ingest" ;;
    esac
    for pass in 1 2; do
      say "ingest: $target, pass $pass"
      # Our server resolves the conditional creates and references itself; the peer gets them resolved by the loader.
      conditionals=$([ "$target" = peer ] || echo --server-conditionals)
      out=$(fhir_bench ingest "${bases[-1]}${prefixes[-1]}" "$synthea" --clients "$clients" $conditionals)
      [ "$pass" = 2 ] || note+="$target: $(grep '^Conditional' <<<"$out" || true)"$'\n'
      echo "-- $target, pass $pass"; grep -v '^Conditional' <<<"$out"
      ingest[$target,$pass]=$(awk '/^total:/ { gsub(",", ""); print $(NF - 1) }' <<<"$out")
    done
    kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'
  done
  printf '%s' "$note"
  printf '%-9s %16s %12s %16s %12s\n' server "pass 1 res/s" "ours/peer" "pass 2 res/s" "ours/peer"
  for target in peer $stores; do
    line=$(printf '%-9s' "$target")
    for pass in 1 2; do
      ratio=$([ "$target" = peer ] && echo "" || awk -v a="${ingest[$target,$pass]}" -v b="${ingest[peer,$pass]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
      line+=$(printf ' %16s %12s' "${ingest[$target,$pass]}" "$ratio")
    done
    echo "$line"
  done
fi
