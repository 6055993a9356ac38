#!/usr/bin/env bash
# Bulk import throughput: one NDJSON file of fresh Luhn-valid cards through POST /v1/imports.
#
#   bench/import.sh [POSTGRES_URL]      default postgresql://postgres@127.0.0.1:5432
#   BENCH_IMPORT_LINES=200000
#
# Creates a fresh database (dropped at the end), starts the packaged service on it with the dev
# keys, sends the file once with curl, and prints cards/s, the service's and PostgreSQL's CPU per
# card, and whether every line got a token (stored = created = lines). Appends to bench/results/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pg_url=${1:-postgresql://postgres@127.0.0.1:5432}
lines=${BENCH_IMPORT_LINES:-200000}
port=${BENCH_PORT:-18080}
work=$(mktemp -d /tmp/cardvault-import.XXXXXX)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
db="cardvault_import_${stamp,,}"

. "$here/lib.sh"
start_service
postmaster=$(pg_postmaster)
year=$(( $(date -u +%Y) + 3 ))

# The file: a fresh Luhn-valid 16-digit Visa number per line (awk, so that generating is not the bottleneck).
awk -v n="$lines" -v year="$year" 'BEGIN {
  srand();
  for (i = 1; i <= n; i++) {
    d[1] = 4; for (k = 2; k <= 15; k++) d[k] = int(rand() * 10);
    sum = 0; for (k = 15; k >= 1; k--) { v = d[k]; if ((15 - k) % 2 == 0) { v *= 2; if (v > 9) v -= 9 } sum += v }
    pan = ""; for (k = 1; k <= 15; k++) pan = pan d[k]; pan = pan ((10 - sum % 10) % 10);
    printf "{\"pan\":\"%s\",\"expMonth\":%d,\"expYear\":%d,\"metadata\":{\"account\":\"A-%d\"}}\n", pan, (i % 12) + 1, year, i
  }
}' > "$work/cards.ndjson"

TOKEN=$("$root/keys-dev/mint-jwt.sh" --sub bench-import --groups tokenizer --tenant bench-import --ttl 86400)
# BENCH_JFR=file.jfr records the import with JDK Flight Recorder (1 ms method sampling).
[ -n "${BENCH_JFR:-}" ] && jcmd "$svc" JFR.start name=import settings=profile "jdk.ExecutionSample#period=1ms" >/dev/null
s0=$(proc_ticks "$svc"); p0=$(pg_ticks "$postmaster"); t0=$(date +%s%N)
curl -sS -N -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' -H "Idempotency-Key: bench-$stamp" \
  --data-binary @"$work/cards.ndjson" "localhost:$port/v1/imports" > "$work/answers.ndjson"
t1=$(date +%s%N); s1=$(proc_ticks "$svc"); p1=$(pg_ticks "$postmaster")
[ -n "${BENCH_JFR:-}" ] && jcmd "$svc" JFR.stop name=import filename="$BENCH_JFR" >/dev/null
ms=$(( (t1 - t0) / 1000000 ))
summary=$(tail -1 "$work/answers.ndjson")
created=$(sed -E 's/.*"created":([0-9]+).*/\1/' <<<"$summary")
stored=$(psql_bench -c "SELECT count(*) FROM token WHERE tenant = 'bench-import'")
events=$(psql_bench -c "SELECT count(*) FROM audit_event WHERE type = 'TOKENS_IMPORTED'")
rate=$(awk -v n="$lines" -v ms="$ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
report="$here/results/import-$stamp.md"
{
  echo "# CardVault bulk import $stamp"
  echo
  echo "Machine: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}'), $(nproc) cores; PostgreSQL $(psql_super -d postgres -c 'SHOW server_version') durable (fsync=$(psql_super -d postgres -c 'SHOW fsync'), synchronous_commit=$(psql_super -d postgres -c 'SHOW synchronous_commit')), same machine."
  echo
  echo "| lines | seconds | cards/s | service µs/card | PostgreSQL µs/card | created | stored | TOKENS_IMPORTED events |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| $lines | $(awk -v ms="$ms" 'BEGIN { printf "%.1f", ms / 1000 }') | $rate | $(us_per_op $(( s1 - s0 )) "$lines") | $(us_per_op $(( p1 - p0 )) "$lines") | $created | $stored | $events |"
} > "$report"
cat "$report"
echo "written to $report"
[ "$created" = "$lines" ] && [ "$stored" = "$lines" ] || { echo "FAIL: created $created, stored $stored, lines $lines" >&2; exit 1; }
