#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan+UBSan) in build-fuzz/ and runs each for a
# bounded time. Usage: fuzz/run.sh [seconds per target, default 30] [target ...]
# New inputs go to build-fuzz/corpus/<target>/ (the seed corpus in fuzz/corpus/ is only
# read); a crash leaves its input in build-fuzz/crashes/ and makes the script fail.
# Long runs: AIO_FUZZ_RUNS=100000000 fuzz/run.sh 0 stops each target after that many
# executions instead of a time; AIO_FUZZ_LONG=1 builds UBSan-only targets (no ASan, ~3x the
# executions per second) in build-fuzz-long/ for them. The note of issue 14 has the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(request_parser response_parser chunked url ws_frame)
dir=build-fuzz sanitizers=address,undefined
if [[ ${AIO_FUZZ_LONG:-0} == 1 ]]; then dir=build-fuzz-long sanitizers=undefined; fi
limit=(-max_total_time="$secs")
# An input running longer than this is a hang. Long runs get 600 s: a run paused (SIGSTOP,
# say for a benchmark) for longer than its timeout would report the paused input as one.
timeout=10
[[ -n ${AIO_FUZZ_RUNS:-} ]] && limit=(-runs="$AIO_FUZZ_RUNS") timeout=600
mkdir -p "$dir"
CXX=clang++-14 CC=clang-14 cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAIO_FUZZ_SANITIZERS="$sanitizers" \
    -DAIO_BUILD_FUZZ=ON -DAIO_BUILD_TESTS=OFF -DAIO_BUILD_EXAMPLES=OFF -DAIO_BUILD_BENCH=OFF \
    -DAIO_WERROR=ON >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
cmake --build "$dir" -j 2 --target "${targets[@]/%/_fuzz}"
mkdir -p "$dir/crashes"
failed=0
# The dictionary of each target: the http ones share http.dict.
dict_for() { [[ $1 == ws_* ]] && echo ws.dict || echo http.dict; }
for t in "${targets[@]}"; do
    mkdir -p "$dir/corpus/$t"
    echo "=== $t: ${limit[*]}"
    if ! "$dir/fuzz/${t}_fuzz" "${limit[@]}" -timeout="$timeout" -dict="fuzz/$(dict_for "$t")" \
        -artifact_prefix="$dir/crashes/$t-" -print_final_stats=1 \
        "$dir/corpus/$t" "fuzz/corpus/$t" 2>"$dir/$t.log"; then
        failed=1
        tail -40 "$dir/$t.log"
    fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" "$dir/$t.log" || true
done
exit $failed
