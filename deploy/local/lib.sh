#!/usr/bin/env bash
# Shared by deploy/local/{run,stop,test}.sh: packages, build, paths.
# Source it; it defines functions and variables and runs nothing.

# Debian's python3 (python3-grpcio is installed for it, not for a pyenv one).
HOTLINE_PYTHON=/usr/bin/python3
HOTLINE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian 12 packages: what building needs (also the Docker image's build
# stage), what running locally adds, and what the tests add.
HOTLINE_BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto libabsl-dev libmysqlcppconn-dev libssl-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
HOTLINE_RUN_PACKAGES=(
  "${HOTLINE_BUILD_PACKAGES[@]}"
  mariadb-server mariadb-client python3 python3-grpcio
)
HOTLINE_TEST_PACKAGES=(
  "${HOTLINE_RUN_PACKAGES[@]}"
  python3-yaml docker-compose curl  # deployment checks, local-run test
  openssl                           # the test PKI (deploy/tls/make-certs.sh)
  chromium fonts-wqy-microhei       # the HTML report rendered headless (CJK)
  clang libclang-rt-14-dev          # fuzz targets: libFuzzer, ASan, UBSan
)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ensure_packages PACKAGE...: installs whichever are missing.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing ${missing[*]}"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# build_project BUILD_DIR [cmake -D args...]: configure and build.
build_project() {
  local dir=$1
  shift
  local generator=()
  [[ -f $dir/CMakeCache.txt ]] || generator=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
  cmake -S "$HOTLINE_ROOT" -B "$dir" "${generator[@]}" "$@" >/dev/null
  log "building in $dir"
  cmake --build "$dir" -j "$(nproc)"
}

# A free loopback TCP port.
free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
