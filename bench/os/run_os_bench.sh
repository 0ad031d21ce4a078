#!/usr/bin/env bash
# Side-by-side os-layer benchmarks: aiocpp (io_uring and epoll + thread pool) vs the
# floor (cat, dd) vs Python asyncio (+ to_thread).
#
# Usage: bench/os/run_os_bench.sh [BUILD_DIR]      (default BUILD_DIR: <repo>/build)
#
#   read    a FILE_MB MiB file (default 1024) read sequentially in 64 KiB chunks with a
#           warm page cache: aiocpp io_uring (file::read, and file::read_into into one
#           reused buffer), aiocpp epoll (thread pool), `cat > /dev/null`,
#           `dd bs=64k`, asyncio + to_thread. Each is run RUNS times (default 3); the best
#           run counts. Ratios are elapsed time relative to `cat` (the floor).
#   spawn   SPAWN_N (default 1000) runs of `true`, at most 8 at once: aiocpp (both
#           backends) vs asyncio.create_subprocess_exec. Ratios relative to aiocpp io_uring.
#
# Environment: FILE_MB (use e.g. 64 for a quick run), SPAWN_N, RUNS, PYTHON (python3),
# BENCH_DIR (where the test file goes, default $TMPDIR or /tmp; it is removed at the end).
set -u -o pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
build_dir=${1:-$repo_root/build}
bin="$build_dir/bench/aio_bench_os"
python=${PYTHON:-python3}
file_mb=${FILE_MB:-1024}
spawn_n=${SPAWN_N:-1000}
runs=${RUNS:-3}
bench_dir=${BENCH_DIR:-${TMPDIR:-/tmp}}

if [[ ! -x "$bin" ]]; then
  echo "building aio_bench_os in $build_dir" >&2
  cmake --build "$build_dir" --target aio_bench_os -j2 >&2 || exit 1
fi

file=$(mktemp "$bench_dir/aio-os-bench-XXXXXX")
trap 'rm -f "$file"' EXIT
echo "# creating a ${file_mb} MiB file in $bench_dir"
head -c $((file_mb * 1048576)) /dev/urandom > "$file"
cat "$file" > /dev/null # warm the page cache

# best_of CMD... : runs CMD $runs times, prints the line with the smallest elapsed_s.
best_of() {
  local best="" best_s=""
  for ((i = 0; i < runs; i++)); do
    local line
    line=$("$@" 2>/dev/null | tail -n 1) || { echo "FAILED: $*"; return; }
    local s=${line##*elapsed_s=}; s=${s%% *}
    if [[ -z "$best_s" ]] || awk -v a="$s" -v b="$best_s" 'BEGIN{exit !(a<b)}'; then
      best=$line best_s=$s
    fi
  done
  echo "$best"
}

# time_cmd NAME CMD... : prints "<bench> NAME ... elapsed_s=<s>" for a shell command.
time_cmd() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v n="$name" -v a="$t0" -v b="$t1" -v mb="$file_mb" \
    'BEGIN{s=b-a; printf "read %s n=%d elapsed_s=%.4f mib_per_s=%.1f\n", n, mb*1048576, s, mb/s}'
}

declare -A elapsed
record() {
  local line=$1 key=$2
  echo "$line"
  local s=${line##*elapsed_s=}; s=${s%% *}
  elapsed[$key]=$s
}

echo "# read: ${file_mb} MiB, 64 KiB chunks, page cache warm, best of $runs"
record "$(best_of time_cmd cat cat "$file")" cat
record "$(best_of time_cmd dd dd if="$file" of=/dev/null bs=64k)" dd
record "$(AIO_BACKEND=io_uring best_of "$bin" read "$file" 65536)" uring
record "$(AIO_BACKEND=io_uring best_of "$bin" read_into "$file" 65536)" uring_into
record "$(AIO_BACKEND=epoll best_of "$bin" read "$file" 65536)" epoll
if "$python" -c 'import asyncio' 2>/dev/null; then
  record "$(best_of "$python" "$script_dir/os_asyncio.py" read "$file" 65536)" asyncio
fi

ratio() { awk -v a="${elapsed[$1]:-}" -v b="${elapsed[$2]:-}" 'BEGIN{ if (a=="" || b=="" || b==0) print "n/a"; else printf "%.2f", a/b }'; }
echo "# read time relative to cat (1.00 = the floor; lower is better)"
for k in dd uring uring_into epoll asyncio; do
  [[ -n "${elapsed[$k]:-}" ]] && echo "ratio read $k/cat = $(ratio $k cat)"
done
[[ -n "${elapsed[asyncio]:-}" ]] && echo "ratio read asyncio/aiocpp-io_uring = $(ratio asyncio uring)"

echo "# spawn: $spawn_n x true, 8 at once, best of $runs"
record "$(AIO_BACKEND=io_uring best_of "$bin" spawn "$spawn_n" 8)" sp_uring
record "$(AIO_BACKEND=epoll best_of "$bin" spawn "$spawn_n" 8)" sp_epoll
if "$python" -c 'import asyncio' 2>/dev/null; then
  record "$(best_of "$python" "$script_dir/os_asyncio.py" spawn "$spawn_n" 8)" sp_asyncio
fi
echo "ratio spawn aiocpp-epoll/aiocpp-io_uring = $(ratio sp_epoll sp_uring)"
[[ -n "${elapsed[sp_asyncio]:-}" ]] && echo "ratio spawn asyncio/aiocpp-io_uring = $(ratio sp_asyncio sp_uring)"
