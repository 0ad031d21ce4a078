#!/usr/bin/env bash
# The main job: builds aiocpp (Release) and runs the crawler against its embedded demo site
# when it exists; until then, the seed examples one after another.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
# A quiet build: nothing on success; on failure the compiler's diagnostics only (a file
# named errors.cpp compiling is not an error).
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >build.configure.log 2>&1 ||
    { cat build.configure.log; exit 1; }
if ! cmake --build build -j "$(nproc)" >build.log 2>&1; then
    grep -E "(error|warning):|Error [0-9]|undefined reference" build.log | head -50
    echo "build failed: full log in build.log"
    exit 1
fi
if [[ -x build/tools/aiocrawl/aiocrawl ]]; then
    exec build/tools/aiocrawl/aiocrawl "$@"
fi
shopt -s nullglob
for exe in build/examples/*; do
    [[ -x "$exe" && -f "$exe" ]] || continue
    name=$(basename "$exe")
    case "$name" in *_server|chat*|tail*|echo*|port_scan*|parallel*|copy*) continue ;; esac
    echo "=== $name"
    timeout 20 "$exe" || echo "($name exited with $?)"
    echo
done
