#!/usr/bin/env bash
# CardVault benchmark: the service next to the physical limit of its own database, same machine, same run.
#
#   bench/run.sh [POSTGRES_URL]        default postgresql://postgres@127.0.0.1:5432
#   BENCH_DURATION=10 (seconds per measurement)  BENCH_CONNECTIONS="1 8 32 64"
#   BENCH_WARMUP=60 BENCH_WARMUP_MAX=300 (load before the first measurement: at least the first,
#   then until the JIT compiler used under 2 % of the service's CPU for a round, at most the second;
#   on 2 cores shared with the database and wrk that took 90 to 120 s)
#
# Creates a fresh database (and drops it at the end), starts the packaged service on it with the
# dev keys (explicitly: QUARKUS_PROFILE=dev), and measures at each connection count:
#   limit    pgbench, durable: the cheapest (a single-row INSERT into a token-shaped table with only a
#            primary key; SELECT by key + INSERT into an audit-shaped table) and the service's own
#            schema (token INSERT; token SELECT + audit_event INSERT)
#   service  wrk: POST /v1/tokens (fresh Luhn-valid PAN each), single reveal, batch reveal of 100
#   CPU      of the service and of PostgreSQL during each run, from /proc: µs per request
# Prints the tables with service/limit ratios and writes them to bench/results/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pg_url=${1:-postgresql://postgres@127.0.0.1:5432}
duration=${BENCH_DURATION:-10}
conns=${BENCH_CONNECTIONS:-"1 8 32 64"}
port=${BENCH_PORT:-18080}
work=$(mktemp -d /tmp/cardvault-bench.XXXXXX)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
db="cardvault_bench_${stamp,,}"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y -q wrk >/dev/null; }
command -v pgbench >/dev/null || { echo "installing pgbench"; apt-get install -y -q postgresql-client >/dev/null; }

. "$here/lib.sh"
start_service
echo "service ready in ${startup_ms} ms (external PostgreSQL)"
postmaster=$(pg_postmaster)

export CV_TOKEN
CV_TOKEN=$("$root/keys-dev/mint-jwt.sh" --sub bench-agent --groups tokenizer,detokenizer --tenant bench --ttl 86400)
created_total=0
# Every measurement starts right after a checkpoint: the pgbench runs write WAL fast enough to
# trigger one every 40 to 60 s, and one landing inside a 10 s measurement stalls its commits.
checkpoint() { psql_super -d "$db" -c CHECKPOINT >/dev/null; }
# wrk output → "rps p50_ms p99_ms non2xx requests created svc_us_per_req pg_us_per_req"
run_wrk() { # conns script url; seconds=N run_wrk ... for another length than $duration (warm-up: no checkpoint)
  local c=$1 script=$2 path=$3 out s0 p0 s1 p1
  [ -n "${seconds:-}" ] || checkpoint
  s0=$(proc_ticks "$svc"); p0=$(pg_ticks "$postmaster")
  out=$(wrk -t"$(( c < 2 ? 1 : 2 ))" -c"$c" -d"${seconds:-$duration}s" --timeout 10s --latency -s "$here/lua/$script" "http://localhost:$port$path" 2>&1)
  s1=$(proc_ticks "$svc"); p1=$(pg_ticks "$postmaster")
  echo "$out" > "$work/wrk-$script-$c.txt"
  local rps p50 p99 non2xx req created
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
  req=$(awk '/requests in/ {print $1}' <<<"$out")
  created=$(awk '/^CREATED/ {print $2}' <<<"$out"); created=${created:-0}
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $non2xx $req $created $(us_per_op $(( s1 - s0 )) "$req") $(us_per_op $(( p1 - p0 )) "$req")"
}
to_ms() { # wrk prints 1.23ms / 456.00us / 1.02s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 } else print "?" }'
}
# pgbench → "tps p50_ms p99_ms pg_us_per_transaction" (the last is rough: pgbench's backends exit as it ends)
run_pgbench() { # conns script [defines...]
  local c=$1 script=$2; shift 2
  rm -f "$work"/pgb*
  checkpoint
  local out p0 p1
  p0=$(pg_ticks "$postmaster")
  out=$(cd "$work" && pgbench -h "$host" -p "$pgport" -U "$role" -n -M prepared -c "$c" -j $(( c < 2 ? 1 : 2 )) \
        -T "$duration" -l --log-prefix=pgb "$@" -f "$here/$script" "$db" 2>&1)
  local tps
  p1=$(pg_ticks "$postmaster")
  tps=$(awk '/^tps/ {print $3; exit}' <<<"$out")
  if [ -z "$tps" ]; then
    # e.g. more clients than the server's max_connections leaves next to the service's pool
    echo "$out" > "$work/pgbench-error-$c.txt"
    echo "n/a n/a n/a n/a"
    return
  fi
  cat "$work"/pgb* | awk '{print $3}' | sort -n > "$work/lat.txt"
  local n p50 p99
  n=$(wc -l < "$work/lat.txt")
  p50=$(awk -v n="$n" 'NR==int(n*0.50)+1 {printf "%.2f", $1/1000; exit}' "$work/lat.txt")
  p99=$(awk -v n="$n" 'NR==int(n*0.99)+1 {printf "%.2f", $1/1000; exit}' "$work/lat.txt")
  echo "${tps%.*} $p50 $p99 $(us_per_op $(( p1 - p0 )) "$n")"
}

