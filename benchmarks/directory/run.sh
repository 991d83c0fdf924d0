#!/usr/bin/env bash
# Loads a generated directory extract (N practitioners, N roles, N/2 organizations) into a fresh store with the
# `load` verb, validation on (Validation:OnWrite=declared), and prints the verb's rate, where its time went (the stages
# of the write path: elapsed and CPU time each, GC pauses, the process's CPU) and the machine's load average around it.
# usage: benchmarks/directory/run.sh [N] [sqlite|postgres "connection string"] [batch]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-100000}
store=${2:-sqlite}
connection=${3:-}
batch=${4:-500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/generate.py" "$n" "$work/extract"
dll=${FHIRSERVER_DLL:-$here/../../FhirServer/bin/Release/net10.0/FhirServer.dll}
if [ "$store" = postgres ]; then args=(--store postgres --connection "$connection"); else args=(--data "$work/data"); fi
cd "$work"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
dotnet "$dll" load extract/organizations.ndjson extract/practitioners.ndjson extract/roles.ndjson --batch "$batch" "${args[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
