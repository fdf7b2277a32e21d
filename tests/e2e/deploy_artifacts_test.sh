#!/usr/bin/env bash
# What can be checked of the container deployment without a Docker engine:
#  1. the Dockerfile's build step (deploy/docker/build.sh) stages every binary,
#     the shipped data and the runtime package list, here, from this build;
#  2. deploy/docker-compose.yml is valid (docker-compose config -q);
#  3. the k8s manifests parse as YAML.
#   deploy_artifacts_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
trap 'echo "FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
src=$1 build=$2
out=$(mktemp -d /tmp/hotline-image.XXXXXX)
trap 'rm -rf "$out"' EXIT

bash "$src/deploy/docker/build.sh" "$out" "$build"
for bin in hotline-intake hotline-routing hotline-deadline hotline-assessment hotlinectl; do
  [[ -x $out/bin/$bin ]] || { echo "missing $bin"; exit 1; }
done
grep -q '^libgrpc++' "$out/runtime-packages.txt"
grep -q '^libmysqlcppconn' "$out/runtime-packages.txt"
[[ -f $out/share/hotline/calendar/cn_holidays.json ]]
"$out/bin/hotlinectl" help >"$out/help.txt"
grep -q 'directory-import' "$out/help.txt"
# A staged service refuses to start without configuration, naming the setting.
if "$out/bin/hotline-routing" 2>"$out/err.txt"; then exit 1; fi
grep -q -- '--listen (HOTLINE_LISTEN) is required' "$out/err.txt"

docker-compose --env-file "$src/deploy/docker/example.env" \
  -f "$src/deploy/docker-compose.yml" config -q
/usr/bin/python3 - "$src/deploy/k8s" <<'PY'
import glob, sys, yaml
docs = [d for f in sorted(glob.glob(sys.argv[1] + "/*.yaml"))
        for d in yaml.safe_load_all(open(f)) if d]
kinds = sorted({d["kind"] for d in docs})
deployments = [d for d in docs if d["kind"] == "Deployment"]
assert len(deployments) == 4, deployments
for d in deployments:
    c = d["spec"]["template"]["spec"]["containers"][0]
    name = d["metadata"]["name"]
    # Readiness is the gRPC health check, over the service's mutual TLS.
    probe = c["readinessProbe"]["exec"]["command"]
    assert probe[:2] == ["hotlinectl", "health"], name
    env = {e["name"] for e in c["env"]}
    assert {"HOTLINE_TLS_CERT", "HOTLINE_TLS_KEY", "HOTLINE_TLS_CA"} <= env, name
    assert d["spec"]["replicas"] >= 2
print("k8s:", len(docs), "objects:", ", ".join(kinds))
PY
echo "deployment artifacts ok"