warmup=${BENCH_WARMUP:-60}
warmup_max=${BENCH_WARMUP_MAX:-300}
echo "warming up (at least ${warmup}s, until the JIT compiler is quiet) and creating tokens for the reveal runs"
CV_SAVE="$work/tokens" seconds=10 run_wrk 16 tokenize.lua /v1/tokens > "$work/warm.txt"
use_saved_tokens
warm_round() { # every measured path, in the measurement's proportions
  seconds=6 run_wrk 16 tokenize.lua /v1/tokens >> "$work/warm.txt"
  seconds=3 run_wrk 16 reveal.lua /v1/tokens/x/detokenize >/dev/null
  seconds=3 run_wrk 16 batch.lua /v1/detokenizations >/dev/null
}
warm_up "$warmup" "$warmup_max" warm_round
warmed_s=$(( warmed_s + 10 )) # the token-saving run is load too
created_total=$(( created_total + $(awk '{n += $6} END {print n}' "$work/warm.txt") ))
echo "warm after ${warmed_s}s (JIT compiler ${jit_pct} % of the service's CPU in the last round)"
dk=$(psql_bench -c "SELECT min(id) FROM data_key")
psql_bench <<SQL
CREATE SEQUENCE bench_seq;
INSERT INTO token (token, tenant, format, deterministic, fingerprint, brand, bin, last4, exp_month, exp_year,
                   data_key_id, ciphertext)
SELECT 'pgbtok_' || i, 'bench', 'RANDOM', false, decode(md5(i::text), 'hex'), 'VISA', '411111', '1111', 12, 2031,
       $dk, decode(md5(i::text) || md5(i::text) || md5(i::text) || md5(i::text), 'hex')
FROM generate_series(1, 100000) i;
ANALYZE token;
-- The cheapest limits' tables: the same shapes with only a primary key, no triggers.
CREATE TABLE bench_plain_token (LIKE token INCLUDING DEFAULTS, PRIMARY KEY (token));
INSERT INTO bench_plain_token SELECT * FROM token WHERE token LIKE 'pgbtok_%';
CREATE TABLE bench_plain_audit (seq bigint PRIMARY KEY, at timestamptz NOT NULL, type text NOT NULL, subject text,
  tenant text, token text, purpose text, outcome text NOT NULL, source_ip text, request_id text, prev_hash text NOT NULL,
  hash text NOT NULL);
ANALYZE bench_plain_token;
SQL
n_bench=100000

rows=()
rss_kb=""
for c in $conns; do
  echo "== $c connection(s)"
  li=$(run_pgbench "$c" limit_insert.sql -D dk="$dk")
  lr=$(run_pgbench "$c" limit_reveal.sql -D n="$n_bench")
  lip=$(run_pgbench "$c" limit_insert_plain.sql -D dk="$dk")
  lrp=$(run_pgbench "$c" limit_reveal_plain.sql -D n="$n_bench")
  sampler=""
  if [ "$c" = 32 ]; then ( sleep $(( duration / 2 )); ps -o rss= -p "$svc" > "$work/rss.txt" ) & sampler=$!; fi
  st=$(run_wrk "$c" tokenize.lua /v1/tokens)
  created_total=$(( created_total + $(awk '{print $6}' <<<"$st") ))
  if [ -n "$sampler" ]; then wait "$sampler"; rss_kb=$(tr -d ' ' < "$work/rss.txt"); fi
  sr=$(run_wrk "$c" reveal.lua /v1/tokens/x/detokenize)
  sb=$(run_wrk "$c" batch.lua /v1/detokenizations)
  rows+=("$c|$li|$lr|$lip|$lrp|$st|$sr|$sb")
