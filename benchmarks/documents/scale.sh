#!/usr/bin/env bash
# ITI-67 at national scale (docs/french-flows.md, "ITI-67"): 1 M DocumentReferences and their Patients on SQLite,
# `DocumentReference?patient.identifier=<INS>&status=current` under a closed-loop load against a server process, the
# INS values drawn at random from the stored patients.
#
#   benchmarks/documents/scale.sh [--data /work/scale-data] [--base 10000] [--copies 50] [--duration 10] [--clients 8] [--rounds 3]
#
# --data DIR   where the filled store is kept between runs (DIR/documents; delete it to fill again)
# --base N     the generator's base: N patients and their 2 N DocumentReferences, loaded with `load`; then --copies
#              copies of both (`bench search copies`): N × copies patients, 2 N × copies DocumentReferences
# ARTIFACTS_PATH dotnet --artifacts-path (default /tmp/art-bench)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
data=/work/scale-data; base_patients=10000; copies=50; duration=10; clients=8; rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data=$2; shift 2 ;;
    --base) base_patients=$2; shift 2 ;;
    --copies) copies=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown argument $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
bench=documents
source "$repo/benchmarks/common.sh"
build_server
scale_store documents Patient,DocumentReference Patient,DocumentReference
start_server sqlite sqlite --data "$data/documents"
echo "load average: $(cat /proc/loadavg)"
fhir_bench search french "$base" --set documents --originals "$base_patients" --copies "$copies" \
  --duration "$duration" --clients "$clients" --rounds "$rounds"
echo "load average: $(cat /proc/loadavg)"
