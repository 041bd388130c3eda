#!/usr/bin/env bash
# GPU check of schedkit.batch, for a machine with a CUDA GPU, CuPy, NumPy, pytest and
# hypothesis but no Rust and no internet. Run from anywhere: bash bench/gpu_check.sh
#
#  1. installs the prebuilt wheel .whl/schedkit-*.whl (the newest; or $SCHEDKIT_WHEEL) into
#     $SITE (/tmp/site) and sets PYTHONPATH to it, so the tests import the wheel (with its
#     compiled _core), not the source tree. Working-tree Python files that differ from the
#     wheel's are copied over it and listed (SCHEDKIT_OVERLAY=0 turns that off;
#     SCHEDKIT_OVERLAY_ONLY="batch/__init__.py batch/_cuda.py" limits it to those files);
#  2. prints the GPUs (nvidia-smi -L);
#  3. runs the gpu-marked tests of tests/batch/test_batch_gpu.py and tests/batch/test_batch_backends.py;
#  4. runs the GPU benchmark, bench/bench_gpu.py (at most 130 s), which writes
#     bench/results/gpu.md and gpu.json;
#  5. copies gpu.md, gpu.json and this run's log to $OUT when OUT is set; prints a report.
# It finishes in under 5 minutes (every step has a timeout). Without a GPU the tests skip and
# say why, and the benchmark measures the CPU backends only.
# Exit status 0 when the tests passed (or skipped) and the benchmark ran, else 1.

set -u -o pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
SITE=${SITE:-/tmp/site}
LOG=${OUT:-/tmp}/gpu_check.log

main() {
    local started=$SECONDS wheel tests tests_word bench bench_word
    echo "== schedkit GPU check in $REPO ($(date -u +%Y-%m-%dT%H:%M:%SZ))"

    # 1. the wheel
    wheel=${SCHEDKIT_WHEEL:-$(ls -t .whl/schedkit-*.whl 2>/dev/null | head -n 1)}
    if [ -z "$wheel" ] || [ ! -f "$wheel" ]; then
        echo "no wheel: put one in .whl/ (maturin build --release -o .whl) or set SCHEDKIT_WHEEL"
        return 1
    fi
    rm -rf "$SITE"
    python3 -m pip install -q --no-index --no-deps --target "$SITE" "$wheel" || return 1
    if [ "${SCHEDKIT_OVERLAY:-1}" = 1 ]; then
        local f changed=()
        while IFS= read -r f; do
            if ! cmp -s "python/schedkit/$f" "$SITE/schedkit/$f"; then
                mkdir -p "$(dirname "$SITE/schedkit/$f")"
                cp "python/schedkit/$f" "$SITE/schedkit/$f"
                changed+=("$f")
            fi
        done < <(if [ -n "${SCHEDKIT_OVERLAY_ONLY:-}" ]; then printf '%s\n' $SCHEDKIT_OVERLAY_ONLY;
                 else cd python/schedkit && find . -name '*.py' -not -path '*/__pycache__/*' | sed 's|^\./||' | sort; fi)
        [ ${#changed[@]} -gt 0 ] && echo "working-tree Python files that differ from the wheel's, copied over it: ${changed[*]}"
    fi
    export PYTHONPATH=$SITE PYTHONUNBUFFERED=1
    echo "wheel: $wheel"
    python3 -c 'import sys, schedkit, schedkit.batch._cuda as c
print("python", sys.version.split()[0], "| schedkit", schedkit.__version__, "from", schedkit.__file__)
print("device:", c.cupy_status()[1])' || return 1

    # 2. the GPUs
    if command -v nvidia-smi >/dev/null; then nvidia-smi -L; else echo "nvidia-smi: not found"; fi

    # 3. the gpu tests. -o addopts="" drops the repo's --doctest-modules (testpaths do not apply
    # to named files); -W default shows warnings rather than failing on them (pyproject makes
    # them errors, and CuPy or a newer NumPy may warn on import).
    echo "== pytest -m gpu"
    timeout 140 python3 -m pytest -q -m gpu tests/batch/test_batch_gpu.py tests/batch/test_batch_backends.py \
        -p no:cacheprovider --rootdir "$REPO" -o addopts="" --strict-markers -ra -W default
    tests=$?
    case $tests in
        0) tests_word="passed (or skipped, see above)" ;;
        5) tests_word="none collected"; tests=0 ;;
        124) tests_word="TIMED OUT after 140 s" ;;
        *) tests_word="FAILED (pytest exit $tests)" ;;
    esac

    # 4. the benchmark
    echo "== bench/bench_gpu.py"
    timeout 130 python3 bench/bench_gpu.py --budget-s 80 --peak-gbs "${PEAK_GBS:-4800}"
    bench=$?
    case $bench in
        0) bench_word="ran" ;;
        124) bench_word="STOPPED at 130 s (results so far are in gpu.md)" ;;
        *) bench_word="FAILED (exit $bench)" ;;
    esac

    # 5. results and report
    if [ -n "${OUT:-}" ]; then cp bench/results/gpu.md bench/results/gpu.json "$OUT"/ 2>/dev/null; fi
    echo
    echo "== report"
    echo "wheel:      $(basename "$wheel")"
    local gpu
    gpu=$(nvidia-smi -L 2>/dev/null | head -n 1)
    echo "gpu:        ${gpu:-none}"
    echo "tests:      $tests_word"
    echo "benchmark:  $bench_word"
    [ -f bench/results/gpu.json ] && python3 bench/bench_gpu.py --summarize bench/results/gpu.json
    echo "total:      $((SECONDS - started)) s; log: $LOG"
    [ $tests = 0 ] && [ $bench = 0 ]
}

mkdir -p "$(dirname "$LOG")"
main 2>&1 | tee "$LOG"
exit "${PIPESTATUS[0]}"
