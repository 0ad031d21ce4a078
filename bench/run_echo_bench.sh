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
set -u -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_parse_args "$@"
loadgen_src="$script_dir/net/loadgen/loadgen.c"

unset AIO_IO_BATCH_US # each aiocpp row says its own window (aiocpp-batch: BATCH_US)
servers=${SERVERS:-"aiocpp-uring aiocpp-batch aiocpp-epoll asyncio uvloop asio tokio node c-epoll c-uring"}
batch_us=${BATCH_US:-30}
sizes=${SIZES:-"1024 100"}
conns=${CONNS:-50}
secs=${SECONDS_PER_CASE:-$( (( quick )) && echo 2 || echo 10 )}
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}
python=${PYTHON:-/usr/bin/python3}
instr=${INSTR:-$(command -v valgrind >/dev/null && echo 1 || echo 0)}
instr_servers=${INSTR_SERVERS:-"aiocpp-uring aiocpp-epoll asio tokio c-epoll c-uring"}
instr_secs=${INSTR_SECONDS:-4}
repeats=${REPEATS:-1}
quiet_pct=${QUIET_PCT:-10}
start_timeout=15

note() { printf '[echo-bench] %s\n' "$*" >&2; }
want() { [[ " $servers " == *" $1 "* ]]; }

if (( $(nproc --all 2>/dev/null || echo 1) < 2 )); then
  note "fewer than 2 CPUs: server and load client will share a core; figures are not comparable"
fi

# ------------------------------------------------------------ dependencies
pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

