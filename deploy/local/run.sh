#!/usr/bin/env bash
# Sets everything up and runs the whole system on this machine, no containers:
# installs missing Debian packages, builds, starts a private MariaDB in .local/
# (git-ignored), creates the four schemas and four least-privilege users,
# writes a dev token file (a token for every role, unit staff and leads of a
# few sample units included), starts hotline-intake, -routing, -deadline and
# -assessment with their event subscribers wired, waits until all four report
# SERVING, loads the sample directory of Dazu District and a day of synthetic
# calls (first run only), and prints the endpoints and, per role, how to act
# as it and what to try. Run it again to rebuild and restart;
# deploy/local/stop.sh stops everything.
#
# Environment (all optional):
#   HOTLINE_STATE_DIR      where data, logs, secrets live   (.local)
#   HOTLINE_BUILD_DIR      build folder                     (build)
#   HOTLINE_SKIP_BUILD=1   use the binaries already built
#   HOTLINE_PORT_BASE      gRPC ports base+1..base+4        (7100)
#   HOTLINE_METRICS_BASE   metrics ports base+1..base+4     (9100)
#   HOTLINE_MYSQL_PORT     MariaDB port (0: any free)       (0)
#   HOTLINE_CLOCK          system | manual                  (system)
#   HOTLINE_CLOCK_START    RFC 3339 start of a manual clock
#   HOTLINE_SEED=0         skip loading the sample directory and calls
#   HOTLINE_SAMPLE_MONTH   1: play the sample month (as --sample-month);
#                          0: a day of calls instead (first run: 1)
#   HOTLINE_SAMPLE_ORDERS  sample month: new orders per working day (16)
#   HOTLINE_SAMPLE_SEED    sample month: hotline-sim's seed (1)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STATE=$(realpath -m "${HOTLINE_STATE_DIR:-$HOTLINE_ROOT/.local}")
BUILD=$(realpath -m "${HOTLINE_BUILD_DIR:-$HOTLINE_ROOT/build}")

# The sample month (README.md): --sample-month, or the first run. The
# services run on a manual clock from 08:00 thirty days ago (China time);
# hotline-sim plays the month up to last midnight and leaves them running
# there; the next run.sh returns them to the system clock.
SAMPLE_MONTH=${HOTLINE_SAMPLE_MONTH:-}
for arg in "$@"; do
  case $arg in
    --sample-month) SAMPLE_MONTH=1 ;;
    *) die "unknown argument: $arg (usage: run.sh [--sample-month])" ;;
  esac
done
if [[ -f $STATE/seeded || ${HOTLINE_SEED:-1} == 0 ]]; then
  [[ $SAMPLE_MONTH == 1 ]] && die "--sample-month needs a fresh state folder" \
    "(deploy/local/stop.sh, then remove $STATE or set HOTLINE_STATE_DIR)"
  SAMPLE_MONTH=0
fi
if [[ ${SAMPLE_MONTH:-1} == 1 ]]; then
  SAMPLE_MONTH=1
  export HOTLINE_CLOCK=manual
  HOTLINE_CLOCK_START="$(TZ=Asia/Shanghai date -d '-30 days' +%F)T08:00:00+08:00"
  export HOTLINE_CLOCK_START
fi
PORT_BASE=${HOTLINE_PORT_BASE:-7100}
METRICS_BASE=${HOTLINE_METRICS_BASE:-9100}
SERVICES=(intake routing deadline assessment)
# Who receives whose events: deploy/topology.txt (DESIGN.md §5).
declare -A SUBSCRIBES_TO=()
while IFS=: read -r producer subscribers; do
  SUBSCRIBES_TO[$producer]=$subscribers
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]*:/:/' \
           "$HOTLINE_ROOT/deploy/topology.txt")

ensure_packages "${HOTLINE_RUN_PACKAGES[@]}"
if [[ ${HOTLINE_SKIP_BUILD:-0} != 1 ]]; then
  build_project "$BUILD" -DHOTLINE_BUILD_TESTS=OFF -DHOTLINE_BUILD_BENCH=OFF
