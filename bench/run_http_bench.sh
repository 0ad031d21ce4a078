#!/usr/bin/env bash
# Side-by-side HTTP/1.1 benchmarks of aio::http::server and aio::http::client_session.
#
# Usage: bench/run_http_bench.sh [--quick] [BUILD_DIR]
#
#   BUILD_DIR   the aiocpp CMake build directory (default: <repo>/build); build the two
#               aiocpp programs first: cmake --build BUILD_DIR --target aio_http_server
#               aio_http_client. Peers are built into BUILD_DIR/bench-peers (override:
#               AIO_PEERS_DIR), raw results go there too.
#   --quick     1 run, 2 s per server case, 2,000 client requests (smoke run).
#
# Server part: each server (pinned to CPU 0 with taskset) answers GET / with 200
# "Hello, World!" (text/plain) on keep-alive connections; it is checked once with a real
# GET, warmed up for 1 s, then `wrk -t1 -c50 -d<secs>s --latency` (pinned to CPU 1) loads
# it. Reported: req/s, p99 latency, and the server's user and user+sys CPU per request from
# /proc/<pid>/stat deltas (all threads), which stay meaningful when wrk, not the server, is
# the bottleneck. Servers: aiocpp (bench/http/aio_http_server.cpp on io_uring and epoll, and
# aiocpp-batch: io_uring with a 30 µs completion-batching window, run_options::io_batch_window),
# hyper 0.14 on Tokio's current-thread runtime (bench/peers/http_hyper, built offline from
# Debian's librust-*-dev crates), nginx (one process, `return 200`), Boost.Beast 1.81 on
# Asio coroutines (bench/peers/http_beast.cpp), Node.js `http`, aiohttp.web on uvloop
# (aiohttp-asyncio: on asyncio's loop, not run by default).
#
# Client part: one nginx process on CPU 0 serves a 1 KiB file; each client on CPU 1 makes
# REQUESTS (20,000) GETs through one session with 50 at a time and checks each answer (200,
# 1,024 bytes): aiocpp (bench/http/aio_http_client.cpp, io_uring and epoll), aiohttp and
# httpx (bench/peers/http_client_py.py; they time their request loop only), a C program on
# libcurl's multi interface (bench/peers/http_client_curl.c), the curl tool
# (`curl --parallel --parallel-max 50`, row curl-cli) and wrk (-t1 -c50, for SECONDS_PER_CASE:
# the floor, it parses almost nothing). Reported: req/s and the client's CPU per request
# (rusage of the process; the Python clients' own getrusage around the loop).
#
# Runs are interleaved (every server once, then again...) REPEATS times and the tables show
# medians with the ratios to hyper and nginx (server) and to aiohttp, curl multi and wrk
# (client).
#
# Instruction counts (INSTR=1, the default when valgrind is installed): under
# `valgrind --tool=callgrind`, the user-space instructions per request of the servers in
# INSTR_SERVERS (default: aiocpp-uring aiocpp-epoll hyper beast nginx; wrk for INSTR_SECONDS,
# default 3, between two callgrind dumps) and of the clients in INSTR_CLIENTS (default:
# aiocpp-uring aiocpp-epoll curl-multi; INSTR_REQUESTS and twice as many requests, the
# difference divided by INSTR_REQUESTS, default 2000): exact whatever the machine's load.
#
# Knobs: PARTS="server client", SERVERS="aiocpp-uring aiocpp-epoll aiocpp-batch hyper nginx beast node
# aiohttp-uvloop", CLIENTS="aiocpp-uring aiocpp-epoll aiohttp httpx curl-multi curl-cli wrk",
# REPEATS (3; --quick 1), SECONDS_PER_CASE (5; --quick 2), REQUESTS (20000; --quick 2000),
# PY_REQUESTS (REQUESTS: what aiohttp and httpx make; they time their own loop, so fewer
# still give comparable per-request figures),
# CONNS=50, SERVER_CPU=0, CLIENT_CPU=1, PYTHON=/usr/bin/python3, NO_APT=1 (never apt-get),
# TIMED=0 (instruction counts only).
# A peer that does not build or start is reported and skipped.
set -u

# the measuring: bench/lib/http_bench.py
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_exec http_bench.py "$@"
