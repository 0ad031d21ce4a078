#!/usr/bin/env bash
# Unix-domain and UDP datagram ping-pong: aiocpp (bench/net/datagram_pingpong.cpp) against
# asyncio (bench/peers/datagram_asyncio.py), side by side in one run, best of REPEAT runs
# each; prints round trips per second and the ratio aiocpp/asyncio.
#
#   bench/run_datagram_bench.sh [BUILD_DIR] [N]      (defaults: build, 20000)
#   INSTR=1 bench/run_datagram_bench.sh build        # + callgrind instructions per round trip
#
# INSTR=1 counts user-space instructions of the aiocpp program under callgrind at N/10 and
# N/5 round trips; the difference divided by N/10 is the cost of one round trip without
# start-up. Build first: cmake --build build --target datagram_pingpong
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-build}
n=${2:-20000}
repeat=${REPEAT:-3}
bin=$build/bench/net/datagram_pingpong
[[ -x $bin ]] || { echo "missing $bin: cmake --build $build --target datagram_pingpong" >&2; exit 1; }
python=/usr/bin/python3
[[ -x $python ]] || python=python3

best() { # best per_second of $repeat runs of "$@"
    local b=0 r
    for _ in $(seq "$repeat"); do
        r=$("$@" | sed -n 's/.*per_second=\([0-9]*\).*/\1/p')
        (( r > b )) && b=$r
    done
    echo "$b"
}

for kind in unix udp; do
    a=$(best "$bin" "$kind" "$n")
    p=$(best "$python" "$here/peers/datagram_asyncio.py" "$kind" "$n")
    awk -v k="$kind" -v a="$a" -v p="$p" 'BEGIN {
        printf "%-4s round trips/s  aiocpp %8d  asyncio %8d  ratio %.2fx\n", k, a, p, a / p }'
done

if [[ ${INSTR:-0} == 1 ]]; then
    small=$((n / 10)) big=$((n / 5))
    count() { # user-space instructions of one run under callgrind
        local out
        out=$(mktemp)
        valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$1" "$2" >/dev/null 2>&1
        callgrind_annotate "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,
        rm -f "$out"
    }
    for kind in unix udp; do
        i1=$(count "$kind" "$small")
        i2=$(count "$kind" "$big")
        echo "$kind instructions per round trip (callgrind): $(( (i2 - i1) / (big - small) ))"
    done
fi
