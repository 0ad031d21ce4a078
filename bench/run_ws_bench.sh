#!/usr/bin/env bash
# Side-by-side WebSocket echo benchmark: aiocpp's server (aio::http::server +
# aio::ws) vs Python's `websockets` on uvloop and Node.js `ws`, plus two reference rows:
# aiocpp-batch (the same server with completion batching, AIO_IO_BATCH_US=30) and c-floor
# (bench/peers/ws_echo_floor.c: a minimal C echo on raw epoll that does less than a real
# server, built here with cc -lcrypto: what any server can reach with this load here).
#
# Usage: bench/run_ws_bench.sh [--quick] [BUILD_DIR]
#   BUILD_DIR  default <repo>/build; needs the targets aio_ws_echo_server and ws_loadgen
#              (cmake --build BUILD_DIR --target aio_ws_echo_server ws_loadgen).
#   --quick    2 s per case instead of 10 s.
# Knobs: SERVERS="aiocpp aiocpp-batch websockets-uvloop node-ws c-floor", SIZES="64 16384", CONNS=50,
#        PROCS=2 (load client processes), DEPTH=4 (messages in flight per connection),
#        SECONDS_PER_CASE, SERVER_CPU=0, CLIENT_CPU=1 (a list, e.g. 1-3, on bigger machines),
#        PYTHON=/usr/bin/python3.
#
# Each case: the server runs pinned to SERVER_CPU and prints "listening <port>"; PROCS load
# client processes (bench/ws/ws_loadgen, aio::ws clients, pinned to CLIENT_CPU) share CONNS
# connections, each keeping DEPTH binary messages of SIZE bytes in flight, so that the
# server, not the client, is the bottleneck (one ping-ponging process measured the client).
# Reported: messages echoed per second, the server's CPU time (utime+stime from
# /proc/<pid>/stat) per message, its CPU use (busy % of one core: near 100 when the
# server is saturated), and the client CPU's use (near 100: the load client is the limit). Ratios are against aiocpp; the issue's targets are checked at the end.
# Nothing here gates CI. Node's `ws` is installed from npm into $PEERS_DIR on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=10
if [[ ${1:-} == --quick ]]; then secs=2; shift; fi
build=${1:-build}
secs=${SECONDS_PER_CASE:-$secs}
servers=${SERVERS:-"aiocpp aiocpp-batch websockets-uvloop node-ws c-floor"}
sizes=${SIZES:-"64 16384"}
conns=${CONNS:-50}
procs=${PROCS:-2}
depth=${DEPTH:-4}
scpu=${SERVER_CPU:-0}
ccpu=${CLIENT_CPU:-1}
python=${PYTHON:-/usr/bin/python3}
peers=${PEERS_DIR:-$build/bench-peers}
mkdir -p "$peers"
tick=$(getconf CLK_TCK)

if [[ $servers == *node-ws* && ! -d $peers/node_modules/ws ]]; then
    (cd "$peers" && npm install --silent --no-audit --no-fund ws@8 >/dev/null 2>&1) ||
        { echo "npm install ws failed: skipping node-ws" >&2; servers=${servers//node-ws/}; }
fi

if [[ $servers == *c-floor* ]] &&
    ! cc -O2 -o "$peers/ws_echo_floor" bench/peers/ws_echo_floor.c -lcrypto; then
    echo "building ws_echo_floor failed (needs libssl-dev): skipping c-floor" >&2
    servers=${servers//c-floor/}
fi

start_server() {
    case $1 in
    aiocpp) exec taskset -c "$scpu" "$build/bench/ws/aio_ws_echo_server" ;;
    aiocpp-batch) AIO_IO_BATCH_US=30 exec taskset -c "$scpu" "$build/bench/ws/aio_ws_echo_server" ;;
    c-floor) exec taskset -c "$scpu" "$peers/ws_echo_floor" ;;
    websockets-uvloop) exec taskset -c "$scpu" "$python" bench/peers/ws_echo_websockets.py ;;
    node-ws) NODE_PATH="$peers/node_modules" exec taskset -c "$scpu" node bench/peers/ws_echo_node.js ;;
    esac
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Busy and total ticks of the client CPU(s) (/proc/stat): near 100% busy means the load
# client, not the server, is the limit (on a quiet machine; other work on it counts too).
client_cpu_ticks() {
    local list=" " c
    for c in $(tr ',' ' ' <<<"$ccpu"); do
        if [[ $c == *-* ]]; then list+="$(seq -s ' ' "${c%-*}" "${c#*-}") "; else list+="$c "; fi
    done
    awk -v l="$list" '$1 ~ /^cpu[0-9]+$/ && index(l, " " substr($1, 4) " ") {
        b += $2 + $3 + $4 + $7 + $8; t += $2 + $3 + $4 + $5 + $6 + $7 + $8 } END {print b, t}' /proc/stat
}

