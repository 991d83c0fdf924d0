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
bench=documents
source "$repo/benchmarks/common.sh"
scale_search documents Patient,DocumentReference Patient,DocumentReference 1 "$@"
