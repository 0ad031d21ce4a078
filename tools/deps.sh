#!/usr/bin/env bash
# Installs the Debian packages aiocpp needs to build, test and run its examples, skipping
# what is already installed. Usage: tools/deps.sh [--build] [extra-package ...]
# --build: only what building the library and tools/aiocrawl needs (tools/demo.sh); without
# it, also the compilers, test peers and servers the test suite uses (tools/test.sh).
set -euo pipefail
build_only=0
if [[ ${1:-} == --build ]]; then build_only=1; shift; fi
pkgs=(g++ cmake make pkg-config liburing-dev libssl-dev openssl libc-ares-dev zlib1g-dev
      libbrotli-dev nlohmann-json3-dev libgumbo-dev libcli11-dev libpq-dev)
((build_only)) || pkgs+=(clang libclang-rt-14-dev libgtest-dev libgmock-dev libbenchmark-dev
      python3 curl nginx-light wrk python3-aiohttp python3-httpx python3-requests chromium
      python3-bs4 tmux valgrind wget postgresql python3-websockets nodejs)
pkgs+=("$@")
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "tools/deps.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
        apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}"
    }
fi
# npm (the ws tests install Node's `ws` with it): Debian's package, unless a nodejs that
# bundles npm (NodeSource's) is installed already.
((build_only)) || command -v npm >/dev/null || apt-get install -y --no-install-recommends npm >/dev/null
