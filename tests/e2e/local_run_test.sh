#!/usr/bin/env bash
# The README's run command on this machine: deploy/local/run.sh (with the
# binaries this build made) brings MariaDB and all four services up, and each
# reports SERVING over the standard gRPC health protocol, checked by
# deploy/local/health.py — python3-grpcio, a client that shares no code with
# the services. Every "try it" line run.sh prints runs and succeeds (TICKET:
# an order of the sample), each role's token line yields exactly one token,
# and the services re-read the token file on SIGHUP and on change. Then
# deploy/local/stop.sh stops everything.
#   local_run_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
state=$(mktemp -d /tmp/hotline-run-test.XXXXXX)
cleanup() {
  HOTLINE_STATE_DIR=$state bash "$src/deploy/local/stop.sh" || true
  [[ -n ${KEEP_STATE:-} ]] || rm -rf "$state"
}
trap cleanup EXIT

# Eight free ports: gRPC base+1..4 and metrics base+1..4.
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
    b = random.randrange(20000, 32000, 10)  # below the ephemeral ports (32768-)
    if all(free(b + i) for i in range(1, 5)) and b not in bases:
        bases.append(b)
print(*bases)
PY
)

# A token file from an earlier run, with a line of the operator's own: it
# keeps its lines and gains the ones it lacks.
printf '%s\n' "operator-own-token-1 AUDITOR" "earlier-intake-token SERVICE intake" \
  >"$state/tokens"
# The first run plays the sample month (hotline-sim), here with 4 orders a
# working day to stay quick.
HOTLINE_SKIP_BUILD=1 HOTLINE_BUILD_DIR=$build HOTLINE_STATE_DIR=$state \
  HOTLINE_PORT_BASE=$grpc_base HOTLINE_METRICS_BASE=$metrics_base \
  HOTLINE_SAMPLE_ORDERS=4 bash "$src/deploy/local/run.sh"
# It dispatched by the catalogue and answered orders.
grep -Eq 'dispatched by the catalogue [1-9]' "$state/sample-month.txt"
grep -Eq 'replies [1-9]' "$state/sample-month.txt"
# The next run returns the services to the system clock (the rest below).
HOTLINE_SKIP_BUILD=1 HOTLINE_BUILD_DIR=$build HOTLINE_STATE_DIR=$state \
  HOTLINE_PORT_BASE=$grpc_base HOTLINE_METRICS_BASE=$metrics_base \
  bash "$src/deploy/local/run.sh" | tee "$state/run.out"

addresses=()
for i in 1 2 3 4; do addresses+=("127.0.0.1:$((grpc_base + i))"); done
/usr/bin/python3 "$src/deploy/local/health.py" --timeout 10 "${addresses[@]}"
names=(hotline.v1.IntakeService hotline.v1.RoutingService
       hotline.v1.DeadlineService hotline.v1.AssessmentService)
for i in 0 1 2 3; do  # and per service name
  /usr/bin/python3 "$src/deploy/local/health.py" --timeout 10 \
    --service "${names[$i]}" "${addresses[$i]}"
done
# Server reflection lists the contract's services (raw bytes: a
# ServerReflectionRequest with list_services = "" is field 7, empty).
/usr/bin/python3 - "${addresses[0]}" <<'PY'
import sys, grpc
with grpc.insecure_channel(sys.argv[1]) as ch:
    call = ch.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=lambda x: x, response_deserializer=lambda x: x)
    reply = b"".join(call(iter([b"\x3a\x00"]), timeout=10))
for name in (b"hotline.v1.IntakeService", b"hotline.v1.KnowledgeService"):
    assert name in reply, (name, reply)
print("reflection lists", reply.count(b"hotline.v1."), "hotline services")
PY
# Metrics are served.
curl -sf "http://127.0.0.1:$((metrics_base + 1))/metrics" >"$state/metrics.txt"
grep -q hotline_ready "$state/metrics.txt"
# Each service is connected as its own user, with rights on its own schema.
for svc in intake routing deadline assessment; do
  grep -q "\"event\":\"health.serving\"" "$state/logs/$svc.log"
done
grants=$(bash "$src/deploy/local/mariadb.sh" sql "$state/mariadb" \
  "SHOW GRANTS FOR 'hotline_intake'@'127.0.0.1'")
grep -q 'ON `hotline_intake`' <<<"$grants"
if grep -q 'ON \*\.\*.*ALL' <<<"$grants"; then
  echo "hotline_intake has global privileges: $grants"; exit 1
fi
echo "local run: all four services SERVING"

# The pipeline benchmark, small, so that it cannot rot: every order it offers
# reaches all four services (hotline-loadgen --pipeline exits 1 otherwise).
# The first token of a role (and, if given, of a unit).
token_of() {
  awk -v r="$1" -v u="${2:-}" '$2==r && (u=="" || $3==u) {print $1; exit}' \
    "$state/tokens"
}
"$build/tools/loadgen/hotline-loadgen" --pipeline \
  --target "${addresses[0]}" --routing "${addresses[1]}" \
  --assessment "${addresses[3]}" --token "$(token_of CALL_AGENT)" \
  --center_token "$(token_of CENTER_STAFF)" --rate 10 --duration 3s \
  --concurrency 2 --settle 60s --state_dir "$state" \
  --json_out "$state/pipeline.json"
