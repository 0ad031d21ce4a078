#!/usr/bin/python3
"""Completion batching against connection count: bench/run_batch_sweep.sh runs this; its
header documents the arguments and the knobs."""
import os
import sys
import tempfile
from pathlib import Path

from aiobench import proc
from aiobench.cli import knob, note_to_stderr, parse_args, run
from aiobench.deps import build_native
from aiobench.server import Server, loadgen
from aiobench.stats import kv, median, num, per_rt_us

note = note_to_stderr("batch-sweep")


def run_one(conns, us, cfg, tmp: Path) -> list[float] | None:
    """One run: [conns, window_us, rt/s, p50_us, p99_us, user_us/rt, u+s_us/rt] (printed),
    None when it failed."""
    env = dict(os.environ, AIO_IO_BATCH_US=str(us))
    s = Server([str(cfg["server"]), "--port", "0"], cfg["server_cpu"], tmp / "out", os.devnull,
               note, env=env)
    if not s.start("aio_echo_server", 15):
        print(f"{conns} {us} FAILED: server did not start", file=sys.stderr)
        return None
    try:
        t0 = proc.cpu_ticks(s.pid)
        _, line = loadgen(cfg["loadgen"], s.port, conns, cfg["size"], cfg["secs"],
                          cfg["client_cpu"], tmp / "lg")
        t1 = proc.cpu_ticks(s.pid)
    finally:
        s.stop()
    f = kv(line)
    n = int(num(f, "round_trips"))
    if n == 0 or t0 is None or t1 is None:
        print(f"{conns} {us} FAILED: the load client measured nothing (loadgen {line})",
              file=sys.stderr)
        return None
    hz, u, t = proc.clk_tck(), t1[0] - t0[0], sum(t1) - sum(t0)
    print("%d %d %.0f %s %s %.3f %.3f" % (int(conns), us, num(f, "rt_per_s"), f.get("p50_us"),
                                          f.get("p99_us"), per_rt_us(u, hz, n), per_rt_us(t, hz, n)))
    return [int(conns), us, num(f, "rt_per_s"), num(f, "p50_us"), num(f, "p99_us"),
            per_rt_us(u, hz, n), per_rt_us(t, hz, n)]


def print_table(runs: list[list[float]], rounds: int, batch_us: str, size: str,
                conns_order: list[int]) -> None:
    """Medians per connection count, batching off -> on."""
    print()
    print(f"Completion batching: medians of {rounds} runs, window {batch_us} us, {size} B "
          "messages; cpu = server CPU per round trip")
    print("%5s  %17s  %13s  %15s  %13s  %13s  %6s" % (
        "conns", "rt/s off -> on", "p50 us", "p99 us", "user us/rt", "u+s us/rt", "rt x"))
    for c in conns_order:
        off = [r for r in runs if r[0] == c and r[1] == 0]
        on = [r for r in runs if r[0] == c and r[1] > 0]
        if not off or not on:
            print("%5d  (a run failed: see above)" % c)
            continue
        a = [median([r[i] for r in off]) for i in range(2, 7)]
        b = [median([r[i] for r in on]) for i in range(2, 7)]
        print("%5d  %7.0f -> %7.0f  %5.0f -> %5.0f  %6.0f -> %6.0f  %5.2f -> %5.2f  "
              "%5.2f -> %5.2f  %6.2f" % (c, a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3],
                                         a[4], b[4], b[0] / a[0] if a[0] > 0 else 0))


def main(argv) -> int:
    quick, d = parse_args(argv, "run_batch_sweep.sh")
    conns_list = knob("CONNS_LIST", "1 4 8 16 50").split()
    batch_us = knob("BATCH_US", "30")
    rounds = int(knob("ROUNDS", "2"))
    cfg = {"secs": knob("SECONDS_PER_CASE", "1" if quick else "3"), "size": knob("SIZE", "100"),
           "server_cpu": knob("SERVER_CPU", "0"), "client_cpu": knob("CLIENT_CPU", "1"),
           "server": d.build / "bench" / "net" / "aio_echo_server", "loadgen": d.peers / "loadgen"}
    if not os.access(cfg["server"], os.X_OK):
        print(f"{cfg['server']} not found (cmake --build {d.build} --target aio_echo_server)",
              file=sys.stderr)
        return 1
    if not build_native("loadgen", d.bench / "net" / "loadgen" / "loadgen.c", cfg["loadgen"],
                        ["gcc", "-O2", "-Wall", "-Wextra"], [], d.peers / "build-loadgen.log",
                        note):
        return 1
    print(f"# conns window_us rt/s p50_us p99_us user_us/rt u+s_us/rt  ({cfg['secs']} s per run, "
          f"{cfg['size']} B)")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for c in conns_list:
                for us in (0, int(batch_us)):
                    r = run_one(c, us, cfg, Path(tmp))
                    if r:
                        runs.append(r)
    print_table(runs, rounds, batch_us, cfg["size"], list(dict.fromkeys(int(c) for c in conns_list)))
    return 0


if __name__ == "__main__":
    run(main)
