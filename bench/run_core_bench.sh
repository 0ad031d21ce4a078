#!/usr/bin/env bash
# Side-by-side core-runtime benchmarks: aiocpp vs Python asyncio / uvloop,
# Boost.Asio (C++20 coroutines), Tokio (current-thread) and Node.js.
#
# Usage: bench/run_core_bench.sh [--quick] [BUILD_DIR]
#
#   BUILD_DIR   the aiocpp CMake build directory (default: <repo>/build).
#               aiocpp's runner is BUILD_DIR/bench/aio_bench_core; the peers
#               are built into BUILD_DIR/bench-peers (override: AIO_PEERS_DIR).
#   --quick     divide every N by 10 (smoke run).
#
# Benchmarks (every program prints one line
#   "<bench> <peer> n=<N> elapsed_s=<s> peak_rss_kib=<KiB> [ns_per_switch=<ns>]"):
#   spawn     N tasks (1,000,000) each yield once and return their index; all
#             awaited; sum checked.
#   sleepers  N tasks (100,000) each sleep 1.0 s; all joined.
#   pingpong  two tasks hand a counter back and forth N times (10,000,000
#             switches; the Python peers run N/10 and are compared per switch).
#
# Environment knobs: BENCHES="spawn sleepers pingpong", PEERS="aiocpp asio
# tokio asyncio uvloop node", SPAWN_N, SLEEPERS_N, PINGPONG_N, PYTHON
# (default /usr/bin/python3, Debian's, which has python3-uvloop),
# RUN_TIMEOUT (seconds per run, default 900), NO_APT=1 (never apt-get).
#
# Runs are sequential (one benchmark process at a time).  A peer that fails to
# build or run is reported and skipped; the script never aborts the whole run.
set -u

# the measuring: bench/lib/core_bench.py
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_exec core_bench.py "$@"
