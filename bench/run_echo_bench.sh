#!/usr/bin/env bash
# Side-by-side TCP echo benchmark: aiocpp (io_uring and epoll backends) vs
# Python asyncio streams, uvloop, Boost.Asio coroutines, Tokio (current
# thread), Node.js `net`, and two floors with no abstraction at all: a raw C
# epoll loop and a raw C io_uring loop (liburing).
#
# Usage: bench/run_echo_bench.sh [--quick] [BUILD_DIR]
#
#   BUILD_DIR   the aiocpp CMake build directory (default: <repo>/build).
#               aiocpp's server is BUILD_DIR/bench/net/aio_echo_server (build it
#               first: cmake --build BUILD_DIR --target aio_echo_server); the
#               peers and the load client are built into BUILD_DIR/bench-peers
#               (override: AIO_PEERS_DIR).
#   --quick     2 s per case instead of 10 s (smoke run).
#
# Each case: the server is started pinned to CPU 0 (taskset -c 0) and prints
# "listening <port>"; the C load client (bench/net/loadgen, one thread, epoll,
# pinned to CPU 1) keeps 50 connections ping-ponging one message each (1 KiB,
# then 100 B) for the run time and reports round trips/s and latency
# percentiles.  The server's utime+stime (from /proc/<pid>/stat, all threads)
# is read before and after; CPU per round trip = that delta / round trips,
# which stays meaningful when the load client, not the server, is the
# bottleneck (then srv% < 100 and cli% ~ 100).
#
# Environment knobs: SERVERS="aiocpp-uring aiocpp-batch aiocpp-epoll asyncio
# uvloop asio tokio node c-epoll c-uring" (aiocpp-batch: io_uring with
# run_options::io_batch_window = BATCH_US, default 30 µs), SIZES="1024 100", CONNS=50, SECONDS_PER_CASE
# (default 10, --quick 2), SERVER_CPU=0, CLIENT_CPU=1, PYTHON (default
# /usr/bin/python3, Debian's, which has python3-uvloop), NO_APT=1 (never
# apt-get), REPEATS=N (default 1) and QUIET_PCT (default 10): on a shared
# machine, run a case up to N times, stop early once other processes used at
# most QUIET_PCT % of a CPU during it, and report the quietest attempt (all
# attempts are kept in the *-all-attempts.txt file next to the results).
#
# Instruction counts (INSTR=1, the default when valgrind is installed; INSTR=0
# skips them): on machines where utime/stime come from tick sampling (most VMs,
# CONFIG_TICK_CPU_ACCOUNTING) the user/system split per round trip is dominated
# by syscall entry/exit costs charged to user mode (page-table isolation), so it
# cannot show what a runtime adds.  So each server in INSTR_SERVERS (default:
# aiocpp-uring aiocpp-epoll asio tokio c-epoll c-uring) is also run under
# `valgrind --tool=callgrind` with the same load (each size of INSTR_SIZES,
# default SIZES; INSTR_SECONDS, default 4) and the user-space instructions it executed while
# the load ran are divided by the round trips: exact and repeatable whatever
# else the machine does.  The kernel's work is not counted, and under valgrind
# each server is its own bottleneck, so a slower server handles bigger batches
# per wake-up: that flatters the slow ones a little, never the fast ones.
#
# System calls (SYSCALLS=1, the default; 0 skips them): each server in SYSCALL_SERVERS
# (default: aiocpp-uring aiocpp-batch aiocpp-epoll asio tokio c-epoll) runs once more under an
# LD_PRELOAD counter (bench/net/syscall_count.c) for SYSCALL_SECONDS (default 3) and the
# table shows reads, writes, failed (EAGAIN) ones and waits per round trip. It sees calls
# through libc's wrappers only: not liburing's own io_uring_enter, so not the C io_uring
# floor.
#
# Runs are sequential.  A peer that fails to build or start is reported and
# skipped; the script never aborts the whole run (only a load client that does
# not build stops it, since nothing can be measured without it).
set -u

# the measuring: bench/lib/echo_bench.py
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_exec echo_bench.py "$@"