ensure_packages() {
  local missing=()
  command -v gcc >/dev/null || missing+=(gcc)
  command -v taskset >/dev/null || missing+=(util-linux)
  want uvloop && ! "$python" -c 'import uvloop' >/dev/null 2>&1 &&
    ! pkg_installed python3-uvloop && missing+=(python3-uvloop)
  { want asyncio || want uvloop; } && [[ ! -x "$python" ]] && missing+=(python3)
  if want asio; then
    pkg_installed libboost1.81-dev || [[ -f /usr/include/boost/asio/as_tuple.hpp ]] ||
      missing+=(libboost1.81-dev)
    command -v g++ >/dev/null || missing+=(g++)
  fi
  if want tokio; then
    pkg_installed librust-tokio-dev || missing+=(librust-tokio-dev)
    command -v cargo >/dev/null || missing+=(cargo)
  fi
  want c-uring && ! pkg_installed liburing-dev && [[ ! -f /usr/include/liburing.h ]] &&
    missing+=(liburing-dev)
  want node && ! command -v node >/dev/null && missing+=(nodejs)
  (( instr )) && ! command -v valgrind >/dev/null && missing+=(valgrind)
  (( ${#missing[@]} )) || return 0

  if [[ -n "${NO_APT:-}" ]]; then
    note "missing packages (NO_APT set, not installing): ${missing[*]}"
    return 0
  fi
  local sudo=()
  if (( EUID != 0 )); then
    if command -v sudo >/dev/null; then sudo=(sudo -n); else
      note "missing packages and not root: ${missing[*]}"; return 0; fi
  fi
  note "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y "${missing[@]}" >"$peers_dir/apt.log" 2>&1; then
    # the package lists may be absent or stale: refresh once and retry
    "${sudo[@]}" apt-get update >>"$peers_dir/apt.log" 2>&1
    "${sudo[@]}" apt-get install -y "${missing[@]}" >>"$peers_dir/apt.log" 2>&1 ||
      note "apt-get install failed (see $peers_dir/apt.log); affected peers will be skipped"
  fi
}

# ------------------------------------------------------------------ builds
declare -A ok=()   # server id -> 1 when it can be run
declare -A why=()  # server id -> reason it is skipped

# build_native id src bin "libs" compiler flags... : (re)build when the source
# is newer than the binary; libs go after the source for the linker
build_native() {
  local id=$1 src=$2 bin=$3 libs=$4; shift 4
  local log="$peers_dir/build-$id.log"
  if [[ -x "$bin" && "$bin" -nt "$src" ]]; then ok[$id]=1; return 0; fi
  note "building $id -> $bin"
  # shellcheck disable=SC2086 # libs is a word list
  if nice -n 10 "$@" -o "$bin.tmp" "$src" $libs >"$log" 2>&1 && mv -f "$bin.tmp" "$bin"; then
    ok[$id]=1
  else
    rm -f "$bin.tmp"
    why[$id]="build failed (see $log)"
    note "$id failed to build (see $log); skipping it"
    tail -n 5 "$log" >&2
    return 1
  fi
}

build_tokio() {
  local src="$peers_src/echo_tokio" target="$peers_dir/echo_tokio"
  local log="$peers_dir/build-tokio.log"
  if ! command -v cargo >/dev/null; then
    why[tokio]="cargo not found"; note "cargo not found; skipping the Tokio peer"; return
  fi
  note "building tokio (offline, Debian registry) -> $target/release/echo_tokio"
  # cargo reads .cargo/config.toml (crates-io -> /usr/share/cargo/registry)
  # from the working directory, so build from inside the project.
  local cmd=(nice -n 10 cargo build --release --offline --target-dir "$target")
  if (cd "$src" && "${cmd[@]}") >"$log" 2>&1; then
    ok[tokio]=1
  elif [[ -f "$src/Cargo.lock" ]] && rm -f "$src/Cargo.lock" &&
       (cd "$src" && "${cmd[@]}") >>"$log" 2>&1; then
    # a Cargo.lock written by another cargo version can be unreadable
    ok[tokio]=1
  else
    why[tokio]="build failed (see $log)"
    note "tokio failed to build (see $log); skipping it"
    tail -n 8 "$log" >&2
  fi
}

ensure_packages

loadgen="$peers_dir/loadgen"
if ! build_native loadgen "$loadgen_src" "$loadgen" "" gcc -O2 -Wall -Wextra; then
  note "the load client did not build: nothing can be measured"; exit 1
fi
probe="$peers_dir/syscall_probe"
build_native syscall_probe "$script_dir/net/syscall_probe.c" "$probe" "" gcc -O2 -Wall -Wextra
want c-epoll && build_native c-epoll "$peers_src/echo_epoll.c" "$peers_dir/echo_epoll" "" gcc -O2 -Wall -Wextra
want c-uring && build_native c-uring "$peers_src/echo_uring.c" "$peers_dir/echo_uring" \
  -luring gcc -O2 -Wall -Wextra
want asio && build_native asio "$peers_src/echo_asio.cpp" "$peers_dir/echo_asio" "" \
  g++ -O2 -std=c++20 -Wall -Wextra -pthread
want tokio && build_tokio
for py in asyncio uvloop; do
  want $py || continue
  if [[ ! -x "$python" ]]; then why[$py]="$python not found"; continue; fi
  if [[ $py == uvloop ]] && ! "$python" -c 'import uvloop' >/dev/null 2>&1; then
    why[$py]="uvloop not importable by $python"; continue
  fi
  ok[$py]=1
done
if want node; then
  if command -v node >/dev/null; then ok[node]=1; else why[node]="node not found"; fi
fi
aio_bin="$build_dir/bench/net/aio_echo_server"
for id in aiocpp-uring aiocpp-batch aiocpp-epoll; do
  want $id || continue
  if [[ -x "$aio_bin" ]]; then ok[$id]=1
  else why[$id]="$aio_bin not found (cmake --build $build_dir --target aio_echo_server)"; fi
done
for id in $servers; do
  [[ -n "${ok[$id]:-}" ]] || note "skipping $id: ${why[$id]:-unknown server id}"
done

# -------------------------------------------------------------------- runs
server_cmd() { # id -> command words in $cmd
  case "$1" in
    aiocpp-uring) cmd=("$aio_bin" --port 0 --backend io_uring) ;;
    aiocpp-batch) cmd=("$aio_bin" --port 0 --backend io_uring --batch-us "$batch_us") ;;
    aiocpp-epoll) cmd=("$aio_bin" --port 0 --backend epoll) ;;
    asyncio) cmd=("$python" "$peers_src/echo_asyncio.py" --loop asyncio --port 0) ;;
    uvloop)  cmd=("$python" "$peers_src/echo_asyncio.py" --loop uvloop --port 0) ;;
    asio)    cmd=("$peers_dir/echo_asio" --port 0) ;;
    tokio)   cmd=("$peers_dir/echo_tokio/release/echo_tokio" --port 0) ;;
    node)    cmd=(node "$peers_src/echo_node.js" --port 0) ;;
    c-epoll) cmd=("$peers_dir/echo_epoll" --port 0) ;;
    c-uring) cmd=("$peers_dir/echo_uring" --port 0) ;;
  esac
}

