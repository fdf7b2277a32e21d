#!/usr/bin/env bash
# Shared by deploy/local/{run,stop,test}.sh: packages, build, paths.
# Source it; it defines functions and variables and runs nothing.

# Debian's python3 (python3-grpcio is installed for it, not for a pyenv one).
HOTLINE_PYTHON=/usr/bin/python3
HOTLINE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian 12 packages the project builds, tests and runs with.
HOTLINE_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto libabsl-dev libmysqlcppconn-dev libssl-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  mariadb-server mariadb-client
  python3 python3-grpcio python3-yaml docker-compose curl
  chromium fonts-wqy-microhei  # assessment: HTML report rendered headless (CJK glyphs)
)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs whichever of HOTLINE_PACKAGES (and "$@") are missing.
ensure_packages() {
  local missing=() p
  for p in "${HOTLINE_PACKAGES[@]}" "$@"; do
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
