#!/usr/bin/env bash
# Soak: SOAK_MINUTES (10) of mixed load on the packaged service, then the counts reconciled.
#   agents tokenizing (wrk, SOAK_AGENTS=8 connections), billing revealing in batches of 100
#   (wrk, 2 connections), a KEK rotation requested and approved by two custodians half-way, and a
#   retention purge of cards that expire during the run.
# Every SOAK_SAMPLE seconds (10) it records the service's RSS and its open database connections,
# and draws both over time in an SVG next to the results. At the end:
#   acknowledged tokenizations = tokens stored and revealed cards = DETOKENIZED events, up to the
#   requests in flight when wrk stopped (completed by the service, never counted by wrk: stored and
#   events may exceed by at most those, never fall short); expired cards purged; the rotation
#   completed; the trail verifies; RSS flat after warm-up; database connections bounded.
# The service runs with the container image's JVM flags and environment under -XX:MaxRAM=768m.
#
#   bench/soak.sh [POSTGRES_URL]      writes bench/results/soak-<stamp>.md and .svg; exits 1 on a mismatch
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pg_url=${1:-postgresql://postgres@127.0.0.1:5432}
minutes=${SOAK_MINUTES:-10}
agents=${SOAK_AGENTS:-8}
sample=${SOAK_SAMPLE:-10}
port=${BENCH_PORT:-18082}
work=$(mktemp -d /tmp/cardvault-soak.XXXXXX)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
db="cardvault_soak_${stamp,,}"
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
duration=$((minutes * 60))

# The retention job every 20 s, so that cards expiring during the run are purged within it.
export CARDVAULT_RETENTION_EVERY=20s CARDVAULT_RETENTION_INITIAL_DELAY=20s
. "$here/lib.sh"
# As in the container: its JVM flags and environment under a 768 MiB limit, so RSS means something.
mapfile -t flags < <(image_jvm_flags)
[ ${#flags[@]} -gt 0 ] || { echo "no JVM flags read from src/main/docker/Dockerfile.jvm"; exit 1; }
export_image_env
agents_pid="" billing_pid=""
soak_cleanup() { kill $agents_pid $billing_pid 2>/dev/null || true; cleanup; }
trap soak_cleanup EXIT
start_service -XX:MaxRAM=768m "${flags[@]}"

mint() { "$root/keys-dev/mint-jwt.sh" --ttl 86400 "$@"; }
agent=$(mint --sub soak-agent --groups tokenizer --tenant soak)
billing=$(mint --sub soak-billing --groups detokenizer --tenant soak)
alice=$(mint --sub alice --groups key-custodian --tenant ops)
bob=$(mint --sub bob --groups key-custodian --tenant ops)
auditor=$(mint --sub soak-auditor --groups auditor --tenant ops)
api() { curl -sS -H "Authorization: Bearer $1" -H 'Content-Type: application/json' "${@:2}"; }

# Cards that expire a quarter of the way in (at least 30 s): the retention job must purge them during the run.
expiring=200
expire_in=$(( duration / 4 > 30 ? duration / 4 : 30 ))
expires_at=$(date -u -d "+$expire_in sec" +%Y-%m-%dT%H:%M:%SZ)
python3 - "$expiring" > "$work/expiring-pans.txt" <<'PY'
import random, sys
for _ in range(int(sys.argv[1])):
    d = [4] + [random.randrange(10) for _ in range(14)]
    s = sum((x * 2 - 9 if x * 2 > 9 else x * 2) if i % 2 else x for i, x in enumerate(reversed(d + [0])))
    print("".join(map(str, d)) + str((10 - s % 10) % 10))
PY
while read -r pan; do
  code=$(api "$agent" -o "$work/expiring.json" -w '%{http_code}' "localhost:$port/v1/tokens" \
    -d "{\"pan\":\"$pan\",\"expMonth\":12,\"expYear\":2035,\"expiresAt\":\"$expires_at\"}")
  [ "$code" = 201 ] || { echo "tokenizing an expiring card answered $code: $(cat "$work/expiring.json")"; exit 1; }
done < "$work/expiring-pans.txt"
# Tokens for billing to reveal: a first minute of agents' work is saved.
export CV_TOKEN=$agent
CV_SAVE="$work/seed" wrk -t2 -c4 -d10s -s "$here/lua/tokenize.lua" "http://localhost:$port/v1/tokens" > "$work/seed.out"
cat "$work"/seed.* 2>/dev/null | grep '^tok_' > "$work/reveal-tokens.txt"
seeded=$(wc -l < "$work/reveal-tokens.txt")

conns() { psql_super -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'"; }
rss_mib() { awk '$1 == "VmRSS:" {printf "%d", $2 / 1024}' "/proc/$svc/status"; }
echo "t_s rss_mib db_connections" > "$work/samples.txt"

echo "soak: $minutes min, $agents tokenizing connections, 2 batch-reveal connections"
CV_TOKEN=$agent CV_SAVE="$work/acked" wrk -t2 -c"$agents" -d"${duration}s" --timeout 10s -s "$here/lua/tokenize.lua" \
  "http://localhost:$port/v1/tokens" > "$work/agents.out" 2>&1 &
agents_pid=$!
CV_TOKEN=$billing CV_TOKENS="$work/reveal-tokens.txt" wrk -t1 -c2 -d"${duration}s" --timeout 10s -s "$here/lua/batch.lua" \
  "http://localhost:$port/v1/detokenizations" > "$work/billing.out" 2>&1 &
billing_pid=$!

t0=$(date +%s)
rotation=""
while kill -0 "$agents_pid" 2>/dev/null || kill -0 "$billing_pid" 2>/dev/null; do
  t=$(( $(date +%s) - t0 ))
  echo "$t $(rss_mib) $(conns)" >> "$work/samples.txt"
  if [ -z "$rotation" ] && [ "$t" -ge $((duration / 2)) ]; then
    rotation=$(api "$alice" "localhost:$port/v1/keys/rotations" -d '{"reason":"soak"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    api "$bob" -o /dev/null "localhost:$port/v1/keys/rotations/$rotation/approve" -X POST
    echo "  rotation $rotation requested by alice, approved by bob at ${t} s"
  fi
  sleep "$sample"
done
wait "$agents_pid" "$billing_pid" || true
sleep 5 # the last audit batches and the rewrap settle

# Reconcile.
acked=$(( $(cat "$work"/acked.* 2>/dev/null | grep -c '^tok_' || true) + seeded ))
stored=$(psql_bench -c "SELECT count(*) FROM token WHERE tenant = 'soak' AND expires_at IS NULL")
expiring_left=$(psql_bench -c "SELECT count(*) FROM token WHERE tenant = 'soak' AND expires_at IS NOT NULL")
reveal_requests=$(awk '/requests in/ {print $1}' "$work/billing.out")
reveal_errors=$(awk '/Non-2xx/ {print $NF}' "$work/billing.out"); reveal_errors=${reveal_errors:-0}
revealed=$(( (reveal_requests - reveal_errors) * 100 ))
events=$(psql_bench -c "SELECT count(*) FROM audit_event WHERE type = 'DETOKENIZED' AND subject = 'soak-billing' AND outcome = 'SUCCESS'")
agent_errors=$(awk '/Non-2xx/ {print $NF}' "$work/agents.out"); agent_errors=${agent_errors:-0}
field() { python3 -c 'import json,sys; v=json.load(sys.stdin); print(" ".join(str(v.get(k, "missing:" + k)) for k in sys.argv[1:]))' "$@"; }
rotation_state=$(api "$alice" "localhost:$port/v1/keys/rotations/$rotation" | field state)
verify=$(api "$auditor" "localhost:$port/v1/audit/verify" | field valid events)
read -r rss_first rss_last rss_max conn_max < <(awk 'NR > 1 {if (!f) f = $2; l = $2; if ($2 > m) m = $2; if ($3 > c) c = $3} END {print f, l, m, c}' "$work/samples.txt")
# Peak RSS in the middle and last thirds of the run (the first is warm-up).
read -r rss_mid rss_late < <(awk -v d="$duration" 'NR > 1 {if ($1 >= d / 3 && $1 < 2 * d / 3 && $2 > m) m = $2; if ($1 >= 2 * d / 3 && $2 > l) l = $2} END {print m + 0, l + 0}' "$work/samples.txt")

ok=true
check() { if eval "$1"; then echo "| $2 | yes |"; else echo "| $2 | **no** |"; ok=false; fi; }
out="$root/bench/results/soak-$stamp"
python3 - "$work/samples.txt" "$out.svg" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])][1:]
t = [int(r[0]) for r in rows]; rss = [int(r[1]) for r in rows]; con = [int(r[2]) for r in rows]
W, H, L, B = 720, 300, 60, 40
tmax = max(t) or 1; rmax = max(max(rss) * 1.2, 1); cmax = max(max(con) * 1.2, 1)
def x(v): return L + v / tmax * (W - L - 60)
def y(v, m): return H - B - v / m * (H - B - 20)
def line(vals, m, colour): return '<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (colour, " ".join("%.1f,%.1f" % (x(a), y(b, m)) for a, b in zip(t, vals)))
svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (W, H),
       '<rect width="100%" height="100%" fill="white"/>',
       '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>' % (L, H - B, W - 60, H - B),
       '<text x="%d" y="%d" text-anchor="middle">seconds (0 to %d)</text>' % ((L + W - 60) / 2, H - 8, tmax),
       '<text x="10" y="14" fill="#1f77b4">RSS, MiB (max %d)</text>' % max(rss),
       '<text x="%d" y="14" fill="#d62728" text-anchor="end">database connections (max %d)</text>' % (W - 10, max(con)),
       line(rss, rmax, "#1f77b4"), line(con, cmax, "#d62728")]
for v in (0, rmax / 2, rmax):
    svg.append('<text x="%d" y="%.1f" text-anchor="end" fill="#1f77b4">%d</text>' % (L - 6, y(v, rmax) + 4, v))
for v in (0, cmax / 2, cmax):
    svg.append('<text x="%d" y="%.1f" fill="#d62728">%d</text>' % (W - 54, y(v, cmax) + 4, v))
svg.append("</svg>")
open(sys.argv[2], "w").write("\n".join(svg) + "\n")
PY
{
  echo "# Soak $stamp"
  echo
  echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); $(java -version 2>&1 | head -1); PostgreSQL at $host:$pgport on the same machine."
  echo "$minutes minutes: $agents tokenizing connections, 2 batch-reveal connections (100 cards a request), a KEK rotation at half-time,"
  echo "$expiring cards expiring after $expire_in s and a retention run every 20 s; the image's JVM flags under -XX:MaxRAM=768m. Samples every $sample s: ![RSS and connections]($(basename "$out").svg)"
  echo
  echo "| figure | value |"
  echo "|---|---|"
  echo "| tokenizations acknowledged (201) | $acked (non-2xx: $agent_errors) |"
  echo "| tokens stored | $stored |"
  echo "| batch reveals answered (200) | $((reveal_requests - reveal_errors)) = $revealed cards (non-2xx: $reveal_errors) |"
  echo "| DETOKENIZED events | $events |"
  echo "| expiring cards left after the run | $expiring_left of $expiring |"
  echo "| rotation | $rotation_state |"
  echo "| audit verify | $verify |"
  echo "| RSS first / last / max sample | $rss_first / $rss_last / $rss_max MiB |"
  echo "| database connections, max sample | $conn_max |"
  echo
  echo "| reconciled | |"
  echo "|---|---|"
  check '[ "$stored" -ge "$acked" ] && [ $((stored - acked)) -le $((agents + 4)) ]' "acknowledged ≤ stored ≤ acknowledged + requests in flight when wrk stopped ($((agents + 4)))"
  check '[ "$events" -ge "$revealed" ] && [ $((events - revealed)) -le 200 ]' "revealed cards ≤ events ≤ revealed + 2 × 100 in flight"
  check '[ "$expiring_left" -eq 0 ]' "expired cards purged"
  check '[ "$rotation_state" = COMPLETED ]' "rotation completed"
  check '[ "$rss_late" -le $((rss_mid * 11 / 10)) ]' "RSS flat: the last third's peak ($rss_late MiB) within 10 % of the middle third's ($rss_mid MiB)"
  check '[ "$conn_max" -le 40 ]' "database connections bounded (pool 32, Flyway's 3, the bench's own)"
  check '[ "${verify%% *}" = True ]' "audit trail valid"
  check '[ "$agent_errors" -eq 0 ] && [ "$reveal_errors" -eq 0 ]' "no non-2xx"
} > "$out.md"
cat "$out.md"
echo "written to $out.md and $out.svg"
$ok
