#!/usr/bin/env bash
# Builds and runs the fuzz targets (README.md beside this file).
#
#   run.sh build SOURCE_DIR TREE          configure TREE with clang
#                                         (HOTLINE_BUILD_FUZZ=ON) and build
#                                         the targets, nothing else
#   run.sh run   SOURCE_DIR TREE TARGET   run TARGET for HOTLINE_FUZZ_SECONDS
#                                         (30) from its seed corpus, with
#                                         libFuzzer's -seed HOTLINE_FUZZ_SEED
#                                         (1, so a run can be repeated; 0:
#                                         a random seed each run)
#   run.sh all   SOURCE_DIR TREE          both, every target in turn
#
# A run fails on any crash, sanitizer report, timeout (10 s per input) or
# out-of-memory; the input that did it is kept in TREE/artifacts/ and named
# in the output. New inputs go to TREE/corpus/TARGET (the repository's seed
# corpus, tests/fuzz/corpus/TARGET, is only read). Each run prints its
# figures: executions, rate, coverage (edges and features) and corpus size.
set -euo pipefail

mode=${1:?usage: run.sh build|run|all SOURCE_DIR TREE [TARGET]}
src=$(realpath "${2:?source dir}")
tree=$(realpath -m "${3:?fuzz build tree}")
seconds=${HOTLINE_FUZZ_SECONDS:-30}
fuzz_seed=${HOTLINE_FUZZ_SEED:-1}

targets() {
  sed -n '/^set(HOTLINE_FUZZ_TARGETS/,/)/p' "$src/tests/fuzz/CMakeLists.txt" |
    grep -o '[a-z_]*_fuzzer'
}

build() {
  local cc cxx
  cc=$(command -v clang || command -v clang-14) || {
    echo "run.sh: clang not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
    exit 1
  }
  cxx=$(command -v clang++ || command -v clang++-14)
  local start=$SECONDS
  if [[ ! -f $tree/CMakeCache.txt ]]; then
    # -O1 -g without NDEBUG: assertions stay on; sanitizer flags come from
    # HOTLINE_BUILD_FUZZ (CMakeLists.txt).
    cmake -S "$src" -B "$tree" -G Ninja -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Fuzz \
      -DCMAKE_C_FLAGS_FUZZ="-O1 -g" -DCMAKE_CXX_FLAGS_FUZZ="-O1 -g" \
      -DHOTLINE_BUILD_FUZZ=ON -DHOTLINE_BUILD_TESTS=OFF \
      -DHOTLINE_BUILD_BENCH=OFF >"$tree.configure.log" 2>&1 || {
      cat "$tree.configure.log" >&2
      exit 1
    }
  fi
  cmake --build "$tree" -j "$(nproc)" --target hotline_fuzzers
  echo "fuzz build: $(targets | wc -l) targets in $((SECONDS - start)) s ($tree)"
}

run() {
  local target=$1
  local bin=$tree/tests/fuzz/$target seed=$src/tests/fuzz/corpus/$target
  [[ -x $bin ]] || {
    echo "run.sh: $bin not built (run.sh build first)" >&2
    exit 1
  }
  [[ -d $seed ]] || {
    echo "run.sh: no seed corpus $seed" >&2
    exit 1
  }
  local work=$tree/corpus/$target art=$tree/artifacts log=$tree/logs/$target.log
  mkdir -p "$work" "$art" "$(dirname "$log")"
  local rc=0
  # Leaks are reported at exit too; a static kept for the process is not one.
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" -max_total_time="$seconds" -seed="$fuzz_seed" -timeout=10 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$art/$target-" \
    "$work" "$seed" >"$log" 2>&1 || rc=$?
  local execs rate cov ft corp
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  corp=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  echo "$target: ${execs:-?} executions in ${seconds} s (${rate:-?}/s), coverage ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?} (seeds: $(ls "$seed" | wc -l))"
  if [[ $rc -ne 0 ]]; then
    echo "---- $target FAILED (exit $rc); last lines of $log:"
    tail -n 60 "$log"
    echo "---- inputs kept:"
    ls -l "$art" | grep -- "$target-" || true
    echo "Fix the cause, then keep the input as a regression seed:"
    echo "  cp $art/$target-<crash-…> $src/tests/fuzz/corpus/$target/regression-<what>"
    exit 1
  fi
}

case $mode in
  build) build ;;
  run) run "${4:?target}" ;;
  all)
    build
    for t in $(targets); do run "$t"; done
    ;;
  *)
    echo "usage: run.sh build|run|all SOURCE_DIR TREE [TARGET]" >&2
    exit 2
    ;;
esac