grep -q '"complete":' "$state/pipeline.json"

# Every role has its token line, the second reviewer included.
for want in "CENTER_STAFF" "CALL_AGENT" "EVALUATOR" "AUDITOR" "CHANNEL_GATEWAY" \
    "UNIT_STAFF town.longshui" "UNIT_STAFF comm.longshui.nanshan" \
    "UNIT_STAFF dept.urban" "UNIT_LEAD town.longshui" "UNIT_LEAD dept.urban"; do
  grep -q " $want\$" "$state/tokens" || { echo "no token line \"$want\""; exit 1; }
done
[[ $(awk '$2=="CENTER_STAFF"' "$state/tokens" | wc -l) -ge 2 ]]
grep -qx "operator-own-token-1 AUDITOR" "$state/tokens"
grep -qx "earlier-intake-token SERVICE intake" "$state/tokens"

# The sample month tells a story: scores that differ among the units ranked,
# and a month's report with an overdue chart that is not empty.
ctl=$build/tools/hotlinectl/hotlinectl
export HOTLINE_INTAKE_ADDR=${addresses[0]} HOTLINE_ROUTING_ADDR=${addresses[1]}
export HOTLINE_DEADLINE_ADDR=${addresses[2]} HOTLINE_ASSESSMENT_ADDR=${addresses[3]}
month="period.from_date=$(date -d '31 days ago' +%F) period.to_date=$(date -d 'yesterday' +%F)"
for peers in town_street department; do
  # shellcheck disable=SC2086  # $month is two words
  HOTLINE_TOKEN=$(token_of CENTER_STAFF) "$ctl" --json ranking $month \
    "peer_kind=$peers" >"$state/ranking-$peers.json"
done
/usr/bin/python3 - "$state"/ranking-*.json <<'PY'
import json, sys
scores = set()
for path in sys.argv[1:]:
    for e in json.load(open(path)).get("entries", []):
        if not (e.get("not_scored") or e.get("notScored")):
            scores.add(e.get("composite_score", e.get("compositeScore", 0)))
