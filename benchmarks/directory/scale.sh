#!/usr/bin/env bash
# Directory searches at national scale (docs/french-flows.md, "Directory searches"): 1 M Practitioners on SQLite,
# `Practitioner?identifier=` by RPPS and by IdNatPS and `Practitioner?name=` (accents and case folded) under a
# closed-loop load against a server process, the values drawn at random from the stored practitioners.
#
#   benchmarks/directory/scale.sh [--data /work/scale-data] [--base 10000] [--copies 50] [--duration 10] [--clients 8] [--rounds 3]
#
# --data DIR   where the filled store is kept between runs (DIR/directory; delete it to fill again)
# --base N     the generator's base: N patients, 2 N practitioners with their roles, N / 5 organizations, loaded with
#              `load`; then --copies copies of the Practitioners (`bench search copies`): 2 N × copies practitioners
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
bench=directory
source "$repo/benchmarks/common.sh"
build_server
scale_store directory Organization,Practitioner,PractitionerRole Practitioner
start_server sqlite sqlite --data "$data/directory"
echo "load average: $(cat /proc/loadavg)"
fhir_bench search french "$base" --set directory --originals $((2 * base_patients)) --copies "$copies" \
  --duration "$duration" --clients "$clients" --rounds "$rounds"
echo "load average: $(cat /proc/loadavg)"
