#!/usr/bin/env bash
# The main job: builds aiocpp (Release) and runs the crawler against its embedded demo site
# when it exists; until then, the seed examples one after another.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" 2>&1 | grep -E "error|Error" || true
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
