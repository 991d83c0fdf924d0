#!/usr/bin/env bash
# SMART authorization benchmark (see ../rest/README.md, "Authorization"): the same SQLite data served with --auth off,
# then with --auth smart and real access tokens from the server's token endpoint; then the token endpoint's rate.
#
#   benchmarks/auth/run.sh [--patients 1000] [--seconds 10] [--clients 8] [--tokens 5000] [--rounds 1]
#
# Prints req/s off and smart and their ratio for GET Patient/{id} (goal ≥ 85 %) and the patient-compartment searches
# (goal ≥ 70 %), and backend services tokens/s (goal ≥ 1,000/s). ARTIFACTS_PATH: dotnet --artifacts-path (default
# /tmp/art-bench).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
patients=1000; seconds=10; clients=8; tokens=5000; rounds=1
while [ $# -gt 0 ]; do
  case "$1" in
    --patients) patients=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --tokens) tokens=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown argument $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
bench=auth
source "$repo/benchmarks/common.sh"
build_server
for r in $(seq 1 "$rounds"); do
  say "round $r/$rounds"
  fhir_bench smart --patients "$patients" --seconds "$seconds" --clients "$clients" --tokens "$tokens" \
    --package-sources "$shared/fhir-packages" --registry "" --request-log false
done
