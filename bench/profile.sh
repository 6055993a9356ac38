#!/usr/bin/env bash
# One endpoint under 32 connections, its CPU per request, and optionally where that CPU goes.
#
#   bench/profile.sh [tokenize|reveal|batch|health] [POSTGRES_URL]    default tokenize, postgresql://postgres@127.0.0.1:5432
#   (health: GET /q/health/live, the floor every request pays before any vault code)
#   PROFILE_WARMUP=60 (at least this much load first, then until the JIT compiler is quiet; at most
#   PROFILE_WARMUP_MAX=300)  PROFILE_SECONDS=15 (measured)  PROFILE_EVENT=cpu (empty: no profile)
#
# Creates a fresh database (dropped at the end), starts the packaged service on it with the dev
# keys, warms the endpoint up, then measures it with wrk: requests/s, latency, and the JVM's user
# and system CPU per request and PostgreSQL's, from /proc. With PROFILE_EVENT it attaches
# async-profiler (tools.profiler:async-profiler from Maven Central, fetched by the Maven wrapper)
# for the measured seconds, writes the collapsed stacks to target/profile-<stamp>.collapsed
# and prints the CPU by owning package and the hottest frames. `cpu` includes kernel frames.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
endpoint=${1:-tokenize}
pg_url=${2:-postgresql://postgres@127.0.0.1:5432}
warmup=${PROFILE_WARMUP:-60}
seconds=${PROFILE_SECONDS:-15}
event=${PROFILE_EVENT-cpu}
port=${BENCH_PORT:-18080}
work=$(mktemp -d /tmp/cardvault-profile.XXXXXX)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
db="cardvault_profile_${stamp,,}"
case "$endpoint" in
  tokenize) script=tokenize.lua; path=/v1/tokens ;;
  reveal) script=reveal.lua; path=/v1/tokens/x/detokenize ;;
  batch) script=batch.lua; path=/v1/detokenizations ;;
  health) script=health.lua; path=/q/health/live ;;
  *) echo "endpoint: tokenize, reveal, batch or health" >&2; exit 2 ;;
esac
command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y -q wrk >/dev/null; }

lib=""
if [ -n "$event" ]; then
  version=4.2
  jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version-linux-x64.jar"
  [ -f "$jar" ] || (cd "$root" && ./mvnw -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$version:jar:linux-x64" -Dtransitive=false)
  unzip -q -o "$jar" 'linux-x64/*' -d "$work/ap"
  lib="$work/ap/linux-x64/libasyncProfiler.so"
fi

. "$here/lib.sh"
start_service
postmaster=$(pg_postmaster)
export CV_TOKEN
CV_TOKEN=$("$root/keys-dev/mint-jwt.sh" --sub bench-agent --groups tokenizer,detokenizer --tenant bench --ttl 86400)
load() { wrk -t2 -c32 -d"$1s" --timeout 10s --latency -s "$here/lua/$script" "http://localhost:$port$path"; }
if [ "$endpoint" = reveal ] || [ "$endpoint" = batch ]; then
  CV_SAVE="$work/tokens" wrk -t2 -c32 -d10s -s "$here/lua/tokenize.lua" "http://localhost:$port/v1/tokens" >/dev/null
  use_saved_tokens
fi
echo "warming up $endpoint (at least ${warmup}s, until the JIT compiler is quiet)"
warm_round() { load 10 >/dev/null; }
warm_up "$warmup" "${PROFILE_WARMUP_MAX:-300}" warm_round
echo "warm after ${warmed_s}s (JIT compiler ${jit_pct} % of the service's CPU in the last round)"

# jcmd splits its arguments at commas: the agent's options go in inner quotes.
agent() { jcmd "$svc" JVMTI.agent_load "$lib" "\"$1\"" >/dev/null; }
read -r u0 k0 < <(awk '{print $14, $15}' "/proc/$svc/stat"); p0=$(pg_ticks "$postmaster")
[ -n "$event" ] && agent "start,event=$event,interval=1ms"
out=$(load "$seconds")
mkdir -p "$root/target"; stacks="$root/target/profile-$stamp.collapsed"
[ -n "$event" ] && agent "stop,file=$stacks,collapsed"
read -r u1 k1 < <(awk '{print $14, $15}' "/proc/$svc/stat"); p1=$(pg_ticks "$postmaster")
req=$(awk '/requests in/ {print $1}' <<<"$out")
echo "$out" | grep -E "Requests/sec|50%|99%|Non-2xx" || true
echo "per request: service user $(us_per_op $(( u1 - u0 )) "$req") µs + system $(us_per_op $(( k1 - k0 )) "$req") µs; PostgreSQL $(us_per_op $(( p1 - p0 )) "$req") µs"
[ -z "$event" ] && exit 0
echo "profile: $stacks"
python3 - "$stacks" <<'PY'
import collections, sys
# Each sample goes to the innermost frame outside the JDK (by package), or to the JVM's own
# compiler / GC threads; then the hottest leaf frames.
owners, leaves, total = collections.Counter(), collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, n = line.rstrip().rsplit(' ', 1)
    n = int(n); frames = stack.split(';'); total += n
    leaves[frames[-1]] += n
    if frames[0] == 'clone3':
        owner = '[JVM: compiler]' if any('Compile' in f for f in frames[:6]) else '[JVM: GC and other]'
    else:
        owner = '[JDK, JVM or kernel]'
        for f in reversed(frames):
            if '/' in f and not f.startswith(('java/', 'jdk/', 'sun/')):
                owner = '/'.join(f.split('/')[:3]); break
    owners[owner] += n
print(f"{total} samples; by owner:")
for k, v in owners.most_common(20): print(f"  {100 * v / total:5.1f} % {k}")
print("hottest frames:")
for k, v in leaves.most_common(15): print(f"  {100 * v / total:5.1f} % {k[:120]}")
PY
