#!/usr/bin/env bash
# Completion batching (run_options::io_batch_window) against connection count: the aiocpp
# echo server with batching off and on, side by side, at several numbers of connections.
#
#   bench/run_batch_sweep.sh [--quick] [BUILD_DIR]
#
# For each count in CONNS_LIST (default "1 4 8 16 50") the server runs with
# AIO_IO_BATCH_US=0 and then =BATCH_US (default 30), ROUNDS times (default 2) interleaved,
# SECONDS_PER_CASE each (default 3; --quick 1), pinned to CPU SERVER_CPU (0) with the C load
# client on CLIENT_CPU (1) sending SIZE-byte messages (100). Prints one line per run and a
# table of medians: round trips/s, p50/p99 latency, the server's user and user+sys CPU
# per round trip (/proc/<pid>/stat), and the on/off ratio of round trips/s.
# Needs BUILD_DIR/bench/net/aio_echo_server (cmake --build BUILD_DIR --target
# aio_echo_server); builds the load client with gcc.
set -u -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_parse_args "$@"

conns_list=${CONNS_LIST:-"1 4 8 16 50"}
batch_us=${BATCH_US:-30}
rounds=${ROUNDS:-2}
secs=${SECONDS_PER_CASE:-$( (( quick )) && echo 1 || echo 3 )}
size=${SIZE:-100}
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}

server="$build_dir/bench/net/aio_echo_server"
if [[ ! -x "$server" ]]; then
  echo "$server not found (cmake --build $build_dir --target aio_echo_server)" >&2
  exit 1
fi
loadgen="$peers_dir/loadgen"
loadgen_src="$script_dir/net/loadgen/loadgen.c"
if [[ ! -x "$loadgen" || "$loadgen_src" -nt "$loadgen" ]]; then
  gcc -O2 -Wall -Wextra -o "$loadgen" "$loadgen_src" || exit 1
fi
clk_tck=$(getconf CLK_TCK)
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

run_one() { # conns window_us -> appends "conns us rt/s p50 p99 user_us u+s_us" to $raw
  local conns=$1 us=$2 pid port line u0 s0 u1 s1 out rts
  coproc SRV { AIO_IO_BATCH_US=$us exec taskset -c "$server_cpu" "$server" --port 0 2>/dev/null; }
  pid=$SRV_PID
  if ! read -r -t 15 line <&"${SRV[0]}"; then
    echo "$conns $us FAILED: server did not start" >&2
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return 1
  fi
  port=${line#listening }
  read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  out=$("$loadgen" --port "$port" --conns "$conns" --size "$size" --seconds "$secs" \
        --cpu "$client_cpu")
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null
  rts=$(grep -o 'round_trips=[0-9]*' <<<"$out" | cut -d= -f2)
  if [[ -z "$rts" || "$rts" == 0 ]]; then
    echo "$conns $us FAILED: the load client measured nothing ($out)" >&2; return 1
  fi
  awk -v c="$conns" -v us="$us" -v n="$rts" -v hz="$clk_tck" \
      -v u="$((u1 - u0))" -v t="$((u1 + s1 - u0 - s0))" -v o="$out" '
    function kv(k,   i, m, f) { m = split(o, f, " "); for (i = 1; i <= m; i++)
                                  if (index(f[i], k "=") == 1) return substr(f[i], length(k) + 2) }
    BEGIN { printf "%d %d %.0f %s %s %.3f %.3f\n", c, us, kv("rt_per_s"), kv("p50_us"), kv("p99_us"),
            u / hz * 1e6 / n, t / hz * 1e6 / n }' | tee -a "$raw"
}

echo "# conns window_us rt/s p50_us p99_us user_us/rt u+s_us/rt  (${secs} s per run, ${size} B)"
for (( r = 1; r <= rounds; r++ )); do
  for c in $conns_list; do
    run_one "$c" 0
    run_one "$c" "$batch_us"
  done
done

echo
echo "Completion batching: medians of $rounds runs, window ${batch_us} us, ${size} B messages; cpu = server CPU per round trip"
awk '
  function med(key,   n, i, j, t, v) {
    n = cnt[key]; for (i = 1; i <= n; i++) v[i] = val[key, i]
    for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  { if (!($1 in seen)) { seen[$1] = 1; order[++nc] = $1 }
    on = ($2 > 0)
    for (f = 3; f <= 7; f++) { k = $1 SUBSEP on SUBSEP f; val[k, ++cnt[k]] = $f } }
  END {
    printf "%5s  %17s  %13s  %15s  %13s  %13s  %6s\n", "conns", "rt/s off -> on", "p50 us", "p99 us",
      "user us/rt", "u+s us/rt", "rt x"
    for (i = 1; i <= nc; i++) {
      c = order[i]
      if (!cnt[c SUBSEP 0 SUBSEP 3] || !cnt[c SUBSEP 1 SUBSEP 3]) { printf "%5d  (a run failed: see above)\n", c; continue }
      for (f = 3; f <= 7; f++) { a[f] = med(c SUBSEP 0 SUBSEP f); b[f] = med(c SUBSEP 1 SUBSEP f) }
      printf "%5d  %7.0f -> %7.0f  %5.0f -> %5.0f  %6.0f -> %6.0f  %5.2f -> %5.2f  %5.2f -> %5.2f  %6.2f\n",
        c, a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7], (a[3] > 0) ? b[3] / a[3] : 0
    }
  }' "$raw"