# kv(line, key): the value of "key=value" in a result line, for the awk reports below
awk_kv='
  function kv(line, key,    i, n, f) {
    n = split(line, f, " ")
    for (i = 1; i <= n; i++) if (index(f[i], key "=") == 1) return substr(f[i], length(key) + 2)
    return ""
  }
'
field() { # line key
  awk -v k="$2" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' <<<"$1"
}

# "utime stime" (clock ticks, all threads) of a live process
proc_ticks() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }            # the command name may hold spaces and ')'
  local f; read -r -a f <<<"$s"
  echo "${f[11]} ${f[12]}" # fields 14 and 15 of proc(5)
}

# busy clock ticks of the whole machine (all CPUs: user nice system irq
# softirq steal) from /proc/stat
machine_busy_ticks() {
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

srv_pid=""
wrap=()  # a command the server runs under (valgrind), empty for the timed runs
stop_server() {
  [[ -n "$srv_pid" ]] || return 0
  kill -TERM "$srv_pid" 2>/dev/null
  local i
  for (( i = 0; i < 30; i++ )); do
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$srv_pid" 2>/dev/null
  wait "$srv_pid" 2>/dev/null
  srv_pid=""
}

tmp_out=$(mktemp); tmp_err=$(mktemp); tmp_lg=$(mktemp)
trap 'stop_server; rm -f "$tmp_out" "$tmp_err" "$tmp_lg"' EXIT
trap 'exit 130' INT TERM

# start_server id -> sets srv_pid, srv_port; returns 1 (server stopped) on failure
start_server() {
  server_cmd "$1"
  : >"$tmp_out"; : >"$tmp_err"
  taskset -c "$server_cpu" "${wrap[@]}" "${cmd[@]}" </dev/null >"$tmp_out" 2>"$tmp_err" &
  srv_pid=$!  # taskset execs the server, so this is the server's own pid
  srv_port=""
  local i line
  for (( i = 0; i < start_timeout * 20; i++ )); do
    line=$(head -n 1 "$tmp_out")
    if [[ "$line" =~ ^listening\ ([0-9]+)$ ]]; then srv_port=${BASH_REMATCH[1]}; break; fi
    if [[ -n "$line" ]]; then note "$1: unexpected first line: '$line'"; break; fi
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -z "$srv_port" || "$srv_port" == 0 ]]; then
    note "FAILED to start $1 (${cmd[*]})"; tail -n 5 "$tmp_err" >&2
    stop_server; return 1
  fi
  if (( ${#wrap[@]} == 0 )) && [[ "$(cat "/proc/$srv_pid/comm" 2>/dev/null)" == taskset ]]; then
    note "$1: pid $srv_pid is still taskset, CPU figures would be wrong"; stop_server; return 1
  fi
}

clk_tck=$(getconf CLK_TCK)
stamp=$(date +%Y%m%d-%H%M%S)
results="$peers_dir/echo_bench_results-$stamp.txt"
: >"$results"
all_runs="${results%.txt}-all-attempts.txt"
: >"$all_runs"

note "build dir: $build_dir   peers: $peers_dir   quick=$quick"
note "$conns connections, ${secs} s per case, sizes: $sizes; server on CPU $server_cpu, client on CPU $client_cpu"
note "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# run_case id size -> one result line ("server=... size=... ...") in $case_line
run_case() {
  local id=$1 size=$2 u0 s0 u1 s1 mb0 mb1 rc ticks line rts el cli out
  if ! start_server "$id"; then case_line="server=$id size=$size FAILED=start"; return; fi
  read -r u0 s0 < <(proc_ticks "$srv_pid")
  mb0=$(machine_busy_ticks)
  timeout $(( ${secs%.*} + 60 )) "$loadgen" --port "$srv_port" --conns "$conns" --size "$size" \
    --seconds "$secs" --cpu "$client_cpu" >"$tmp_lg" 2>>"$tmp_err"
  rc=$?
  mb1=$(machine_busy_ticks)
  ticks=$(proc_ticks "$srv_pid") || ticks=""
  line=$(grep -m1 '^loadgen ' "$tmp_lg")
  if [[ -z "$ticks" ]]; then
    note "FAILED: $id size=$size: the server died during the run"; tail -n 5 "$tmp_err" >&2
    wait "$srv_pid" 2>/dev/null; srv_pid=""
    case_line="server=$id size=$size FAILED=died"; return
  fi
  stop_server
  if (( rc != 0 )) || [[ -z "$line" ]]; then
    note "FAILED: $id size=$size (load client exit $rc)"; tail -n 5 "$tmp_err" >&2
    case_line="server=$id size=$size FAILED=loadgen-rc$rc"; return
  fi
  read -r u1 s1 <<<"$ticks"
  rts=$(field "$line" round_trips); el=$(field "$line" seconds)
  cli=$(field "$line" client_cpu_pct)
  out=$(awk -v u="$(( u1 - u0 ))" -v s="$(( s1 - s0 ))" -v hz="$clk_tck" -v n="$rts" -v el="$el" \
            -v mb="$(( mb1 - mb0 ))" -v cli="$cli" '
    BEGIN {
      srv = (u + s) / hz
      # machine busy time (all CPUs) not charged to the server or the client:
      # other processes and interrupt time, in % of one CPU
      other = (mb / hz - srv - cli / 100 * el) / el * 100; if (other < 0) other = 0
      printf "user_us_per_rt=%.3f cpu_us_per_rt=%.3f srv_cpu_pct=%.1f other_cpu_pct=%.1f",
        u / hz * 1e6 / n, srv * 1e6 / n, srv / el * 100, other
      printf " srv_user_ticks=%d srv_sys_ticks=%d clk_tck=%d", u, s, hz
    }')
  case_line="server=$id size=$size ${line#loadgen } $out"
}

for size in $sizes; do
  for id in $servers; do
    [[ -n "${ok[$id]:-}" ]] || continue
    best="" best_other=""
    for (( attempt = 1; attempt <= repeats; attempt++ )); do
      run_case "$id" "$size"
      echo "attempt=$attempt $case_line" >>"$all_runs"
      other=$(field "$case_line" other_cpu_pct)
      if [[ -z "$other" ]]; then  # failed: keep a failure only if nothing better
        [[ -z "$best" ]] && best=$case_line
        [[ "$case_line" == *FAILED=start* ]] && break  # it will not start next time either
        continue
      fi
      echo "$case_line attempt=$attempt"
      if [[ -z "$best_other" ]] || awk -v a="$other" -v b="$best_other" 'BEGIN { exit !(a < b) }'; then
        best="$case_line attempt=$attempt"; best_other=$other
      fi
      awk -v a="$other" -v q="$quiet_pct" 'BEGIN { exit !(a <= q) }' && break
    done
    echo "$best" >>"$results"
  done
done
note "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------- table
echo
echo "Echo benchmark$( (( quick )) && echo ' (--quick)'): $conns connections ping-ponging, ${secs} s per case, server on CPU $server_cpu, load client on CPU $client_cpu   [raw: $results]"
echo "rt/s = round trips per second; p50/p99 = round-trip latency seen by the client;"
echo "srv%/cli% = server / load client CPU over the run (cli% ~100: the client is the bottleneck);"
echo "usr us/rt and u+s us/rt = server user and user+sys CPU per round trip (utime+stime of /proc/<pid>/stat);"
echo "x tokio / x floor = ratio of usr us/rt (usr), u+s us/rt (cpu) and rt/s (rt) to Tokio's / to the raw C floor of the"
echo "same mechanism (aiocpp-uring and -batch vs c-uring; every other server vs c-epoll); other% = machine CPU busy outside the"
echo "two benchmark processes (other users + interrupts), in % of one CPU: high values mean noisy figures."
echo "CPU times come in 1/$clk_tck s ticks: a ~ after a per-rt figure means it rests on fewer than 20 ticks (coarse)."
if [[ -n "${ok[syscall_probe]:-}" ]] && probe_line=$("$probe" 2>/dev/null); then
  echo "This machine charges $(field "$probe_line" user_pct)% of an empty syscall's cost ($(field "$probe_line" ns_per_call) ns) to user time:"
  echo "above a few %, usr us/rt mostly counts syscalls, not runtime code (see the instruction counts below)."
fi
awk "$awk_kv"'
  function ratio(a, b) { return (b > 0 && a != "") ? sprintf("%.2f", a / b) : "-" }
  {
    id = kv($0, "server"); size = kv($0, "size")
    key = size SUBSEP id
    if (!(size in seen_size)) { seen_size[size] = 1; sizes[++nsizes] = size }
    order[size, ++count[size]] = id
    line[key] = $0
    if (kv($0, "FAILED") == "") {
      cpu[key] = kv($0, "cpu_us_per_rt"); rts[key] = kv($0, "rt_per_s"); usr[key] = kv($0, "user_us_per_rt")
    }
  }
  END {
    for (si = 1; si <= nsizes; si++) {
      size = sizes[si]
      printf "\nmessage size %s B\n", size
      printf "%-13s %9s %8s %8s %5s %5s %9s %9s %5s %5s %5s %5s %5s %5s %6s\n", "server", "rt/s", "p50 us", "p99 us",
        "srv%", "cli%", "usr us/rt", "u+s us/rt", "usr", "cpu", "rt", "usr", "cpu", "rt", "other%"
      printf "%-13s %9s %8s %8s %5s %5s %9s %9s %17s %17s %6s\n", "", "", "", "", "", "", "", "",
        "x tokio", "x floor", ""
      for (j = 1; j <= count[size]; j++) {
        id = order[size, j]; key = size SUBSEP id; l = line[key]
        if (kv(l, "FAILED") != "") { printf "%-13s FAILED (%s)\n", id, kv(l, "FAILED"); continue }
        floor = (id ~ /uring|batch/) ? "c-uring" : "c-epoll"
        tk = size SUBSEP "tokio"; fk = size SUBSEP floor
        ut = kv(l, "srv_user_ticks"); st = kv(l, "srv_sys_ticks")
        us = sprintf("%.2f%s", usr[key], (ut < 20) ? "~" : "")
        tot = sprintf("%.2f%s", cpu[key], (ut + st < 20) ? "~" : "")
        printf "%-13s %9.0f %8.1f %8.1f %5.0f %5.0f %9s %9s %5s %5s %5s %5s %5s %5s %6.0f\n", id,
          rts[key], kv(l, "p50_us"), kv(l, "p99_us"), kv(l, "srv_cpu_pct"), kv(l, "client_cpu_pct"),
          us, tot,
          ratio(usr[key], usr[tk]), ratio(cpu[key], cpu[tk]), ratio(rts[key], rts[tk]),
          ratio(usr[key], usr[fk]), ratio(cpu[key], cpu[fk]), ratio(rts[key], rts[fk]), kv(l, "other_cpu_pct")
      }
    }
  }' "$results"

# ------------------------------------------------------------ system calls
# Each server in SYSCALL_SERVERS runs once more under bench/net/syscall_count.c (LD_PRELOAD)
# for SYSCALL_SECONDS; its counts, taken by SIGUSR2 before and after the load, are divided
# by the round trips. Syscall entries are what this machine books as user time.
if (( ${SYSCALLS:-1} )) && build_native syscall_count "$script_dir/net/syscall_count.c" \
    "$peers_dir/syscall_count.so" -ldl gcc -O2 -Wall -Wextra -shared -fPIC; then
  syscall_servers=${SYSCALL_SERVERS:-"aiocpp-uring aiocpp-batch aiocpp-epoll asio tokio c-epoll"}
  sc_results="${results%.txt}-syscalls.txt"
  : >"$sc_results"
  sc_out=$(mktemp)
  for size in $sizes; do
  for id in $syscall_servers; do
    [[ -n "${ok[$id]:-}" ]] && want "$id" || continue
    : >"$sc_out"
    wrap=(env LD_PRELOAD="$peers_dir/syscall_count.so" SYSCALL_COUNT_OUT="$sc_out")
    start_server "$id" || continue
    kill -USR2 "$srv_pid"
    "$loadgen" --port "$srv_port" --conns "$conns" --size "$size" \
      --seconds "${SYSCALL_SECONDS:-3}" --cpu "$client_cpu" >"$tmp_lg" 2>>"$tmp_err"
    kill -USR2 "$srv_pid"
    sleep 0.2
    stop_server
    rts=$(field "$(grep -m1 '^loadgen ' "$tmp_lg")" round_trips)
    if [[ -z "$rts" || "$rts" == 0 || $(wc -l <"$sc_out") -lt 2 ]]; then
      note "FAILED: $id under the syscall counter"; continue
    fi
    echo "server=$id size=$size round_trips=$rts $(head -n 1 "$sc_out" | sed 's/=/_0=/g') $(sed -n 2p "$sc_out")" >>"$sc_results"
  done
  done
  wrap=()
  rm -f "$sc_out"
  echo
  echo "System calls per round trip (LD_PRELOAD counter on libc's wrappers, ${SYSCALL_SECONDS:-3} s per case; reads/"
  echo "writes: read, recv, recvmsg / write, send, sendmsg; EAGAIN: those that failed for want of data or room;"
  echo "waits: epoll_wait/pwait/pwait2 or aiocpp's io_uring_enter)   [raw: $sc_results]"
  awk "$awk_kv"'
    function d(k) { return kv($0, k) - kv($0, k "_0") }
    { sz = kv($0, "size")
      if (sz != last) { printf "%smessage size %s B\n%-13s %8s %8s %8s %8s %8s %8s %8s\n", (NR > 1 ? "\n" : ""), sz,
          "server", "reads", "EAGAIN", "writes", "EAGAIN", "waits", "ctl", "total"; last = sz }
      rt = kv($0, "round_trips"); w = d("epoll_waits") + d("uring_enters")
      printf "%-13s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f\n", kv($0, "server"), d("reads") / rt,
        d("reads_eagain") / rt, d("writes") / rt, d("writes_eagain") / rt, w / rt, d("epoll_ctls") / rt,
        (d("reads") + d("writes") + w + d("epoll_ctls")) / rt }' "$sc_results"
fi

# ------------------------------------------------------- instruction counts
(( instr )) || exit 0
if ! command -v callgrind_control >/dev/null; then
  note "valgrind not found: no instruction counts (INSTR=0 to silence)"; exit 0
fi
isizes=${INSTR_SIZES:-$sizes}
cg_dir=$(mktemp -d)
trap 'stop_server; rm -f "$tmp_out" "$tmp_err" "$tmp_lg"; rm -rf "$cg_dir"' EXIT
instr_results="${results%.txt}-instructions.txt"
: >"$instr_results"
# callgrind's total instruction count ("totals:" line) of one dump file
cg_total() { awk '/^totals:/ { print $2; exit }' "$1"; }
for isize in $isizes; do
for id in $instr_servers; do
  [[ -n "${ok[$id]:-}" ]] && want "$id" || continue
  start_timeout=60
  wrap=(valgrind --tool=callgrind --callgrind-out-file="$cg_dir/$id.out")
  if ! start_server "$id"; then echo "server=$id size=$isize FAILED=start" >>"$instr_results"; continue; fi
  # dump 1: start-up and listening; dump 2: exactly the instructions run under load
  callgrind_control -d "$srv_pid" >/dev/null 2>&1
  timeout $(( instr_secs + 60 )) "$loadgen" --port "$srv_port" --conns "$conns" --size "$isize" \
    --seconds "$instr_secs" --cpu "$client_cpu" >"$tmp_lg" 2>>"$tmp_err"
  callgrind_control -d "$srv_pid" >/dev/null 2>&1
  stop_server
  rts=$(field "$(grep -m1 '^loadgen ' "$tmp_lg")" round_trips)
  ir=$(cg_total "$cg_dir/$id.out.2" 2>/dev/null)
  if [[ -z "$rts" || "$rts" == 0 || -z "$ir" ]]; then
    note "FAILED: $id under callgrind (round trips '${rts}', instructions '${ir}')"
    echo "server=$id size=$isize FAILED=callgrind" >>"$instr_results"; continue
  fi
  echo "server=$id size=$isize round_trips=$rts instructions=$ir" | tee -a "$instr_results"
done
done
wrap=()
echo
echo "User-space instructions per round trip under callgrind ($conns connections, ${instr_secs} s per case;"
echo "exact counts, independent of machine load; the kernel's share is not included)   [raw: $instr_results]"
awk "$awk_kv"'
  { id = kv($0, "server"); sz = kv($0, "size"); key = id " " sz
    if (!(sz in seen)) { seen[sz] = 1; szs[++m] = sz }
    if (!(id in known)) { known[id] = 1; ids[++n] = id }
    if (kv($0, "FAILED") == "") per[key] = kv($0, "instructions") / kv($0, "round_trips")
    else failed[key] = 1 }
  END {
    for (j = 1; j <= m; j++) {
      sz = szs[j]
      printf "%smessage size %s B\n", (j > 1 ? "\n" : ""), sz
      printf "%-13s %10s %8s %8s\n", "server", "instr/rt", "x tokio", "x floor"
      for (i = 1; i <= n; i++) {
        id = ids[i]; key = id " " sz
        if (!(key in per)) { if (key in failed) printf "%-13s FAILED\n", id; continue }
        floor = (id ~ /uring|batch/) ? "c-uring" : "c-epoll"
        printf "%-13s %10.0f %8s %8s\n", id, per[key],
          (("tokio " sz) in per) ? sprintf("%.2f", per[key] / per["tokio " sz]) : "-",
          ((floor " " sz) in per) ? sprintf("%.2f", per[key] / per[floor " " sz]) : "-"
      }
    }
  }' "$instr_results"
