#!/usr/bin/env bash
# Terminology benchmark (see README.md): `terminology membership` in process, then `terminology http` against a
# fresh SQLite server of ours.
#
#   benchmarks/terminology/run.sh [--duration 10] [--clients 8]
#
# ARTIFACTS_PATH dotnet --artifacts-path (default /tmp/art-bench)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
duration=10; clients=8
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    *) echo "unknown argument $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
bench=terminology
source "$repo/benchmarks/common.sh"
build_server
fhir_bench terminology membership --package-sources "$shared/fhir-packages" --registry ""
mkdir -p "$work/sqlite"; start_server sqlite sqlite --data "$work/sqlite"
fhir_bench terminology http "$base" --package-sources "$shared/fhir-packages" --registry "" --duration "$duration" --clients "$clients"
