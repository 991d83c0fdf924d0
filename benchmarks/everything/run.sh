#!/usr/bin/env bash
# Patient/$everything on one patient with a few thousand resources (docs/french-flows.md, "Patient/$everything").
#
#   benchmarks/everything/run.sh [--stores "sqlite postgres"] [--resources 3000] [--count 500] [--rounds 5] [--pg CONN]
#
# Loads one patient's compartment (Observations, Immunizations, MedicationRequests, Encounters in transactions of 500),
# a second patient of the same size beside it, then walks $everything page by page (next links) --rounds times and
# prints, per round, the pages, the resources and the rate (resources/s, pages/s). ARTIFACTS_PATH as common.sh.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
stores="sqlite postgres"; resources=3000; count=500; rounds=5; pg=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stores) stores=$2; shift 2 ;;
    --resources) resources=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --pg) pg=$2; shift 2 ;;
    *) echo "unknown argument $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
bench=everything
source "$repo/benchmarks/common.sh"
say "building the server (Release)"
dotnet build -c Release "$repo/FhirServer" --artifacts-path "$artifacts" -nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
server_dll="$artifacts/bin/FhirServer/release/FhirServer.dll"

for store in $stores; do
  args=(--data "$work/data-$store")
  if [ "$store" = postgres ]; then postgres_setup; args=(--connection "$(pg_database fhir_bench_everything)"); fi
  start_server "$store" "$store" "${args[@]}"
  say "$store: loading 2 patients of $resources resources"
  python3 "$repo/benchmarks/everything/everything.py" "$base" "$resources" "$count" "$rounds" "$store"
done
