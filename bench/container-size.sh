#!/usr/bin/env bash
# Sizes the Kubernetes pod from measurement: runs the packaged service with the image's JVM flags
# (parsed from src/main/docker/Dockerfile.jvm) as if under the Deployment's memory limit
# (-XX:MaxRAM emulates the cgroup limit the JVM would read), loads it with wrk, and records
#   idle RSS, peak RSS under load (VmHWM), CPU cores used at full load, throughput, non-2xx.
#
#   bench/container-size.sh [POSTGRES_URL]   MEMORY_LIMIT_MIB=768  SIZE_DURATION=20  SIZE_CONNECTIONS=32
#   SIZE_JVM_FLAGS="..." replaces the image's flags, to try others before changing the image.
#   SIZE_NMT=1 adds the JVM's native memory tracking (about 8 MiB of RSS itself) and prints where
#   the memory goes.
#
# Writes bench/results/container-size-<stamp>.md. Needs PostgreSQL (default 127.0.0.1:5432) and wrk.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pg_url=${1:-postgresql://postgres@127.0.0.1:5432}
limit_mib=${MEMORY_LIMIT_MIB:-768}
duration=${SIZE_DURATION:-20}
c=${SIZE_CONNECTIONS:-32}
port=${BENCH_PORT:-18081}
work=$(mktemp -d /tmp/cardvault-size.XXXXXX)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
db="cardvault_size_${stamp,,}"
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
. "$here/lib.sh"
mapfile -t flags < <(image_jvm_flags)
[ -n "${SIZE_JVM_FLAGS:-}" ] && read -r -a flags <<<"$SIZE_JVM_FLAGS"
[ ${#flags[@]} -gt 0 ] || { echo "no JVM flags read from src/main/docker/Dockerfile.jvm"; exit 1; }
export_image_env # MALLOC_ARENA_MAX among them
nmt_flag=()
[ "${SIZE_NMT:-0}" = 1 ] && nmt_flag=(-XX:NativeMemoryTracking=summary)
start_service -XX:MaxRAM=${limit_mib}m "${nmt_flag[@]}" "${flags[@]}"
sleep 3
rss_kib() { awk -v k="$1" '$1==k":" {print $2}' "/proc/$svc/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$svc/stat"; }
idle=$(rss_kib VmRSS)
heap_max=$(java -XX:MaxRAM=${limit_mib}m "${flags[@]}" -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 == "MaxHeapSize" {print $4}')

export CV_TOKEN
CV_TOKEN=$("$root/keys-dev/mint-jwt.sh" --sub size-agent --groups tokenizer,detokenizer --tenant size --ttl 86400)
hz=$(getconf CLK_TCK)
load() { # script path label
  local t0 c0 out rps non2xx cores
  t0=$(date +%s%N); c0=$(cpu_ticks)
  out=$(wrk -t2 -c"$c" -d"${duration}s" --timeout 10s -s "$here/lua/$1" "http://localhost:$port$2" 2>&1)
  cores=$(awk -v dc="$(( $(cpu_ticks) - c0 ))" -v hz="$hz" -v ns="$(( $(date +%s%N) - t0 ))" 'BEGIN {printf "%.2f", dc / hz / (ns / 1e9)}')
  rps=$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
  echo "| $3 | $c | $rps | $non2xx | $cores |"
}
CV_SAVE="$work/tokens" load tokenize.lua /v1/tokens "tokenize" > "$work/rows"
use_saved_tokens
load reveal.lua /v1/tokens/x/detokenize "single reveal" >> "$work/rows"
load batch.lua /v1/detokenizations "batch reveal (100)" >> "$work/rows"
peak=$(rss_kib VmHWM)
after=$(rss_kib VmRSS)
# Where the resident memory goes, by the JVM's own account (committed MiB per area).
nmt=$(jcmd "$svc" VM.native_memory summary scale=MB 2>/dev/null \
  | awk '/^-/ && /committed=/ {sub(/^- */, ""); name=$0; sub(/ *\(.*/, "", name); c=$0; sub(/.*committed=/, "", c); sub(/MB.*/, "", c); if (c+0 >= 5) printf "%s %s MiB, ", name, c}')
gc=$(jcmd "$svc" VM.flags -all 2>/dev/null | awk '$2 ~ /^Use(Serial|Parallel|G1|Z|Shenandoah)GC$/ && $4 == "true" {print $2}')

out="$root/bench/results/container-size-$stamp.md"
{
  echo "# Pod sizing run $stamp"
  echo
  echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); $(java -version 2>&1 | head -1); PostgreSQL at $host:$pgport on the same machine."
  echo "JVM flags (image ENTRYPOINT): ${flags[*]}; environment: ${image_env% }; with -XX:MaxRAM=${limit_mib}m standing for the container memory limit: max heap $(( heap_max / 1048576 )) MiB."
  echo
  echo "| load | connections | requests/s | non-2xx | CPU cores used by the service |"
  echo "|---|---|---|---|---|"
  cat "$work/rows"
  echo
  echo "RSS: idle $(( idle / 1024 )) MiB, after load $(( after / 1024 )) MiB, peak $(( peak / 1024 )) MiB (limit ${limit_mib} MiB)."
  echo
  echo "Garbage collector: ${gc:-unknown}."
  [ -n "$nmt" ] && echo "Committed after load, by the JVM's native memory tracking (areas of 5 MiB or more, the tracking's own included): ${nmt%, }."
} | tee "$out"
echo "written to $out"
