# Sourced by benchmarks/*/run.sh after they set repo, shared and bench (a short name for the temporary folder).
# Gives: work (a temporary folder), pids (processes to stop) and pgdata (a throwaway PostgreSQL to stop), all cleaned
# up on exit; say, free_port, wait_up; build_server (the server and benchmarks/FhirServer.Benchmarks in Release, into
# $ARTIFACTS_PATH, default /tmp/art-bench), which sets server_dll and bench_dll; fhir_bench (runs a benchmark of
# FhirServer.Benchmarks); start_server (a server of ours in the background); postgres_setup and
# pg_database (a fresh database on $pg or on a throwaway PostgreSQL); wrk_parse (wrk's text output → one line).
artifacts=${ARTIFACTS_PATH:-/tmp/art-bench}
work=$(mktemp -d "/tmp/fhir-$bench-bench.XXXXXX"); chmod 755 "$work" # the postgres user runs the throwaway server
pids=(); pgdata=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$pgdata" ]; then bash "$shared/peers/pg-stop.sh" "$pgdata" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "== $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { # url log
  for _ in $(seq 1 240); do curl -sf -o /dev/null "$1" && return 0; sleep 0.25; done
  echo "server at $1 did not start; its log:" >&2; cat "$2" >&2; exit 1
}
build_server() {
  say "building (Release)"
  dotnet build -c Release "$repo/benchmarks/FhirServer.Benchmarks" --artifacts-path "$artifacts" -nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  server_dll="$artifacts/bin/FhirServer/release/FhirServer.dll"
  bench_dll="$artifacts/bin/FhirServer.Benchmarks/release/FhirServer.Benchmarks.dll"
}
fhir_bench() { dotnet "$bench_dll" "$@"; }
start_server() { # log name, store, extra server args… → sets base (the server's URL)
  local name=$1 store=$2; shift 2
  local port; port=$(free_port)
  # The server reads appsettings.json beside its dll wherever it runs; from the build folder, its data/ (when no
  # --data is given) stays out of the caller's folder. No request log: comparable with the runs before it existed
  # (its cost is in benchmarks/rest/README.md).
  (cd "$(dirname "$server_dll")" && exec dotnet "$server_dll" --urls "http://127.0.0.1:$port" --package-sources "$shared/fhir-packages" \
    --registry "" --request-log false --store "$store" "$@") >"$work/$name.log" 2>&1 & pids+=($!)
  wait_up "http://127.0.0.1:$port/ready" "$work/$name.log"
  base="http://127.0.0.1:$port"
}
postgres_setup() { # uses $pg (an Npgsql connection string; empty: start a throwaway server) → sets pg_base, for pg_database
  if [ -z "$pg" ]; then
    pgdata="$work/pgdata"; local port; port=$(free_port)
    say "PostgreSQL: throwaway server on port $port"
    PGPORT=$port bash "$shared/peers/pg-start.sh" "$pgdata" >/dev/null
    pg="Host=127.0.0.1;Port=$port;Username=postgres"
  fi
  pg_host=$(sed -nE 's/.*Host=([^;]+).*/\1/ip' <<<"$pg"); pg_port=$(sed -nE 's/.*Port=([^;]+).*/\1/ip' <<<"$pg")
  pg_user=$(sed -nE 's/.*Username=([^;]+).*/\1/ip' <<<"$pg"); pg_port=${pg_port:-5432}; pg_user=${pg_user:-postgres}
  pg_base=$(sed -E 's/;?Database=[^;]*//I' <<<"$pg")
}
pg_database() { # name → the connection string of a fresh (dropped and re-created) database of that name
  PGOPTIONS="-c client_min_messages=warning" psql "postgresql://$pg_user@$pg_host:$pg_port/postgres" -qAtc "DROP DATABASE IF EXISTS $1" \
    -c "CREATE DATABASE $1" >/dev/null
  echo "$pg_base;Database=$1"
}
# wrk text output → "req/s p50_ms p99_ms non2xx"
wrk_parse() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; return v * 1000 }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 } /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, bad }'
}
# National-scale stores (benchmarks/directory/scale.sh, benchmarks/documents/scale.sh): scale_store set types copy_types
# fills $data/$set (a SQLite --data folder) unless it is there: the generator's base ($base_patients patients,
# 2 × as many practitioners) written as NDJSON, the files of $types loaded with the `load` verb (the server's write path,
# validation off: the index rows do not depend on it), then `bench search copies` multiplies the resources of
# $copy_types to $copies copies. The store stays for the next runs (delete the folder to fill again); its file
# `filled` says what it holds (base and copies), which then replace the options.
scale_store() {
  local set=$1 types=$2 copy_types=$3
  local folder="$data/$set" gen="$data/base-$base_patients"
  if [ -f "$folder/fhir.db" ] && [ -f "$folder/filled" ]; then
    # What the store holds, not what was asked: the values are drawn from the copies there are (the line's first
    # "copies N", not the "copies N s" of the time it took).
    say "$set: the store in $folder is filled ($(cat "$folder/filled"))"
    base_patients=$(sed -nE 's/^base ([0-9]+) .*/\1/p' "$folder/filled"); copies=$(sed -nE 's/^base [0-9]+ patients, copies ([0-9]+) .*/\1/p' "$folder/filled")
    return
  fi
  rm -rf "$folder"; mkdir -p "$folder"
  if [ ! -f "$gen/sample.env" ]; then
    say "generating the base: $base_patients patients, $((2 * base_patients)) practitioners"
    rm -rf "$gen"
    dotnet "$server_dll" generate --patients "$base_patients" --practitioners $((2 * base_patients)) --seed 1 --format ndjson \
      --types Organization,Practitioner,PractitionerRole,Patient,DocumentReference --out "$gen"
  fi
  local files=(); for t in ${types//,/ }; do files+=("$gen/$t.ndjson"); done
  say "$set: load ${files[*]} (validation off)"
  local t0=$SECONDS
  (cd "$folder" && dotnet "$server_dll" load "${files[@]}" --data "$folder" --checkpoint "$work/$set.checkpoint" --restart \
    --package-sources "$shared/fhir-packages" --registry "" --Validation:OnWrite=off 2>"$work/$set-load.log") || { cat "$work/$set-load.log" >&2; exit 1; }
  local t1=$SECONDS
  say "$set: $copies copies of $copy_types"
  fhir_bench search copies "$folder/fhir.db" --copies "$copies" --types "$copy_types"
  echo "base $base_patients patients, copies $copies of $copy_types; load $((t1 - t0)) s, copies $((SECONDS - t1)) s" >"$folder/filled"
}

# The run of a national-scale search benchmark (benchmarks/directory/scale.sh, benchmarks/documents/scale.sh):
# scale_search set types copy_types originals_per_patient "$@" — the scripts' options (see their heads), the store
# filled (scale_store), a server on it, then `bench search french --set $set` with the stored originals
# (originals_per_patient × the base) and copies.
scale_search() {
  local set=$1 types=$2 copy_types=$3 per_patient=$4; shift 4
  data=/work/scale-data; base_patients=10000; copies=50
  local duration=10 clients=8 rounds=3
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
  build_server
  scale_store "$set" "$types" "$copy_types"
  start_server sqlite sqlite --data "$data/$set"
  echo "load average: $(cat /proc/loadavg)"
  fhir_bench search french "$base" --set "$set" --originals $((per_patient * base_patients)) --copies "$copies" \
    --duration "$duration" --clients "$clients" --rounds "$rounds"
  echo "load average: $(cat /proc/loadavg)"
}
