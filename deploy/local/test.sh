#!/usr/bin/env bash
# Runs the whole test suite on this machine: installs missing Debian packages,
# builds everything with tests, and runs ctest (labels unit, integration, e2e,
# security, chaos).
# Integration and e2e tests share one throwaway MariaDB that ctest starts in
# the build folder and stops at the end (tests/support), one schema per test.
# Extra arguments go to ctest (e.g. -L unit, -R outbox).
#
#   HOTLINE_BUILD_DIR   build folder (build)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BUILD=$(realpath -m "${HOTLINE_BUILD_DIR:-$HOTLINE_ROOT/build}")

ensure_packages "${HOTLINE_TEST_PACKAGES[@]}"
build_project "$BUILD" -DHOTLINE_BUILD_TESTS=ON -DHOTLINE_BUILD_BENCH=ON
cd "$BUILD"
ctest --output-on-failure -j "$(nproc)" -L 'unit|integration|e2e|security|chaos' "$@"
