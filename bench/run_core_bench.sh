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
set -u -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_parse_args "$@"

benches=${BENCHES:-"spawn sleepers pingpong"}
peers=${PEERS:-"aiocpp asio tokio asyncio uvloop node"}
python=${PYTHON:-/usr/bin/python3}
run_timeout=${RUN_TIMEOUT:-900}

div=1; (( quick )) && div=10
spawn_n=${SPAWN_N:-$(( 1000000 / div ))}
sleepers_n=${SLEEPERS_N:-$(( 100000 / div ))}
pingpong_n=${PINGPONG_N:-$(( 10000000 / div ))}
pingpong_py_n=$(( pingpong_n / 10 )); (( pingpong_py_n < 1 )) && pingpong_py_n=1

note() { printf '[core-bench] %s\n' "$*" >&2; }
want_peer() { [[ " $peers " == *" $1 "* ]]; }

# ------------------------------------------------------------ dependencies
pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

ensure_packages() {
  local missing=()
  want_peer uvloop && ! "$python" -c 'import uvloop' >/dev/null 2>&1 &&
    ! pkg_installed python3-uvloop && missing+=(python3-uvloop)
  want_peer asio && ! pkg_installed libboost1.81-dev &&
    [[ ! -f /usr/include/boost/asio/experimental/channel.hpp ]] && missing+=(libboost1.81-dev)
  want_peer asio && ! command -v g++ >/dev/null && missing+=(g++)
  if want_peer tokio; then
    pkg_installed librust-tokio-dev || missing+=(librust-tokio-dev)
    command -v cargo >/dev/null || missing+=(cargo)
  fi
  want_peer node && ! command -v node >/dev/null && missing+=(nodejs)
  { want_peer asyncio || want_peer uvloop; } && [[ ! -x "$python" ]] && missing+=(python3)
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
declare -A peer_ok=()

build_asio() {
  local src="$peers_src/core_asio.cpp" bin="$peers_dir/core_asio"
  if [[ -x "$bin" && "$bin" -nt "$src" ]]; then peer_ok[asio]=1; return; fi
  note "building Boost.Asio peer -> $bin"
  if nice -n 10 g++ -O2 -std=c++20 -pthread -o "$bin.tmp" "$src" \
       >"$peers_dir/build-asio.log" 2>&1 && mv -f "$bin.tmp" "$bin"; then
    peer_ok[asio]=1
  else
    rm -f "$bin.tmp"
    note "Boost.Asio peer failed to build (see $peers_dir/build-asio.log); skipping it"
    tail -n 5 "$peers_dir/build-asio.log" >&2
  fi
}

build_tokio() {
  local src="$peers_src/tokio_core" target="$peers_dir/tokio_core"
  local log="$peers_dir/build-tokio.log"
  if ! command -v cargo >/dev/null; then
    note "cargo not found; skipping the Tokio peer"; return
  fi
  note "building Tokio peer (offline, Debian registry) -> $target/release/tokio_core"
  # cargo reads .cargo/config.toml (crates-io -> /usr/share/cargo/registry)
  # from the working directory, so build from inside the project.
  local cmd=(nice -n 10 cargo build --release --offline --target-dir "$target")
  if (cd "$src" && "${cmd[@]}") >"$log" 2>&1; then
    peer_ok[tokio]=1
  elif [[ -f "$src/Cargo.lock" ]] && rm -f "$src/Cargo.lock" &&
       (cd "$src" && "${cmd[@]}") >>"$log" 2>&1; then
    # a Cargo.lock written by another cargo version can be unreadable
    peer_ok[tokio]=1
  else
    note "Tokio peer failed to build (see $log); skipping it"
    tail -n 8 "$log" >&2
  fi
}

ensure_packages
want_peer asio && build_asio
want_peer tokio && build_tokio
if want_peer asyncio || want_peer uvloop; then
  if [[ -x "$python" ]]; then
    want_peer asyncio && peer_ok[asyncio]=1
    if want_peer uvloop; then
      if "$python" -c 'import uvloop' >/dev/null 2>&1; then peer_ok[uvloop]=1
      else note "uvloop not importable by $python; skipping the uvloop peer"; fi
    fi
  else
    note "$python not found; skipping the Python peers"
  fi
fi
if want_peer node; then
  if command -v node >/dev/null; then peer_ok[node]=1
  else note "node not found; skipping the Node.js peer"; fi
fi
aio_bin="$build_dir/bench/aio_bench_core"
if want_peer aiocpp; then
  if [[ -x "$aio_bin" ]]; then peer_ok[aiocpp]=1
  else note "aiocpp runner $aio_bin not found (build the bench target first); skipping aiocpp, no ratios"; fi
fi

# -------------------------------------------------------------------- runs
peer_cmd() { # peer bench n -> command words in $cmd
  case "$1" in
    aiocpp)  cmd=("$aio_bin" "$2" "$3") ;;
    asio)    cmd=("$peers_dir/core_asio" "$2" "$3") ;;
    tokio)   cmd=("$peers_dir/tokio_core/release/tokio_core" "$2" "$3") ;;
    asyncio) cmd=("$python" "$peers_src/core_asyncio.py" --loop asyncio "$2" "$3") ;;
    uvloop)  cmd=("$python" "$peers_src/core_asyncio.py" --loop uvloop "$2" "$3") ;;
    node)    cmd=(node "$peers_src/core_node.js" "$2" "$3") ;;
  esac
}

