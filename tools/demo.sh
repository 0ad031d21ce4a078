#!/usr/bin/env bash
# The main job: builds aiocpp (Release) and runs the crawler, tools/aiocrawl, against its
# embedded demo site (arguments are passed on: tools/demo.sh --help lists them). Installs
# only the build's Debian packages and builds only the crawler's targets.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh --build
# A quiet build: nothing on success; on failure the compiler's diagnostics only (a file
# named errors.cpp compiling is not an error).
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DAIO_BUILD_TOOLS=ON -DAIO_BUILD_TESTS=OFF \
    -DAIO_BUILD_EXAMPLES=OFF -DAIO_BUILD_BENCH=OFF >build.configure.log 2>&1 ||
    { cat build.configure.log; exit 1; }
if ! cmake --build build -j "$(nproc)" --target aiocrawl >build.log 2>&1; then
    grep -E "(error|warning):|Error [0-9]|undefined reference" build.log | head -50
    echo "build failed: full log in build.log"
    exit 1
fi
exec build/tools/aiocrawl/aiocrawl "$@"
