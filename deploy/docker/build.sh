#!/usr/bin/env bash
# The build step of deploy/docker/Dockerfile; CI runs it too (tests/e2e), so
# the image's build is exercised on every submission without a Docker engine.
#
#   build.sh OUT_DIR [BUILD_DIR]
#
# Installs the build packages that are missing, builds the four services and
# hotlinectl (Release, no tests) — or, given an already configured BUILD_DIR,
# just brings those targets up to date there — and stages into OUT_DIR:
#   bin/          hotline-intake hotline-routing hotline-deadline
#                 hotline-assessment hotlinectl
#   share/hotline/  shipped data (calendar, sample directory)
#   runtime-packages.txt  the Debian packages whose shared libraries the
#                 binaries load (dpkg -S over ldd), which the image installs
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
out=$(realpath -m "$1")
build=$(realpath -m "${2:-$out/build}")
targets=(hotline-intake hotline-routing hotline-deadline hotline-assessment hotlinectl)

ensure_packages "${HOTLINE_BUILD_PACKAGES[@]}"
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$HOTLINE_ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DHOTLINE_BUILD_TESTS=OFF -DHOTLINE_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

mkdir -p "$out/bin" "$out/share/hotline"
for svc in intake routing deadline assessment; do
  install -m 755 "$build/services/$svc/hotline-$svc" "$out/bin/"
done
install -m 755 "$build/tools/hotlinectl/hotlinectl" "$out/bin/"
cp -r "$HOTLINE_ROOT/data/." "$out/share/hotline/"

# Runtime packages: the owners of every shared library the binaries load.
ldd "$out"/bin/* | awk '/=> \// {print $3}' | sort -u |
  while read -r lib; do
    dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
  done | cut -d: -f1 | sort -u | grep -v -E '^(libc6|libgcc-s1|libstdc\+\+6)$' \
  >"$out/runtime-packages.txt"
[[ -s $out/runtime-packages.txt ]] || die "no runtime packages found"
log "staged $(ls "$out/bin" | wc -l) binaries; runtime packages: $(tr '\n' ' ' <"$out/runtime-packages.txt")"