fi
mkdir -p "$STATE"/{logs,run,secrets}
chmod 700 "$STATE" "$STATE/secrets"

secret() {  # secret NAME: a random value kept in $STATE/secrets/NAME
  local f=$STATE/secrets/$1
  [[ -s $f ]] || (umask 077 && head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$f")
  cat "$f"
}
port_of() {
  local i
  for i in "${!SERVICES[@]}"; do
    if [[ ${SERVICES[$i]} == "$1" ]]; then echo $((PORT_BASE + i + 1)); fi
  done
}
metrics_port_of() { echo $(($(port_of "$1") - PORT_BASE + METRICS_BASE)); }

# Stop what a previous run left running, so rebuilt binaries are used.
bash "$HOTLINE_ROOT/deploy/local/stop.sh" --services-only

log "starting MariaDB in $STATE/mariadb"
bash "$HOTLINE_ROOT/deploy/local/mariadb.sh" start "$STATE/mariadb" "${HOTLINE_MYSQL_PORT:-0}" >/dev/null
DB_PORT=$(cat "$STATE/mariadb/port")

log "creating schemas and users"
for svc in "${SERVICES[@]}"; do
  pw=$(secret "mysql-$svc")
  bash "$HOTLINE_ROOT/deploy/local/mariadb.sh" sql "$STATE/mariadb" "
    CREATE DATABASE IF NOT EXISTS hotline_$svc
      CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER IF NOT EXISTS 'hotline_$svc'@'127.0.0.1' IDENTIFIED BY '$pw';
    ALTER USER 'hotline_$svc'@'127.0.0.1' IDENTIFIED BY '$pw';
    GRANT ALL PRIVILEGES ON hotline_$svc.* TO 'hotline_$svc'@'127.0.0.1';"
done

TOKENS=$STATE/tokens
# A tokens file from before services had names (issue 13) is written anew.
if [[ -s $TOKENS ]] && ! grep -q ' SERVICE intake$' "$TOKENS"; then rm -f "$TOKENS"; fi
# Sample units with a staff token (and a lead where it decides for units
# below it), from data/directory/dazu_sample.csv: 龙水镇, its 南山社区, the
# district's 城市管理局 and its 市容科.
UNIT_STAFF_OF=(town.longshui comm.longshui.nanshan dept.urban sec.urban.shirong)
UNIT_LEAD_OF=(town.longshui dept.urban)
# token_line SECRET ROLE [UNIT_ID | SERVICE_NAME]: the token file's line for
# the token kept in $STATE/secrets/SECRET.
token_line() { echo "$(secret "$1") ${*:2}"; }
wanted_token_lines() {
  token_line token-center CENTER_STAFF
  token_line token-agent CALL_AGENT
  token_line token-evaluator EVALUATOR
  token_line token-auditor AUDITOR
  token_line token-gateway CHANNEL_GATEWAY
  # One named SERVICE token per service: each publishes only its own
  # events (DESIGN.md §6).
  for svc in "${SERVICES[@]}"; do token_line "token-service-$svc" SERVICE "$svc"; done
  # A second reviewer: an article is published by someone other than its
  # author, and a reply can be reviewed by a second pair of eyes.
  token_line token-center-2 CENTER_STAFF
  local unit
  for unit in "${UNIT_STAFF_OF[@]}"; do token_line "token-staff-$unit" UNIT_STAFF "$unit"; done
  for unit in "${UNIT_LEAD_OF[@]}"; do token_line "token-lead-$unit" UNIT_LEAD "$unit"; done
}
if [[ ! -s $TOKENS ]]; then
  log "writing dev tokens to $TOKENS"
  (umask 077 && echo "# Dev tokens: TOKEN ROLE [UNIT_ID | SERVICE_NAME]. Generated by deploy/local/run.sh." >"$TOKENS")
fi
# Lines an older run did not write are appended (the operator's own lines
# stay); running services re-read the file by themselves.
added=0
while read -r line; do
  if ! awk -v t="${line%% *}" '$1==t{found=1} END{exit !found}' "$TOKENS"; then
    echo "$line" >>"$TOKENS"
    added=$((added + 1))
  fi
done < <(wanted_token_lines)
if ((added > 0)); then log "added $added dev token(s) to $TOKENS"; fi

if [[ $SAMPLE_MONTH == 1 ]]; then  # hotline-sim acts as every sample unit
  "$BUILD/tools/sim/hotline-sim" --add_unit_tokens --tokens "$TOKENS" \
    --directory_csv "$HOTLINE_ROOT/data/directory/dazu_sample.csv"
fi

# intake's caller-data keys: AES-256-GCM key (first line active) + phone-hash HMAC key.
CALLER_KEYS=$STATE/secrets/intake-caller.keys
if [[ ! -s $CALLER_KEYS ]]; then
  (umask 077 && bash "$HOTLINE_ROOT/deploy/docker/make-keys.sh" >"$CALLER_KEYS")
fi

for svc in "${SERVICES[@]}"; do
  subs=()
  for to in ${SUBSCRIBES_TO[$svc]}; do subs+=("$to=127.0.0.1:$(port_of "$to")"); done
  (
    IFS=,
    export HOTLINE_LISTEN="127.0.0.1:$(port_of "$svc")"
    export HOTLINE_METRICS_LISTEN="127.0.0.1:$(metrics_port_of "$svc")"
    export HOTLINE_MYSQL="mysql://hotline_$svc:$(secret "mysql-$svc")@127.0.0.1:$DB_PORT/hotline_$svc"
    export HOTLINE_TOKENS="$TOKENS"
    export HOTLINE_SUBSCRIBERS="${subs[*]}"
    export HOTLINE_SERVICE_TOKEN="$(secret "token-service-$svc")"
    export HOTLINE_CLOCK="${HOTLINE_CLOCK:-system}"
    if [[ $svc == intake ]]; then export HOTLINE_CALLER_KEY_FILE="$CALLER_KEYS"; fi
    # Routing's directory (common/directory): the unit tree of intake,
    # deadline and assessment, intake's towns and communities, assessment's
    # unit names and kinds; deadline's liaisons and leaders on duty too.
    if [[ $svc == intake || $svc == deadline || $svc == assessment ]]; then
      export HOTLINE_ROUTING="127.0.0.1:$(port_of routing)"
    fi
    if [[ -n ${HOTLINE_CLOCK_START:-} ]]; then export HOTLINE_CLOCK_START; fi
    nohup "$BUILD/services/$svc/hotline-$svc" >>"$STATE/logs/$svc.log" 2>&1 &
    echo $! >"$STATE/run/$svc.pid"
  )
done

addresses=()
for svc in "${SERVICES[@]}"; do addresses+=("127.0.0.1:$(port_of "$svc")"); done
log "waiting for the services to report SERVING"
if ! "$HOTLINE_PYTHON" "$HOTLINE_ROOT/deploy/local/health.py" --timeout 60 "${addresses[@]}" >/dev/null; then
  for svc in "${SERVICES[@]}"; do
    log "--- last lines of $STATE/logs/$svc.log"
    tail -n 5 "$STATE/logs/$svc.log" >&2 || true
  done
  die "not every service reached SERVING (logs in $STATE/logs)"
fi

CTL=$BUILD/tools/hotlinectl/hotlinectl
center_token=$(secret token-center)
agent_token=$(secret token-agent)
export HOTLINE_INTAKE_ADDR=127.0.0.1:$(port_of intake)
export HOTLINE_ROUTING_ADDR=127.0.0.1:$(port_of routing)
export HOTLINE_DEADLINE_ADDR=127.0.0.1:$(port_of deadline)
export HOTLINE_ASSESSMENT_ADDR=127.0.0.1:$(port_of assessment)
if [[ ${HOTLINE_SEED:-1} != 0 && ! -f $STATE/seeded ]]; then
  log "loading the sample directory of Dazu District"
  HOTLINE_TOKEN=$center_token "$CTL" directory-import format=csv \
    "content=@$HOTLINE_ROOT/data/directory/dazu_sample.csv" \
    "source=sample directory of Dazu District" >/dev/null
  log "loading the sample dispatch catalogue (data/directory/dazu_catalogue.json)"
  HOTLINE_TOKEN=$center_token "$CTL" directory-import format=json \
    "content=@$HOTLINE_ROOT/data/directory/dazu_catalogue.json" \
    "source=sample dispatch catalogue of Dazu District" >/dev/null
  if [[ $SAMPLE_MONTH == 1 ]]; then
    log "playing the sample month from $HOTLINE_CLOCK_START (hotline-sim, ~2 minutes)"
    "$BUILD/tools/sim/hotline-sim" --tokens "$TOKENS" --quiet \
      --intake "$HOTLINE_INTAKE_ADDR" --routing "$HOTLINE_ROUTING_ADDR" \
      --deadline "$HOTLINE_DEADLINE_ADDR" --assessment "$HOTLINE_ASSESSMENT_ADDR" \
      --days 30 --orders_per_day "${HOTLINE_SAMPLE_ORDERS:-16}" \
      --seed "${HOTLINE_SAMPLE_SEED:-1}" | tee "$STATE/sample-month.txt" >&2
    log "the clocks stay at the end of the sample month until the next run.sh"
  elif [[ -x $BUILD/tools/loadgen/hotline-loadgen ]]; then
    log "recording a day of synthetic calls (240 orders)"
    "$BUILD/tools/loadgen/hotline-loadgen" --target "$HOTLINE_INTAKE_ADDR" \
      --token "$agent_token" --requests 240 --concurrency 4 \
      --run_id "seed-$(date +%s)" >/dev/null
  fi
  touch "$STATE/seeded"
fi

# The services' date (local time): the manual clock's when there is one.
if [[ ${HOTLINE_CLOCK:-system} == manual ]]; then
  now=$(HOTLINE_TOKEN=$center_token "$CTL" --json --on=deadline clock |
    "$HOTLINE_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["now"])')
else
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
fi
today=$(TZ=Asia/Shanghai date -d "$now" +%F)
year=${today%%-*}
# Next year's holiday calendar is published by the State Council around
# November; from December on, say so when it is not loaded (the deadline
# service logs calendar.next_year_missing once a day too).
calendar_warning=
if [[ $(TZ=Asia/Shanghai date -d "$now" +%m) == 12 ]]; then
  known_years=$(HOTLINE_TOKEN=$center_token "$CTL" --json calendar |
    "$HOTLINE_PYTHON" -c 'import json, sys; print(*json.load(sys.stdin).get("years", []))')
  if ! grep -qw "$((year + 1))" <<<"$known_years"; then
    calendar_warning="WARNING: the holiday calendar of $((year + 1)) is not loaded (known: ${known_years:-none}).
  Deadlines reaching into it use the weekday rule and are flagged calendar_incomplete.
  Load it once the State Council publishes it: hotlinectl load-year --data=@$((year + 1)).json
  (the format of data/calendar/cn_holidays.json; see hotlinectl help load-year)."
    log "warning: the holiday calendar of $((year + 1)) is not loaded"
  fi
fi

# How to act as a role: one token exactly, whatever else the file holds.
token_cmd() {  # token_cmd ROLE [UNIT_ID] [N]: the Nth line of ROLE (1)
  local match="\$2==\"$1\""
  if [[ -n ${2:-} ]]; then match+=" && \$3==\"$2\""; fi
  echo "export HOTLINE_TOKEN=\$(awk '$match{if (++n == ${3:-1}) {print \$1; exit}}' $TOKENS)"
}
period="period.from_date=$year-01-01 period.to_date=$today"

cat <<TXT

Hotline 12345 is running (all four services SERVING).

  service     gRPC              metrics (Prometheus)          log
$(for svc in "${SERVICES[@]}"; do printf '  %-11s 127.0.0.1:%-7s http://127.0.0.1:%s/metrics   %s\n' "$svc" "$(port_of "$svc")" "$(metrics_port_of "$svc")" "$STATE/logs/$svc.log"; done)
  MariaDB     127.0.0.1:$DB_PORT   (root password in $STATE/mariadb/root.password)

  Tokens (send "authorization: Bearer TOKEN"): $TOKENS
    (edit it, or kill -HUP a service: the services re-read it within seconds)
  Health:  deploy/local/health.py ${addresses[*]}
  Stop:    deploy/local/stop.sh
${calendar_warning:+
$calendar_warning
}
Try it with hotlinectl ($CTL; "hotlinectl help" lists every verb,
"hotlinectl help VERB" its fields). TICKET: an order id, e.g. from "hotlinectl queue reasons=new".
$(if [[ $PORT_BASE != 7100 ]]; then for svc in "${SERVICES[@]}"; do
  echo "  export HOTLINE_${svc^^}_ADDR=127.0.0.1:$(port_of "$svc")"; done; fi)

  # The center (CENTER_STAFF): dispatches, reviews, supervises.
  $(token_cmd CENTER_STAFF)
  hotlinectl health
  hotlinectl queue                                  # what waits for the center
  hotlinectl queue reasons=new                      # new orders to dispatch
  hotlinectl units                                  # the unit tree
  hotlinectl dispatch ticket_id=TICKET unit_id=town.longshui
  hotlinectl clocks ticket_id=TICKET                # statutory clocks, explained
  hotlinectl due start="2024-09-30 16:00" working_days=3
  hotlinectl ranking $period peer_kind=town_street

  # 龙水镇 staff (UNIT_STAFF town.longshui): sign for the order, pass it down.
  $(token_cmd UNIT_STAFF town.longshui)
  hotlinectl worklist                               # the unit's open orders
  hotlinectl accept ticket_id=TICKET
  hotlinectl forward ticket_id=TICKET to_unit_id=comm.longshui.nanshan note="请南山社区核实现场情况"

  # 南山社区 staff (UNIT_STAFF comm.longshui.nanshan): handles and replies.
  $(token_cmd UNIT_STAFF comm.longshui.nanshan)
  hotlinectl worklist
  hotlinectl help reply                             # what a reply must state

  # 龙水镇's lead (UNIT_LEAD town.longshui): its figures, extensions of units below.
  $(token_cmd UNIT_LEAD town.longshui)
  hotlinectl scorecard unit_id=town.longshui include_subtree=true $period
  hotlinectl ranking $period peer_kind=town_street

  # 区城市管理局 staff and lead (UNIT_STAFF / UNIT_LEAD dept.urban; 市容科: sec.urban.shirong).
  $(token_cmd UNIT_STAFF dept.urban)
  hotlinectl worklist
  $(token_cmd UNIT_LEAD dept.urban)
  hotlinectl scorecard unit_id=dept.urban include_subtree=true $period

  # A second reviewer (CENTER_STAFF): reviews what the first wrote (article-review).
  $(token_cmd CENTER_STAFF "" 2)
  hotlinectl queue reasons=awaiting_review          # replies to review

  # A call agent (CALL_AGENT): the caller's view of an order.
  $(token_cmd CALL_AGENT)
  hotlinectl get ticket_id=TICKET

  # The evaluator (EVALUATOR) calls back once the reply is approved.
  $(token_cmd EVALUATOR)
  hotlinectl help evaluate

  # An auditor (AUDITOR): the recorded facts of an order.
  $(token_cmd AUDITOR)
  hotlinectl facts ticket_id=TICKET
TXT