declare -A rate cpu
printf '%-18s %7s %12s %14s %9s %9s\n' server size msgs/s "srv CPU us/msg" "srv busy" "cli busy"
for size in $sizes; do
    for s in $servers; do
        out=$(mktemp)
        start_server "$s" >"$out" 2>/dev/null &
        pid=$!
        for _ in $(seq 100); do grep -q listening "$out" && break; sleep 0.1; done
        port=$(awk '/listening/ {print $2}' "$out")
        # The server's own process (taskset execs it, so $! is the server).
        before=$(cpu_ticks "$pid")
        read -r cb0 ct0 < <(client_cpu_ticks)
        t0=$(date +%s.%N)
        outs=()
        for ((i = 0; i < procs; i++)); do
            c=$((conns / procs + (i < conns % procs ? 1 : 0)))
            outs+=("$(mktemp)")
            taskset -c "$ccpu" "$build/bench/ws/ws_loadgen" "ws://127.0.0.1:$port/" "$c" "$size" \
                "$secs" "$depth" >"${outs[i]}" &
        done
        wait $(jobs -p | grep -vx "$pid") 2>/dev/null || true
        t1=$(date +%s.%N)
        after=$(cpu_ticks "$pid")
        read -r cb1 ct1 < <(client_cpu_ticks)
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        rm -f "$out"
        # Sum of the processes' round trips over the longest process's time.
        read -r n took < <(cat "${outs[@]}" | awk '{n += $2; if ($4 > t) t = $4} END {print n + 0, t + 0}')
        rm -f "${outs[@]}"
        r=$(awk -v n="$n" -v t="$took" 'BEGIN {printf "%.0f", t ? n / t : 0}')
        us=$(awk -v d=$((after - before)) -v t="$tick" -v n="$n" 'BEGIN {printf "%.2f", n ? d / t * 1e6 / n : 0}')
        busy=$(awk -v d=$((after - before)) -v t="$tick" -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" \
            'BEGIN {printf "%.0f%%", w ? 100 * d / t / w : 0}')
        cbusy=$(awk -v b=$((cb1 - cb0)) -v t=$((ct1 - ct0)) 'BEGIN {printf "%.0f%%", t ? 100 * b / t : 0}')
        rate[$s,$size]=$r
        cpu[$s,$size]=$us
        printf '%-18s %7s %12s %14s %9s %9s\n' "$s" "$size" "$r" "$us" "$busy" "$cbusy"
    done
done
echo
echo "aiocpp vs each peer: rate = aiocpp msgs/s / peer msgs/s (above 1: aiocpp faster); cpu/msg = aiocpp / peer (below 1: aiocpp cheaper)"
for size in $sizes; do
    for s in $servers; do
        [[ $s == aiocpp || -z ${rate[$s,$size]:-} ]] && continue
        awk -v a="${rate[aiocpp,$size]}" -v b="${rate[$s,$size]}" -v ca="${cpu[aiocpp,$size]}" \
            -v cb="${cpu[$s,$size]}" -v s="$s" -v z="$size" \
            'BEGIN {printf "%-18s %7s  rate x%.2f  cpu/msg x%.2f\n", s, z, b ? a / b : 0, cb ? ca / cb : 0}'
    done
done
echo
echo "issue 16 targets (aiocpp): msgs/s >= the best peer's, CPU/msg <= 0.5x that peer's, msgs/s >= 10x websockets-uvloop"
for size in $sizes; do
    [[ -n ${rate[aiocpp,$size]:-} ]] || continue
    best=""
    for s in $servers; do
        [[ $s == aiocpp* || $s == websockets-uvloop || $s == c-floor ]] && continue
        [[ -z $best || ${rate[$s,$size]%.*} -gt ${rate[$best,$size]%.*} ]] && best=$s
    done
    py=${rate[websockets-uvloop,$size]:-0}
    [[ -n ${rate[c-floor,$size]:-} && $py != 0 ]] && awk -v z="$size" -v f="${rate[c-floor,$size]}" \
        -v py="$py" -v a="${rate[aiocpp,$size]}" 'BEGIN {printf "%7s  c-floor reaches x%.1f websockets-uvloop; aiocpp is x%.2f of c-floor\n", z, f / py, a / f}'
    # What one saturated server core could do at the measured CPU per message (1e6 / us):
    # whether 10x websockets-uvloop is reachable by the server side at all.
    for s in aiocpp c-floor websockets-uvloop; do
        [[ -n ${cpu[$s,$size]:-} ]] && awk -v s="$s" -v z="$size" -v c="${cpu[$s,$size]}" -v r="${rate[$s,$size]}" \
            'BEGIN {if (c > 0) printf "%7s  %s: one core at %.2f us/msg serves at most %.0f msgs/s (measured %s)\n", z, s, c, 1e6 / c, r}'
    done
    [[ -n $best ]] || { echo "$size  (no node-ws row: the best-peer targets are not checked)"; continue; }
    awk -v z="$size" -v a="${rate[aiocpp,$size]}" -v ca="${cpu[aiocpp,$size]}" -v best="$best" \
        -v b="${rate[$best,$size]:-0}" -v cb="${cpu[$best,$size]:-0}" -v py="$py" 'BEGIN {
        printf "%7s  vs %s: rate x%.2f (%s), cpu/msg x%.2f (%s);  vs websockets-uvloop: rate x%.1f (%s)\n",
            z, best, (b ? a / b : 0), (a >= b ? "met" : "NOT met"), (cb ? ca / cb : 0),
            ((cb && ca <= 0.5 * cb) ? "met" : "NOT met"), (py ? a / py : 0),
            ((py && a >= 10 * py) ? "met" : "NOT met")}'
done
