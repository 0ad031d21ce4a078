#!/usr/bin/env bash
# Kernel work per echoed message of one WebSocket echo server, counted by perf tracepoints
# (load-independent, unlike timed runs): system calls, io_uring_enter calls, io_uring
# requests submitted, packets the server sent (net_dev_xmit on loopback: its sends), reads
# and writes by the plain syscalls, and the bytes per packet.
# Usage: bench/ws/syscalls_server.sh aiocpp|aiocpp-batch|c-floor|websockets-uvloop|node-ws [BUILD_DIR]
# Knobs: SIZE=64 CONNS=50 SECONDS_PER_RUN=3 DEPTH=4, AIO_BACKEND (aiocpp: epoll|io_uring).
# Needs perf with tracepoint access (root, or kernel.perf_event_paranoid <= -1).
set -euo pipefail
cd "$(dirname "$0")/../.."
server=$1
build=${2:-build}
size=${SIZE:-64}
conns=${CONNS:-50}
secs=${SECONDS_PER_RUN:-3}
depth=${DEPTH:-4}
peers=${PEERS_DIR:-$build/bench-peers}
tmp=$(mktemp -d)
pid=""
cleanup() {
    [[ -n $pid ]] && { kill -TERM "$pid" && wait "$pid"; } 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
case $server in
aiocpp) cmd=("$build/bench/ws/aio_ws_echo_server") ;;
aiocpp-batch) export AIO_IO_BATCH_US=30; cmd=("$build/bench/ws/aio_ws_echo_server") ;;
c-floor)
    mkdir -p "$peers" && cc -O2 -o "$peers/ws_echo_floor" bench/peers/ws_echo_floor.c -lcrypto
    cmd=("$peers/ws_echo_floor") ;;
websockets-uvloop) cmd=(/usr/bin/python3 bench/peers/ws_echo_websockets.py) ;;
node-ws) export NODE_PATH="$peers/node_modules"; cmd=(node bench/peers/ws_echo_node.js) ;;
*) echo "unknown server $server" >&2; exit 2 ;;
esac
taskset -c "${SERVER_CPU:-0}" "${cmd[@]}" >"$tmp/out" 2>/dev/null &
pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/out" && break; sleep 0.1; done
port=$(awk '/listening/ {print $2}' "$tmp/out")
events=raw_syscalls:sys_enter,syscalls:sys_enter_io_uring_enter,io_uring:io_uring_submit_req
events+=,net:net_dev_xmit,syscalls:sys_enter_read,syscalls:sys_enter_recvfrom
events+=,syscalls:sys_enter_write,syscalls:sys_enter_sendto,syscalls:sys_enter_epoll_wait
# io_uring requests by kind (opcodes: SENDMSG 9, WRITE 23, SEND 26; RECVMSG 10, READ 22,
# RECV 27), and the polls the kernel arms for a receive that found no data.
perf stat -x, -e "$events" \
    -e io_uring:io_uring_submit_req --filter 'opcode == 9 || opcode == 23 || opcode == 26' \
    -e io_uring:io_uring_submit_req --filter 'opcode == 10 || opcode == 22 || opcode == 27' \
    -e io_uring:io_uring_poll_arm -p "$pid" -o "$tmp/perf" &
perf_pid=$!
sleep 0.3
line=$(taskset -c "${CLIENT_CPU:-1}" "$build/bench/ws/ws_loadgen" "ws://127.0.0.1:$port/" \
    "$conns" "$size" "$secs" "$depth")
kill -INT "$perf_pid"
wait "$perf_pid" 2>/dev/null || true
n=$(awk '{print $2}' <<<"$line")
awk -F, -v s="$server" -v n="$n" -v z="$size" -v b="${AIO_BACKEND:-default}" '
    /^[0-9]/ { split($3, e, ":"); k = e[2]; if (k in v) k = k "_" ++dup[k]; v[k] = $1 }
    END {
        printf "%-13s %6s B backend %-8s messages %d; per message:\n", s, z, b, n
        printf "  syscalls %.2f (io_uring_enter %.2f, epoll_wait %.2f, read %.2f, recvfrom %.2f, write %.2f, sendto %.2f)\n",
            v["sys_enter"] / n, v["sys_enter_io_uring_enter"] / n, v["sys_enter_epoll_wait"] / n,
            v["sys_enter_read"] / n, v["sys_enter_recvfrom"] / n, v["sys_enter_write"] / n,
            v["sys_enter_sendto"] / n
        printf "  io_uring requests %.2f (sends %.2f, receives %.2f, polls armed %.2f); packets sent %.3f (%.1f messages per packet)\n",
            v["io_uring_submit_req"] / n, v["io_uring_submit_req_1"] / n,
            v["io_uring_submit_req_2"] / n, v["io_uring_poll_arm"] / n, v["net_dev_xmit"] / n,
            v["net_dev_xmit"] ? n / v["net_dev_xmit"] : 0
    }' "$tmp/perf"
