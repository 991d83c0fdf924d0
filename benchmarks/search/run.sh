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
artifacts=${ARTIFACTS_PATH:-/tmp/art-bench}
work=$(mktemp -d /tmp/fhir-search-bench.XXXXXX); chmod 755 "$work" # the postgres user runs the throwaway server
pids=(); pgdata=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$pgdata" ]; then bash "$shared/peers/pg-stop.sh" "$pgdata" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "== $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { # url log
  for _ in $(seq 1 240); do curl -sf -o /dev/null "$1" && return 0; sleep 0.25; done
  echo "server at $1 did not start; its log:" >&2; cat "$2" >&2; exit 1
}

say "building (Release)"
dotnet build -c Release "$repo/FhirServer" --artifacts-path "$artifacts" -nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
server_dll="$artifacts/bin/FhirServer/release/FhirServer.dll"
fhir() { dotnet "$server_dll" "$@"; }
start_ours() { # name store extra args... → prints the base URL
  local name=$1 store=$2; shift 2
  local port; port=$(free_port)
  # From the build folder, so that its appsettings.json sets the log levels (no line per request).
  (cd "$(dirname "$server_dll")" && exec dotnet "$server_dll" --urls "http://127.0.0.1:$port" --package-sources "$shared/fhir-packages" \
    --registry "" --store "$store" "$@") >"$work/$name.log" 2>&1 & pids+=($!)
  wait_up "http://127.0.0.1:$port/ready" "$work/$name.log"
  base="http://127.0.0.1:$port"
}

if [[ " $stores " == *" postgres "* ]]; then
  if [ -z "$pg" ]; then
    pgdata="$work/pgdata"; pg_port=$(free_port)
    say "PostgreSQL: throwaway server on port $pg_port"
    PGPORT=$pg_port bash "$shared/peers/pg-start.sh" "$pgdata" >/dev/null
    pg="Host=127.0.0.1;Port=$pg_port;Username=postgres"
  fi
  pg_host=$(sed -nE 's/.*Host=([^;]+).*/\1/ip' <<<"$pg"); pg_port=$(sed -nE 's/.*Port=([^;]+).*/\1/ip' <<<"$pg")
  pg_user=$(sed -nE 's/.*Username=([^;]+).*/\1/ip' <<<"$pg"); pg_port=${pg_port:-5432}; pg_user=${pg_user:-postgres}
  PGOPTIONS="-c client_min_messages=warning" psql "postgresql://$pg_user@$pg_host:$pg_port/postgres" -qAtc "DROP DATABASE IF EXISTS fhir_bench_search" \
    -c "CREATE DATABASE fhir_bench_search" >/dev/null
  pg_conn="$(sed -E 's/;?Database=[^;]*//I' <<<"$pg");Database=fhir_bench_search"
fi

search_bases=(); search_names=()
for s in $stores; do
  if [ "$s" = postgres ]; then start_ours postgres postgres --connection "$pg_conn"
  else mkdir -p "$work/sqlite"; start_ours sqlite sqlite --data "$work/sqlite"; fi
  say "$s: loading Synthea × $copies"
  echo "-- load, $s"
  fhir bench search load "$base" "$synthea" --copies "$copies" --clients "$load_clients"
  search_bases+=("$base"); search_names+=("$s")
done
echo
fhir bench search query "${search_bases[@]}" --names "$(IFS=,; echo "${search_names[*]}")" --duration "$duration" --clients "$clients" --rounds "$rounds"

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
  mkdir -p "$work/sqlite-peer"; start_ours sqlite-10k sqlite --data "$work/sqlite-peer"
  fhir bench load "$base" "$work/patients.ndjson" --batch 500 --clients 2 >&2
  echo "Side by side: the same 10,000 patients (gen-patients.js) in the Medplum in-memory router and in our server (SQLite)"
  out=$(fhir bench search query "$peer_base" "$base" --names peer,sqlite --queries family --duration "$duration" --clients "$clients" --rounds "$rounds")
  echo "$out"
  awk '$1 == "family" && $2 == "peer" { p = $4 } $1 == "family" && $2 == "sqlite" { o = $4 }
       END { gsub(",", "", p); gsub(",", "", o); if (p > 0) printf "Patient?family=: ours/peer = %.0f× (goal ≥ 100×)\n", o / p }' <<<"$out"
fi