assert len(scores) >= 2, f"the sample month ranks every unit alike: {scores}"
print("sample month: units scored", sorted(scores))
PY
# The town ranked first has a scorecard with figures behind its score, and
# a unit's worklist after the month holds orders with their dues.
top=$(/usr/bin/python3 -c 'import json, sys
for e in json.load(open(sys.argv[1])).get("entries", []):
    if not (e.get("not_scored") or e.get("notScored")):
        print(e.get("unit_id") or e["unitId"]); break' "$state/ranking-town_street.json")
[[ -n $top ]]
# shellcheck disable=SC2086
HOTLINE_TOKEN=$(token_of CENTER_STAFF) "$ctl" --json scorecard "unit_id=$top" \
  include_subtree=true $month >"$state/scorecard.json"
HOTLINE_TOKEN=$(token_of UNIT_STAFF town.longshui) "$ctl" --json worklist \
  >"$state/worklist.json"
/usr/bin/python3 - "$state/scorecard.json" "$state/worklist.json" <<'PY'
import json, sys
card = json.load(open(sys.argv[1]))["scorecard"]
total = card.get("total", {})
assert not (card.get("not_scored") or card.get("notScored")), card
assert int(total.get("orders", 0)) > 0, f"no orders behind the score: {total}"
rates = [v for v in total.values() if isinstance(v, dict)
         and int(v.get("denominator", 0)) > 0]
assert len(rates) >= 3, f"fewer than three rates with a denominator: {total}"
assert card.get("components"), "a score without its components"
items = json.load(open(sys.argv[2])).get("items", [])
assert items, "town.longshui's worklist is empty after the sample month"
handling = {"TICKET_STATUS_DISPATCHED", "TICKET_STATUS_ACCEPTED",
            "TICKET_STATUS_FORWARDED", "TICKET_STATUS_RETURNED",
            "TICKET_STATUS_REHANDLING"}
dues = 0
for item in items:
    a = item["assignment"]
    assert a.get("title"), f"a worklist order without its title: {a}"
    if a.get("status") in handling:
        assert a.get("next_due") or a.get("nextDue"), f"no due shown: {a}"
        dues += 1
print(f"sample month: {card.get('unit_name') or card.get('unitName')} "
      f"{total.get('orders')} orders, {len(rates)} rates; "
      f"worklist {len(items)} orders, {dues} being handled with their due")
PY
# shellcheck disable=SC2086
HOTLINE_TOKEN=$(token_of CENTER_STAFF) "$ctl" report $month \
  --out "$state/report.html" >/dev/null
grep -q 'id="chart-overdue"' "$state/report.html"
[[ $(sed -n '/id="chart-overdue"/,/<\/figure>/p' "$state/report.html" |
  grep -c '<rect') -ge 2 ]]

# Every "try it" line, in order, as a reader would paste it: exports set the
# token (exactly one, no line break), hotlinectl lines must exit 0.
# TICKET: a new order waiting for dispatch, as run.sh's text says — a call
# taken now (water pollution: no rule of the sample catalogue, the center
# dispatches it).
HOTLINE_TOKEN=$(token_of CALL_AGENT) "$ctl" create channel=phone \
  request_type=complaint category_code=eco.water \
  location.town_code=town.longshui location.address="龙水镇滨河路菜市场旁排污口" \
  title="滨河路排污口污水直排" content="滨河路菜市场旁排污口向濑溪河直排污水，气味很大" \
  caller.name=李四 caller.phone=13800001234 >/dev/null
ticket=
for i in $(seq 1 50); do  # intake's event reaches routing within moments
  ticket=$(HOTLINE_TOKEN=$(token_of CENTER_STAFF) "$ctl" --json queue reasons=new |
    /usr/bin/python3 -c 'import json, sys
for item in json.load(sys.stdin).get("items", []):
    a = item["assignment"]
    print(a.get("ticket_id") or a["ticketId"]); break')
  [[ -n $ticket ]] && break
  sleep 0.2
done
[[ -n $ticket ]]
tried=0 failed=0
while IFS= read -r line; do
  line=${line#"${line%%[![:space:]]*}"}  # leading blanks
  case $line in
    "export HOTLINE_TOKEN="*)
      eval "$line"
      if [[ -z $HOTLINE_TOKEN || $HOTLINE_TOKEN == *[[:space:]]* ]]; then
        echo "FAILED: \"$line\" does not yield exactly one token"; failed=$((failed + 1))
      fi ;;
    "export HOTLINE_"*"_ADDR="*) eval "$line" ;;
    "hotlinectl "*)
      cmd=${line//TICKET/$ticket}
      tried=$((tried + 1))
      if ! eval "\"\$ctl\"${cmd#hotlinectl}" >"$state/try.out" 2>&1; then
        echo "FAILED: $line"; cat "$state/try.out"; failed=$((failed + 1))
      fi ;;
  esac
done < <(sed -n '/^Try it with hotlinectl/,$p' "$state/run.out")
echo "try it: $tried hotlinectl lines run, $failed failed"
[[ $tried -ge 10 && $failed -eq 0 ]]

# The caller's view of the order the lines dispatched and forwarded names
# the units (data/directory/dazu_sample.csv), never their ids.
for i in $(seq 1 50); do  # routing's events reach intake within moments
  HOTLINE_TOKEN=$(token_of CALL_AGENT) "$ctl" --json get "ticket_id=$ticket" >"$state/ticket.json"
  if grep -q '已流转至龙水镇南山社区居委会' "$state/ticket.json"; then break; fi
  sleep 0.2
done
grep -q '"已交办至龙水镇人民政府"' "$state/ticket.json"
grep -q '"龙水镇人民政府已签收，正在办理"' "$state/ticket.json"
grep -q '已流转至龙水镇南山社区居委会' "$state/ticket.json"
if grep -q '"note": "[^"]*town\.longshui' "$state/ticket.json"; then
  echo "a progress note names a unit by its id"; cat "$state/ticket.json"; exit 1
fi

# The token file is re-read without a restart: a line appended is picked up
# by the poll, SIGHUP re-reads at once, a broken file keeps the old tokens.
late=late-staff-$RANDOM$RANDOM
echo "$late UNIT_STAFF town.longshui" >>"$state/tokens"
for i in $(seq 1 50); do  # the poll runs every 3 s
  if HOTLINE_TOKEN=$late "$ctl" worklist >/dev/null 2>&1; then break; fi
  sleep 0.2
done
HOTLINE_TOKEN=$late "$ctl" worklist >/dev/null
grep -q '"event":"tokens.reloaded"' "$state/logs/routing.log"
cp "$state/tokens" "$state/tokens.good"
echo "not-a-token-line" >>"$state/tokens"
kill -HUP "$(cat "$state/run/routing.pid")"
for i in $(seq 1 50); do
  if grep -q '"event":"tokens.reload_failed"' "$state/logs/routing.log"; then break; fi
  sleep 0.2
done
grep -q '"event":"tokens.reload_failed"' "$state/logs/routing.log"
HOTLINE_TOKEN=$late "$ctl" worklist >/dev/null  # the old tokens still work
mv "$state/tokens.good" "$state/tokens"
# One access-log line per RPC, successful ones too, with the role.
grep -q '"event":"rpc".*"code":"OK".*"role":"UNIT_STAFF"' "$state/logs/routing.log"
if grep -q "$late" "$state/logs/"*.log; then echo "a token reached a log"; exit 1; fi
# A malformed relay linger stops start-up with one line naming the setting.
if out=$(HOTLINE_RELAY_LINGER=5s "$build/services/routing/hotline-routing" 2>&1); then
  echo "hotline-routing started with HOTLINE_RELAY_LINGER=5s"; exit 1
fi
[[ $out == *"--relay_linger (HOTLINE_RELAY_LINGER): a duration from 0 to 1s"* ]] ||
  { echo "unexpected start-up error: $out"; exit 1; }
echo "local run: try-it lines, token reload, access log and a bad setting checked"
