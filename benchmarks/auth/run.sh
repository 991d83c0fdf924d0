#!/usr/bin/env bash
# SMART authorization benchmark (see ../rest/README.md, "Authorization"; docs/authorization.md, "Cost"): copies of the
# same SQLite data served side by side with --auth off and with --auth smart and real access tokens from the server's
# token endpoint, each measure off then smart, round after round; then the token endpoint's rate (ES256 and RS256).
#
#   benchmarks/auth/run.sh [--patients 1000] [--seconds 10] [--clients 8] [--tokens 5000] [--rounds 3]
#
# Prints req/s off and smart and their ratio for GET Patient/{id} (goal ≥ 85 %) and the patient-compartment searches
# (goal ≥ 70 %), and backend services tokens/s (goal ≥ 1,000/s). ARTIFACTS_PATH: dotnet --artifacts-path (default
# /tmp/art-bench).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
patients=1000; seconds=10; clients=8; tokens=5000; rounds=3
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
# From the repository: the in-process servers find ../shared/fhir-packages from there.
cd "$repo"
cat /proc/loadavg >&2
fhir_bench smart --patients "$patients" --seconds "$seconds" --clients "$clients" --tokens "$tokens" --rounds "$rounds" \
  --package-sources "$shared/fhir-packages" --registry "" --request-log false
cat /proc/loadavg >&2
