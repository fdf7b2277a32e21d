#!/usr/bin/env bash
# Where the time goes (docs/performance.md): brings the system up with
# deploy/local/run.sh (binaries of BUILD_DIR), runs hotline-loadgen --pipeline
# and prints, per order, MariaDB's statement and fsync counters (global
# status deltas) and per service (each connects as its own user) the
# statements, rows and transactions of information_schema.USER_STATISTICS.
#   profile_pipeline.sh SOURCE_DIR BUILD_DIR OUT_DIR [loadgen flags...]
# e.g. profile_pipeline.sh . build /tmp/prof --rate 20 --duration 30s
# PROFILE_FLUSH_AT_COMMIT=2 runs with innodb_flush_log_at_trx_commit=2 (no
# fsync per commit: an experiment showing what commit latency costs, never a
# setting for production).
# PROFILE_SEED_ORDERS=N measures at N stored orders: the system first plays
# the sample month, then tools/loadgen/seed_history.sh clones its finished
# orders into N historic ones in all four schemas, restarts the services and
# spot-checks them (its output in OUT_DIR/seed.log) before the benchmark.
# PROFILE_STATE_DIR=DIR measures a system that is already running in that
# run.sh state folder (e.g. one seeded before by `seed_history.sh --fresh`,
# so that seeding and measuring can happen at different times) on the ports
# PROFILE_PORT_BASE and PROFILE_METRICS_BASE (its HOTLINE_PORT_BASE and
# HOTLINE_METRICS_BASE); it is left running.
set -euo pipefail
src=$(realpath "$1") build=$(realpath "$2") out=$3
shift 3
mkdir -p "$out"
if [[ -n ${PROFILE_STATE_DIR:-} ]]; then
  state=$(realpath "$PROFILE_STATE_DIR")
  grpc_base=${PROFILE_PORT_BASE:?set PROFILE_PORT_BASE (HOTLINE_PORT_BASE of that system)}
  metrics_base=${PROFILE_METRICS_BASE:?set PROFILE_METRICS_BASE (HOTLINE_METRICS_BASE of that system)}
  trap 'cp -r "$state/logs" "$out/" 2>/dev/null || true' EXIT
else
state=$(mktemp -d /tmp/hotline-prof.XXXXXX)
cleanup() {
  cp -r "$state/logs" "$out/" 2>/dev/null || true
  HOTLINE_STATE_DIR=$state bash "$src/deploy/local/stop.sh" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
read -r grpc_base metrics_base < <(/usr/bin/python3 - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
bases = []
while len(bases) < 2:
    b = random.randrange(20000, 60000, 10)
    if all(free(b + i) for i in range(1, 5)) and b not in bases:
        bases.append(b)
print(*bases)
PY
)
seed_orders=${PROFILE_SEED_ORDERS:-0}
HOTLINE_SAMPLE_MONTH=$((seed_orders > 0 ? 1 : 0)) HOTLINE_SKIP_BUILD=1 HOTLINE_BUILD_DIR=$build \
  HOTLINE_STATE_DIR=$state HOTLINE_PORT_BASE=$grpc_base HOTLINE_METRICS_BASE=$metrics_base \
  bash "$src/deploy/local/run.sh" >"$out/run.log" 2>&1
if ((seed_orders > 0)); then
  # The sample month leaves the services on its manual clock; the seeder's
  # restart (run.sh) returns them to the system clock.
  HOTLINE_BUILD_DIR=$build HOTLINE_STATE_DIR=$state HOTLINE_PORT_BASE=$grpc_base \
    HOTLINE_METRICS_BASE=$metrics_base \
    bash "$src/tools/loadgen/seed_history.sh" --orders "$seed_orders" 2>&1 | tee "$out/seed.log"
fi
fi
sql() { bash "$src/deploy/local/mariadb.sh" sql "$state/mariadb" "$1" -N -B; }
token_of() { awk -v r="$1" '$2==r{print $1; exit}' "$state/tokens"; }
sql "SET GLOBAL userstat = 1"
if [[ -n ${PROFILE_FLUSH_AT_COMMIT:-} ]]; then
  sql "SET GLOBAL innodb_flush_log_at_trx_commit = ${PROFILE_FLUSH_AT_COMMIT}"
fi
sql "SHOW GLOBAL VARIABLES LIKE 'innodb_flush_log_at_trx_commit'" >"$out/flush.txt"
sql "FLUSH USER_STATISTICS"
sql "SHOW GLOBAL STATUS" >"$out/status.before"
uptime >"$out/uptime.before"
"$build/tools/loadgen/hotline-loadgen" --pipeline \
  --target "127.0.0.1:$((grpc_base + 1))" \
  --routing "127.0.0.1:$((grpc_base + 2))" \
  --assessment "127.0.0.1:$((grpc_base + 4))" \
  --token "$(token_of CALL_AGENT)" --center_token "$(token_of CENTER_STAFF)" \
  --state_dir "$state" --json_out "$out/pipeline.json" "$@" \
  | tee "$out/pipeline.txt" || true
uptime >"$out/uptime.after"
sql "SHOW GLOBAL STATUS" >"$out/status.after"
sql "SELECT USER, SELECT_COMMANDS, UPDATE_COMMANDS, OTHER_COMMANDS,
     COMMIT_TRANSACTIONS, ROLLBACK_TRANSACTIONS, ROWS_READ, ROWS_INSERTED,
     ROWS_UPDATED, ROWS_DELETED, BUSY_TIME, CPU_TIME
     FROM information_schema.USER_STATISTICS ORDER BY USER" >"$out/users.tsv"
for i in 1 2 3 4; do
  curl -sf "http://127.0.0.1:$((metrics_base + i))/metrics" \
    >"$out/metrics.$i.txt" || true
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def status(name):
    d = {}
    for line in open(f"{out}/{name}"):
        k, _, v = line.rstrip("\n").partition("\t")
        try: d[k] = float(v)
        except ValueError: pass
    return d
b, a = status("status.before"), status("status.after")
fig = json.load(open(f"{out}/pipeline.json"))
orders = fig.get("complete") or fig.get("orders") or 1
print(f"\nper order ({orders} orders complete):")
keys = ["Questions", "Com_select", "Com_insert", "Com_update", "Com_delete",
        "Com_commit", "Com_rollback", "Com_begin", "Com_stmt_execute",
        "Com_stmt_prepare", "Handler_commit", "Handler_read_key",
        "Handler_read_next", "Handler_write", "Handler_update",
        "Handler_delete", "Innodb_os_log_fsyncs", "Innodb_data_fsyncs",
        "Innodb_row_lock_waits", "Innodb_row_lock_time", "Bytes_received",
        "Bytes_sent"]
for k in keys:
    if k in a and k in b:
        print(f"  {k:24s} {(a[k]-b[k])/orders:10.2f}")
print("\nper service (MariaDB user), per order:")
cols = ["select", "update", "other", "commit", "rollback", "rows_read",
        "rows_ins", "rows_upd", "rows_del", "busy_s", "cpu_s"]
print("  " + "user".ljust(20) + "".join(c.rjust(10) for c in cols))
for line in open(f"{out}/users.tsv"):
    f = line.rstrip("\n").split("\t")
    vals = [float(x) / orders for x in f[1:]]
    print("  " + f[0].ljust(20) + "".join(
        (f"{v*1000:9.2f}m" if i >= 9 else f"{v:10.2f}")
        for i, v in enumerate(vals)))
PY
echo "load: before $(cat "$out/uptime.before")"
echo "load: after  $(cat "$out/uptime.after")"
