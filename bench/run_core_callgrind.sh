#!/usr/bin/env bash
# Instruction counts (callgrind) of the core benchmarks, per operation, and the ratio to a
# baseline binary: the check that diagnostics off cost nothing (docs/design/diagnostics.md).
# Counts do not depend on machine load, unlike timings.
#
# Usage: bench/run_core_callgrind.sh [BUILD_DIR] [BASELINE_BIN]
#   BUILD_DIR     default <repo>/build; its bench/aio_bench_core is measured
#   BASELINE_BIN  another aio_bench_core (e.g. built from an older commit); when given,
#                 each line also prints after/before
# Per-op figure: (Ir(N) - Ir(N/10)) / (0.9 N), so the loop's start-up cost cancels out.
# Knobs: SPAWN_N (100000), SLEEPERS_N (20000), PINGPONG_N (200000).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
after="$build/bench/aio_bench_core"
before="${2:-}"
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 1; }
[ -x "$after" ] || { echo "no $after (cmake --build $build --target aio_bench_core)"; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

ir() { # binary bench n -> total instructions
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$1" "$2" "$3" >/dev/null 2>"$tmp/cg.err"
    sed -n 's/^summary: *//p' "$tmp/cg.out" | awk '{print $1}'
}
per_op() { # binary bench n
    local big small
    big=$(ir "$1" "$2" "$3")
    small=$(ir "$1" "$2" $(($3 / 10)))
    awk -v b="$big" -v s="$small" -v n="$3" 'BEGIN { printf "%.1f", (b - s) / (0.9 * n) }'
}
printf "%-15s %10s %14s %14s %8s\n" bench n "Ir/op after" "Ir/op before" ratio
for spec in "spawn ${SPAWN_N:-100000}" "sleepers ${SLEEPERS_N:-20000}" \
            "pingpong ${PINGPONG_N:-200000}" "pingpong_queue ${PINGPONG_N:-200000}"; do
    set -- $spec
    a=$(per_op "$after" "$1" "$2")
    if [ -n "$before" ]; then
        b=$(per_op "$before" "$1" "$2")
        r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')
    else
        b="-"; r="-"
    fi
    printf "%-15s %10s %14s %14s %8s\n" "$1" "$2" "$a" "$b" "$r"
done