bench_n() { # bench peer
  case "$1" in
    spawn) echo "$spawn_n" ;;
    sleepers) echo "$sleepers_n" ;;
    pingpong) if [[ "$2" == asyncio || "$2" == uvloop ]]; then echo "$pingpong_py_n"
              else echo "$pingpong_n"; fi ;;
  esac
}

field() { # line key
  awk -v k="$2" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' <<<"$1"
}

stamp=$(date +%Y%m%d-%H%M%S)
results="$peers_dir/core_bench_results-$stamp.txt"
: >"$results"
have_time=0; [[ -x /usr/bin/time ]] && have_time=1
tmp_rss=$(mktemp); tmp_out=$(mktemp); tmp_err=$(mktemp)
trap 'rm -f "$tmp_rss" "$tmp_out" "$tmp_err"' EXIT

note "build dir: $build_dir   peers: $peers_dir   quick=$quick"
note "N: spawn=$spawn_n sleepers=$sleepers_n pingpong=$pingpong_n (python pingpong=$pingpong_py_n)"
for bench in $benches; do
  for peer in $peers; do
    [[ -n "${peer_ok[$peer]:-}" ]] || continue
    n=$(bench_n "$bench" "$peer")
    peer_cmd "$peer" "$bench" "$n"
    note "run: $bench $peer n=$n"
    wrap=(timeout "$run_timeout")
    (( have_time )) && wrap+=(/usr/bin/time -f '%M' -o "$tmp_rss")
    : >"$tmp_rss"
    "${wrap[@]}" "${cmd[@]}" >"$tmp_out" 2>"$tmp_err"
    rc=$?
    line=$(grep -m1 "^$bench " "$tmp_out" || true)
    if (( rc != 0 )) || [[ -z "$line" ]]; then
      note "FAILED: $bench $peer (exit $rc)"; tail -n 5 "$tmp_err" >&2
      echo "$bench $peer n=$n FAILED rc=$rc" >>"$results"
      continue
    fi
    echo "$line"
    rss=$(field "$line" peak_rss_kib)
    if [[ -z "$rss" || "$rss" == 0 ]] && (( have_time )); then
      # fallback: the peak RSS /usr/bin/time saw for the child
      rss=$(tail -n 1 "$tmp_rss" | tr -dc 0-9)
      line="$line peak_rss_kib_time=$rss"
    fi
    printf '%s %s n=%s elapsed_s=%s peak_rss_kib=%s ns_per_switch=%s\n' \
      "$bench" "$peer" "$(field "$line" n)" "$(field "$line" elapsed_s)" "${rss:-0}" \
      "$(field "$line" ns_per_switch)" >>"$results"
  done
done

# ------------------------------------------------------------------- table
echo
echo "Core-runtime benchmarks$( (( quick )) && echo ' (--quick: N/10)')   [raw: $results]"
echo "time_x = peer's time per task/switch / aiocpp's (= elapsed ratio at equal N; pingpong: ns_per_switch ratio, python peers run N/10); rss_x = peak RSS / aiocpp's"
awk '
  function fmt_ratio(a, b) { return (b > 0 && a != "") ? sprintf("%.2f", a / b) : "-" }
  {
    bench = $1; peer = $2
    rows[++nrows] = $0
    if (peer == "aiocpp" && $4 != "FAILED") {
      split($3, a, "="); split($4, e, "="); split($5, r, "=")
      base_op[bench] = e[2] / a[2]; base_rss[bench] = r[2]
    }
  }
  END {
    printf "%-9s %-8s %10s %11s %12s %13s %7s %7s\n", "bench", "peer", "n", "elapsed_s", "ns_per_op", "peak_rss_kib", "time_x", "rss_x"
    for (i = 1; i <= nrows; i++) {
      split(rows[i], f, " ")
      bench = f[1]; peer = f[2]; split(f[3], a, "=")
      if (f[4] == "FAILED") { printf "%-9s %-8s %10s %11s\n", bench, peer, a[2], "FAILED"; continue }
      split(f[4], e, "="); split(f[5], r, "=")
      op = e[2] / a[2]
      # sleepers: time per task is meaningless (all sleep concurrently)
      per_op = (bench == "sleepers") ? "-" : sprintf("%.1f", op * 1e9)
      printf "%-9s %-8s %10d %11.3f %12s %13d %7s %7s\n", bench, peer, a[2], e[2], per_op, r[2], \
        fmt_ratio(op, base_op[bench]), fmt_ratio(r[2], base_rss[bench])
    }
  }' "$results"
