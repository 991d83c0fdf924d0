#!/usr/bin/env bash
# Directory searches at national scale (docs/french-flows.md, "Directory searches"): 1 M Practitioners, their 1 M
# PractitionerRoles and 100,000 Organizations on SQLite,
# `Practitioner?identifier=` by RPPS and by IdNatPS and `Practitioner?name=` (accents and case folded) under a
# closed-loop load against a server process, the values drawn at random from the stored practitioners.
#
#   benchmarks/directory/scale.sh [--data /work/scale-data] [--base 10000] [--copies 50] [--duration 10] [--clients 8] [--rounds 3]
#
# --data DIR   where the filled store is kept between runs (DIR/directory; delete it to fill again)
# --base N     the generator's base: N patients, 2 N practitioners with their roles, N / 5 organizations, loaded with
#              `load`; then --copies copies of the three (`bench search copies`): 2 N × copies practitioners and
#              roles, N / 5 × copies organizations (each copy's roles refer to its own practitioners and organizations)
# ARTIFACTS_PATH dotnet --artifacts-path (default /tmp/art-bench)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
bench=directory
source "$repo/benchmarks/common.sh"
scale_search directory Organization,Practitioner,PractitionerRole Organization,Practitioner,PractitionerRole 2 "$@"
