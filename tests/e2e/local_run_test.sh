#!/usr/bin/env bash
# The README's run command on this machine: deploy/local/run.sh (with the
# binaries this build made) brings MariaDB and all four services up, and each
# reports SERVING over the standard gRPC health protocol, checked by
# deploy/local/health.py — python3-grpcio, a client that shares no code with
# the services. Then deploy/local/stop.sh stops everything.
#   local_run_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
state=$(mktemp -d /tmp/hotline-run-test.XXXXXX)
cleanup() {
  HOTLINE_STATE_DIR=$state bash "$src/deploy/local/stop.sh" || true
  rm -rf "$state"
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
    b = random.randrange(20000, 60000, 10)
    if all(free(b + i) for i in range(1, 5)) and b not in bases:
        bases.append(b)
print(*bases)
PY
)

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
  bash "$src/deploy/local/run.sh" >/dev/null

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
token_of() { awk -v r="$1" '$2==r{print $1; exit}' "$state/tokens"; }
"$build/tools/loadgen/hotline-loadgen" --pipeline \
  --target "${addresses[0]}" --routing "${addresses[1]}" \
  --assessment "${addresses[3]}" --token "$(token_of CALL_AGENT)" \
  --center_token "$(token_of CENTER_STAFF)" --rate 10 --duration 3s \
  --concurrency 2 --settle 60s --state_dir "$state" \
  --json_out "$state/pipeline.json"
grep -q '"complete":' "$state/pipeline.json"
