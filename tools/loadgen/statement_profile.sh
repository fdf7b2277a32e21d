#!/usr/bin/env bash
# Statements per order, per service and statement shape (docs/performance.md):
# brings the system up with deploy/local/run.sh (binaries of BUILD_DIR, fresh
# state, system clock, no sample month), logs every statement (MariaDB's
# general log) while hotline-loadgen --pipeline sends 200 orders at 20/s, and
# prints per service (each connects as its own MariaDB user) the statements
# per order, most frequent first. Counts do not depend on the machine's load,
# but on the rate (batch sizes): PROFILE_RATE (default 20) and
# PROFILE_CONCURRENCY (default 4) set the load generator's.
#   statement_profile.sh SOURCE_DIR BUILD_DIR OUT_DIR [PORT_BASE]
set -euo pipefail
src=$(realpath "$1") build=$(realpath "$2") out=$(realpath -m "$3")
base=${4:-$((20000 + RANDOM % 20000 / 10 * 10))}
mkdir -p "$out"
state=$(mktemp -d /tmp/hotline-stmt.XXXXXX)
cleanup() {
  HOTLINE_STATE_DIR=$state bash "$src/deploy/local/stop.sh" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
HOTLINE_SAMPLE_MONTH=0 HOTLINE_SKIP_BUILD=1 HOTLINE_BUILD_DIR=$build HOTLINE_STATE_DIR=$state \
  HOTLINE_PORT_BASE=$base HOTLINE_METRICS_BASE=$((base + 5)) \
  bash "$src/deploy/local/run.sh" >"$out/run.log" 2>&1
sql() { bash "$src/deploy/local/mariadb.sh" sql "$state/mariadb" "$1" -N -B; }
token_of() { awk -v r="$1" '$2==r{print $1; exit}' "$state/tokens"; }
# The 240 seed orders of run.sh go through first, so that they are not counted.
for _ in $(seq 60); do
  pending=$(sql "SELECT (SELECT COUNT(*) FROM hotline_intake.outbox_pending) +
    (SELECT COUNT(*) FROM hotline_routing.outbox_pending) +
    (SELECT COUNT(*) FROM hotline_deadline.outbox_pending)")
  [[ $pending == 0 ]] && break
  sleep 1  # waiting for the seed orders' events to be delivered
done
log=$out/general.log
rm -f "$log"
sql "SET GLOBAL general_log_file='$log'"
sql "SET GLOBAL log_output='FILE'"
sql "SET GLOBAL general_log=1"
"$build/tools/loadgen/hotline-loadgen" --pipeline \
  --target "127.0.0.1:$((base + 1))" --routing "127.0.0.1:$((base + 2))" \
  --assessment "127.0.0.1:$((base + 4))" \
  --token "$(token_of CALL_AGENT)" --center_token "$(token_of CENTER_STAFF)" \
  --state_dir "$state" --rate "${PROFILE_RATE:-20}" --duration 10s \
  --concurrency "${PROFILE_CONCURRENCY:-4}" | tee "$out/pipeline.txt" || true
sql "SET GLOBAL general_log=0"
sql "SELECT id, user FROM information_schema.processlist" >"$out/connections.tsv"
orders=$(awk '/orders acknowledged/{print $2; exit}' "$out/pipeline.txt")
python3 "$src/tools/loadgen/statement_profile.py" "$orders" "$out/connections.tsv" "$log" |
  tee "$out/statements.txt"
