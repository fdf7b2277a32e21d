#!/usr/bin/env bash
# Stops what deploy/local/run.sh started: the four services (SIGTERM, graceful)
# and the private MariaDB. --services-only leaves MariaDB running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STATE=$(realpath -m "${HOTLINE_STATE_DIR:-$HOTLINE_ROOT/.local}")

pids=()
for pidfile in "$STATE"/run/*.pid; do
  [[ -f $pidfile ]] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $(basename "$pidfile" .pid) (pid $pid)"
    kill -TERM "$pid"
    pids+=("$pid")
  fi
  rm -f "$pidfile"
done
for pid in "${pids[@]}"; do  # graceful: up to 10 s each, then SIGKILL
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
done
if [[ ${1:-} != --services-only && -d $STATE/mariadb ]]; then
  bash "$HOTLINE_ROOT/deploy/local/mariadb.sh" stop "$STATE/mariadb" >/dev/null
  log "MariaDB stopped"
fi
