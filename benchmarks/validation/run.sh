#!/usr/bin/env bash
# Validation benchmark (see README.md): our validator beside the Firely .NET validator and FHIR.js, in one run, on the
# FR Core examples (against their meta.profile) and the R4 specification's examples (against the base).
#
#   benchmarks/validation/run.sh [--seconds 10] [--warmup 3] [--firely DLL] [--peer DIR] [--no-peers] [--check-timings] [--out DIR]
#
# --warmup S       seconds of our validations before our warm measures (tiered JIT; the peers have pass 1 only)
# --firely DLL     a FirelyPeer.dll already built (default: ../shared/peers/firely built into the temporary folder)
# --peer DIR       a prepared copy of ../shared/peers (npm install done) for FHIR.js; default: a fresh temporary copy
# --no-peers       our validator only
# --check-timings  also time every check over the warm loop (the invariants that dominate the cost)
# --out DIR        keep the per-file error counts (TSV) and the peers' output there (default: deleted at the end)
# ARTIFACTS_PATH   dotnet --artifacts-path (default /tmp/art-bench)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$repo/.." && pwd)/shared
seconds=10; warmup=3; firely=""; peer=""; peers=1; out=""; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --firely) firely=$2; shift 2 ;;
    --peer) peer=$2; shift 2 ;;
    --no-peers) peers=0; shift ;;
    --check-timings) extra+=(--check-timings); shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown argument $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
bench=validation
source "$repo/benchmarks/common.sh"
build_server
out=${out:-$work/out}; mkdir -p "$out"

if [ "$peers" = 1 ]; then
  if [ -z "$firely" ]; then
    say "Firely: building ../shared/peers/firely (Release) outside shared/"
    cp -r "$shared/peers/firely" "$work/firely"
    dotnet build -c Release "$work/firely" -o "$work/firely/out" -nologo -v q >"$work/firely-build.log" 2>&1 || { cat "$work/firely-build.log" >&2; exit 1; }
    firely="$work/firely/out/FirelyPeer.dll"
  fi
  if [ -z "$peer" ]; then
    say "FHIR.js: fresh copy of $shared/peers, npm install"
    peer="$work/peer"; mkdir -p "$peer"; cp "$shared/peers/"*.js* "$peer"
    (cd "$peer" && npm install --no-audit --no-fund >"$work/npm.log" 2>&1) || { cat "$work/npm.log" >&2; exit 1; }
  fi
  extra+=(--firely "$firely" --peer "$peer")
fi
fhir_bench validation --examples "$shared/fhir-examples" --seconds "$seconds" --warmup "$warmup" --out "$out" "${extra[@]}" \
  --package-sources "$shared/fhir-packages" --registry ""