done
# What any request costs: no authentication, no database, no body.
floor=$(run_wrk 32 health.lua /q/health/live)
in_flight_max=$(( 16 * $(wc -l < "$work/warm.txt") ))
for c in $conns; do in_flight_max=$(( in_flight_max + c )); done
sleep 1
stored=$(psql_bench -c "SELECT count(*) FROM token WHERE tenant = 'bench' AND token NOT LIKE 'pgb%'")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf "%.2f", a / b; else printf "n/a" }'; }
cpu=$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')
pgver=$(psql_super -d postgres -c "SHOW server_version")
jdk=$(java -version 2>&1 | head -1)
report="$here/results/$stamp.md"
{
  echo "# CardVault benchmark $stamp"
  echo
  echo "Machine: $cpu, $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; PostgreSQL $pgver at $host:$pgport (durable: fsync=$(psql_super -d postgres -c 'SHOW fsync'), synchronous_commit=$(psql_super -d postgres -c 'SHOW synchronous_commit')); $jdk"
  echo "Each figure: ${duration}s after ${warmed_s}s of warm-up load (the JIT compiler used ${jit_pct} % of the service's CPU in its last round); service and database share the machine. Start-up to ready (external DB): ${startup_ms} ms. RSS under 32-connection tokenize load: $(( ${rss_kb:-0} / 1024 )) MiB."
  read -r flr _ _ _ _ _ flsvc _ <<<"$floor"
  printf "The floor, GET /q/health/live at 32 connections (no authentication, database or body): %.0f rps, %s µs of service CPU per request.\n" "$flr" "$flsvc"
  echo
  echo "Limits are durable pgbench runs on the same database: *cheapest* = a token-shaped (or audit-shaped) table with only"
  echo "a primary key; *own schema* = the service's tables with their indexes, constraints and triggers. CPU µs are per"
  echo "request (per transaction for pgbench), sampled from /proc over the whole run: the service's JVM and every PostgreSQL"
  echo "process."
  echo
  echo "### Tokenize"
  echo
  echo "| conns | cheapest INSERT tps (p99 ms) | own-schema INSERT tps (p99 ms) | tokenize rps | p50 / p99 ms | non-2xx | / cheapest | / own schema | service µs/req | PostgreSQL µs/req | service / PostgreSQL |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for r in "${rows[@]}"; do
    IFS='|' read -r c li lr lip lrp st sr sb <<<"$r"
    read -r lit _ lip99 _ <<<"$li"; read -r lipt _ lipp99 _ <<<"$lip"
    read -r str stp50 stp99 stn _ _ stsvc stpg <<<"$st"
    printf "| %s | %s (%s) | %s (%s) | %.0f | %s / %s | %s | %s | %s | %s | %s | %s |\n" "$c" "$lipt" "$lipp99" "$lit" "$lip99" \
      "$str" "$stp50" "$stp99" "$stn" "$(ratio "$str" "$lipt")" "$(ratio "$str" "$lit")" "$stsvc" "$stpg" "$(ratio "$stsvc" "$stpg")"
  done
  echo
  echo "### Reveal"
  echo
  echo "| conns | cheapest SELECT+audit tps (p99 ms) | own-schema SELECT+audit tps (p99 ms) | reveal rps | p50 / p99 ms | non-2xx | / cheapest | / own schema | service µs/req | PostgreSQL µs/req | service / PostgreSQL | batch of 100: req/s (PANs/s) | p50 / p99 ms | non-2xx | batch PANs / single |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for r in "${rows[@]}"; do
    IFS='|' read -r c li lr lip lrp st sr sb <<<"$r"
    read -r lrt _ lrp99 _ <<<"$lr"; read -r lrpt _ lrpp99 _ <<<"$lrp"
    read -r srr srp50 srp99 srn _ _ srsvc srpg <<<"$sr"; read -r sbr sbp50 sbp99 sbn _ _ _ _ <<<"$sb"
    pans=$(awk -v a="$sbr" 'BEGIN { printf "%.0f", a * 100 }')
    ratio_b=$(awk -v a="$sbr" -v b="$srr" 'BEGIN { printf "%.1f", (b > 0 ? a * 100 / b : 0) }')
    printf "| %s | %s (%s) | %s (%s) | %.0f | %s / %s | %s | %s | %s | %s | %s | %s | %.0f (%s) | %s / %s | %s | %s× |\n" "$c" "$lrpt" "$lrpp99" \
      "$lrt" "$lrp99" "$srr" "$srp50" "$srp99" "$srn" "$(ratio "$srr" "$lrpt")" "$(ratio "$srr" "$lrt")" "$srsvc" "$srpg" \
      "$(ratio "$srsvc" "$srpg")" "$sbr" "$pans" "$sbp50" "$sbp99" "$sbn" "$ratio_b"
  done
  echo
  echo "Stored tokens: $stored; successful tokenizations counted by wrk: $created_total. wrk does not count requests still in flight when it stops, so stored may exceed counted by at most the sum of the connection counts of the tokenize runs, warm-up included ($in_flight_max)."
} > "$report"
cat "$report"
echo "written to $report"
diff=$(( stored - created_total ))
if [ "$diff" -lt 0 ] || [ "$diff" -gt "$in_flight_max" ]; then
  echo "FAIL: stored tokens ($stored) do not match successful tokenizations ($created_total)" >&2
  exit 1
fi
