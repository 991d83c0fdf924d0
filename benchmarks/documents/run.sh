#!/usr/bin/env bash
# DMP document throughput (issue 24): ITI-65 Provide Document Bundle and ITI-68 Retrieve Document against a server of
# ours (Release build) on each store, with the server's resident memory (`bench documents`, see
# benchmarks/FhirServer.Benchmarks/DocumentBenchCommand.cs; figures in docs/french-flows.md).
#
#   benchmarks/documents/run.sh [--stores "sqlite postgres"] [--pg CONN] [any option of `bench documents`…]
#
# e.g. --clients 4 --bundles 200 --pdf-mb 1 --doc-mb 10 --seconds 20 --only iti65
# --pg CONN       use this PostgreSQL (Npgsql connection string) instead of starting a throwaway one; the database
#                 fhir_bench_documents is dropped and re-created in it
# ARTIFACTS_PATH  dotnet --artifacts-path (default /tmp/art-bench)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
pg=""; stores="sqlite postgres"; rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --stores) stores=$2; shift 2 ;;
    --pg) pg=$2; shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done
bench=documents
source "$repo/benchmarks/common.sh"
build_server
if [[ " $stores " == *" postgres "* ]]; then postgres_setup; fi

for s in $stores; do
  if [ "$s" = postgres ]; then start_server postgres postgres --connection "$(pg_database fhir_bench_documents)"
  else mkdir -p "$work/sqlite"; start_server sqlite sqlite --data "$work/sqlite"; fi
  server_pid=${pids[-1]}
  say "$s: server $server_pid at $base"
  echo "== $s"
  fhir_bench documents "$base" --pid "$server_pid" "${rest[@]}"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
done
