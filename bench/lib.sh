# Shared by bench/run.sh, bench/profile.sh and bench/container-size.sh (sourced, not run): a fresh database on the
# PostgreSQL at $pg_url, dropped on exit, and the packaged service started on it with the dev keys.
# Expects: root, work (a temporary directory, removed on exit), pg_url, db, port.

role=cardvault_bench
# Split the URL for libpq tools.
hostport=${pg_url#*@}; hostport=${hostport%%/*}; host=${hostport%%:*}; pgport=${hostport##*:}
super=${pg_url#postgresql://}; super=${super%%@*}
export PGPASSWORD=bench
psql_super() { psql -h "$host" -p "$pgport" -U "$super" -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_bench() { psql -h "$host" -p "$pgport" -U "$role" -d "$db" -v ON_ERROR_STOP=1 -qAt "$@"; }

[ -f "$root/target/quarkus-app/quarkus-run.jar" ] || (cd "$root" && ./mvnw -B -q package -DskipTests)

psql_super -d postgres <<SQL
DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
  CREATE ROLE $role LOGIN PASSWORD 'bench' NOSUPERUSER; END IF; END \$\$;
CREATE DATABASE $db OWNER $role;
SQL
svc=""
cleanup() {
  [ -n "$svc" ] && kill "$svc" 2>/dev/null && wait "$svc" 2>/dev/null || true
  psql_super -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# start_service [JVM flags...]: starts the jar on the bench database, waits until it is ready,
# sets svc (its pid) and startup_ms.
start_service() {
  local start_ns
  start_ns=$(date +%s%N)
  QUARKUS_PROFILE=dev QUARKUS_HTTP_PORT=$port \
  QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://$host:$pgport/$db" \
  QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$host:$pgport/$db" \
  QUARKUS_DATASOURCE_USERNAME=$role QUARKUS_DATASOURCE_PASSWORD=bench \
  CARDVAULT_DETOKENIZE_RATE_LIMIT_PER_MINUTE=1000000000 \
    java "$@" -jar "$root/target/quarkus-app/quarkus-run.jar" > "$work/service.log" 2>&1 &
  svc=$!
  until curl -sf "localhost:$port/q/health/ready" >/dev/null; do
    kill -0 "$svc" 2>/dev/null || { cat "$work/service.log"; exit 1; }
    sleep 0.05
  done
  startup_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
}

# CPU time, from /proc, in clock ticks (utime + stime of every thread of a process).
clk_tck=$(getconf CLK_TCK)
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# PostgreSQL's CPU: the postmaster with its exited children (cutime + cstime) plus every live
# backend, so connections that close during a run (pgbench's) are counted too.
pg_postmaster() {
  head -1 "$(psql_super -d postgres -c "SHOW data_directory")/postmaster.pid"
}
pg_ticks() {
  local pm=$1 t c
  t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
  for c in $(pgrep -P "$pm"); do t=$(( t + $(proc_ticks "$c") )); done
  echo "$t"
}
# After a tokenize run with CV_SAVE="$work/tokens": 5,000 of the tokens it created, for the
# reveal scripts (CV_TOKENS).
use_saved_tokens() {
  cat "$work"/tokens.* | shuf -n 5000 > "$work/tokens.txt"
  export CV_TOKENS="$work/tokens.txt"
}
# The JIT compiler threads' CPU (C1 and C2) of a JVM, in clock ticks.
jit_ticks() {
  local t=0 d
  for d in /proc/"$1"/task/*; do
    case "$(cat "$d/comm" 2>/dev/null)" in C1\ *|C2\ *) t=$(( t + $(awk '{print $14 + $15}' "$d/stat" 2>/dev/null || echo 0) )) ;; esac
  done
  echo "$t"
}
# warm_up MIN MAX ROUND: runs the function ROUND (some seconds of load) again and again, until at
# least MIN seconds have passed and the JIT compiler took under 2 % of the service's CPU during the
# last round (measuring earlier counts compilation as the request's cost), or MAX seconds have
# passed. Sets warmed_s and jit_pct (the compiler's share in the last round).
warm_up() {
  local min=$1 max=$2 round=$3 start=$SECONDS s0 j0 s1 j1
  while :; do
    s0=$(proc_ticks "$svc"); j0=$(jit_ticks "$svc")
    "$round"
    s1=$(proc_ticks "$svc"); j1=$(jit_ticks "$svc")
    jit_pct=$(( s1 > s0 ? (j1 - j0) * 100 / (s1 - s0) : 0 ))
    warmed_s=$(( SECONDS - start ))
    if { [ "$warmed_s" -ge "$min" ] && [ "$jit_pct" -lt 2 ]; } || [ "$warmed_s" -ge "$max" ]; then
      return
    fi
  done
}
# µs of CPU per operation: ticks and operations → "12.3"
us_per_op() { awk -v t="$1" -v n="$2" -v hz="$clk_tck" 'BEGIN { if (n > 0) printf "%.0f", t * 1000000 / hz / n; else printf "n/a" }'; }

# The JVM flags of the container image's ENTRYPOINT (between "java" and "-jar"), one per line.
image_jvm_flags() {
  python3 - "$root/src/main/docker/Dockerfile.jvm" <<'PY'
import json, sys
line = next(l for l in open(sys.argv[1]) if l.startswith("ENTRYPOINT"))
cmd = json.loads(line[len("ENTRYPOINT"):])
print("\n".join(cmd[1:cmd.index("-jar")]))
PY
}
# The image's environment (ENV NAME=value lines), exported; listed in image_env.
export_image_env() {
  local kv
  image_env=""
  while read -r kv; do export "${kv?}"; image_env="$image_env$kv "; done \
    < <(sed -n 's/^ENV \([A-Z_]*=[^ ]*\)$/\1/p' "$root/src/main/docker/Dockerfile.jvm")
}
