#!/usr/bin/env bash
# Search benchmark (see README.md): Synthea multiplied to a target size, loaded through the server on SQLite and
# PostgreSQL; a closed-loop load on each search of the issue; Patient?family= side by side with the Medplum peer.
#
#   benchmarks/search/run.sh [--copies 4] [--stores "sqlite postgres"] [--duration 10] [--clients 8] [--rounds 1]
#                            [--load-clients 4] [--peer DIR] [--no-peer] [--pg CONN] [--synthea DIR]
#
# --copies N     copies of the 43 Synthea patient Bundles (≈ 23.5 k resources each) on top of the 4.8 k hospital and
#                practitioner resources: 4 → ≈ 100 k resources, 42 → ≈ 1 M
# --peer DIR     a prepared copy of ../shared/peers (npm install done); default: a fresh temporary copy
# --pg CONN      an existing PostgreSQL (Npgsql connection string); the database fhir_bench_search is re-created in it
# ARTIFACTS_PATH dotnet --artifacts-path (default /tmp/art-bench)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
peer=""; pg=""; stores="sqlite postgres"; copies=4; duration=10; clients=8; rounds=1; load_clients=4; do_peer=1
synthea="$shared/suites/synthea-r4"
while [ $# -gt 0 ]; do
  case "$1" in
    --copies) copies=$2; shift 2 ;;
    --stores) stores=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --load-clients) load_clients=$2; shift 2 ;;
    --peer) peer=$2; shift 2 ;;
    --no-peer) do_peer=0; shift ;;
    --pg) pg=$2; shift 2 ;;
    --synthea) synthea=$2; shift 2 ;;
    *) echo "unknown argument $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
bench=search
source "$repo/benchmarks/common.sh"
build_server

if [[ " $stores " == *" postgres "* ]]; then postgres_setup; pg_conn=$(pg_database fhir_bench_search); fi

search_bases=(); search_names=()
for s in $stores; do
  if [ "$s" = postgres ]; then start_server postgres postgres --connection "$pg_conn"
  else mkdir -p "$work/sqlite"; start_server sqlite sqlite --data "$work/sqlite"; fi
  say "$s: loading Synthea × $copies"
  echo "-- load, $s"
  fhir_bench search load "$base" "$synthea" --copies "$copies" --clients "$load_clients"
  search_bases+=("$base"); search_names+=("$s")
done
echo
fhir_bench search query "${search_bases[@]}" --names "$(IFS=,; echo "${search_names[*]}")" --duration "$duration" --clients "$clients" --rounds "$rounds"

if [ "$do_peer" = 1 ]; then
  echo
  if [ -z "$peer" ]; then
    say "peer: fresh copy of $shared/peers, npm install"
    peer="$work/peer"; mkdir -p "$peer"; cp -r "$shared/peers/." "$peer"
    (cd "$peer" && npm install --no-audit --no-fund >"$work/npm.log" 2>&1) || { cat "$work/npm.log" >&2; exit 1; }
  fi
  peer=$(cd "$peer" && pwd)
  node "$peer/gen-patients.js" 10000 "$work/patients.ndjson" >/dev/null
  port=$(free_port)
  node "$peer/medplum-server.js" "$port" "$work/patients.ndjson" >"$work/peer.log" 2>&1 & pids+=($!)
  wait_up "http://127.0.0.1:$port/fhir/R4/metadata" "$work/peer.log"
  peer_base="http://127.0.0.1:$port/fhir/R4"
  mkdir -p "$work/sqlite-peer"; start_server sqlite-10k sqlite --data "$work/sqlite-peer"
  fhir_bench load "$base" "$work/patients.ndjson" --batch 500 --clients 2 >&2
  echo "Side by side: the same 10,000 patients (gen-patients.js) in the Medplum in-memory router and in our server (SQLite)"
  out=$(fhir_bench search query "$peer_base" "$base" --names peer,sqlite --queries family --duration "$duration" --clients "$clients" --rounds "$rounds")
  echo "$out"
  awk '$1 == "family" && $2 == "peer" { p = $4 } $1 == "family" && $2 == "sqlite" { o = $4 }
       END { gsub(",", "", p); gsub(",", "", o); if (p > 0) printf "Patient?family=: ours/peer = %.0f× (goal ≥ 100×)\n", o / p }' <<<"$out"
fi
