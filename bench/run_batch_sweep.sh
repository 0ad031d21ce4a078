#!/usr/bin/env bash
# Completion batching (run_options::io_batch_window) against connection count: the aiocpp
# echo server with batching off and on, side by side, at several numbers of connections.
#
#   bench/run_batch_sweep.sh [--quick] [BUILD_DIR]
#
# For each count in CONNS_LIST (default "1 4 8 16 50") the server runs with
# AIO_IO_BATCH_US=0 and then =BATCH_US (default 30), ROUNDS times (default 2) interleaved,
# SECONDS_PER_CASE each (default 3; --quick 1), pinned to CPU SERVER_CPU (0) with the C load
# client on CLIENT_CPU (1) sending SIZE-byte messages (100). Prints one line per run and a
# table of medians: round trips/s, p50/p99 latency, the server's user and user+sys CPU
# per round trip (/proc/<pid>/stat), and the on/off ratio of round trips/s.
# Needs BUILD_DIR/bench/net/aio_echo_server (cmake --build BUILD_DIR --target
# aio_echo_server); builds the load client with gcc.
set -u

# the measuring: bench/lib/batch_sweep.py
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_exec batch_sweep.py "$@"
