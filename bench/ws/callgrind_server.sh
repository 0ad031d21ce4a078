#!/usr/bin/env bash
# Instructions per echoed message of one WebSocket echo server, counted by callgrind: a
# load-independent figure for a busy machine (timed runs need a quiet one).
# Usage: bench/ws/callgrind_server.sh aiocpp|websockets-uvloop|node-ws|c-floor [BUILD_DIR]
# Knobs: SIZE=64 CONNS=10 SECONDS_PER_RUN=4 DEPTH=4. Counters are zeroed once the server
# listens, so start-up is not counted; connecting and closing are (a few per connection).
set -euo pipefail
cd "$(dirname "$0")/../.."
server=$1
build=${2:-build}
size=${SIZE:-64}
conns=${CONNS:-10}
secs=${SECONDS_PER_RUN:-4}
depth=${DEPTH:-4}
peers=${PEERS_DIR:-$build/bench-peers}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[[ -n ${KEEP:-} ]] && trap 'echo "callgrind files kept in $tmp"' EXIT # KEEP=1: callgrind_annotate them
case $server in
aiocpp) cmd=("$build/bench/ws/aio_ws_echo_server") ;;
websockets-uvloop) cmd=(/usr/bin/python3 bench/peers/ws_echo_websockets.py) ;;
node-ws) export NODE_PATH="$peers/node_modules"; cmd=(node bench/peers/ws_echo_node.js) ;;
c-floor)
    mkdir -p "$peers" && cc -O2 -o "$peers/ws_echo_floor" bench/peers/ws_echo_floor.c -lcrypto
    cmd=("$peers/ws_echo_floor") ;;
*) echo "unknown server $server" >&2; exit 2 ;;
esac
# epoll: valgrind does not model io_uring.
AIO_BACKEND=epoll valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" "${cmd[@]}" \
    >"$tmp/out" 2>"$tmp/err" &
vg=$!
for _ in $(seq 600); do grep -q listening "$tmp/out" && break; sleep 0.2; done
port=$(awk '/listening/ {print $2}' "$tmp/out")
[[ -n $port ]] || { echo "$server did not start under valgrind:" >&2; tail -5 "$tmp/err" >&2; exit 1; }
callgrind_control -z "$vg" >/dev/null 2>&1 || true # start-up not counted
line=$("$build/bench/ws/ws_loadgen" "ws://127.0.0.1:$port/" "$conns" "$size" "$secs" "$depth")
n=$(awk '{print $2}' <<<"$line")
callgrind_control -d "$vg" >/dev/null 2>&1 || true # dump this server's counts now
sleep 2
{ kill -KILL "$vg" && wait "$vg"; } 2>/dev/null || true
ir=$(cat "$tmp"/cg.*.1 2>/dev/null | awk '/^summary:/ {s += $2} END {print s + 0}')
awk -v s="$server" -v ir="$ir" -v n="$n" -v z="$size" \
    'BEGIN {printf "%-18s %6s B  messages %d  instructions/message %.0f\n", s, z, n, n ? ir / n : 0}'
