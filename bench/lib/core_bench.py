#!/usr/bin/python3
"""Core-runtime benchmarks, aiocpp against its peers: bench/run_core_bench.sh runs this;
its header documents the arguments, the knobs and the benchmarks."""
import os
import tempfile
import time
from pathlib import Path

from aiobench.cli import knob, note_to_stderr, parse_args, tail
from aiobench.cli import run as run_program
from aiobench.deps import build_cargo, build_native, have, importable, install, peer_packages
from aiobench.procrun import run
from aiobench.stats import append, kv, ratio

note = note_to_stderr("core-bench")
PYTHON_PEERS = ("asyncio", "uvloop")


def runnable_peers(want, python: str, d, aio_bin: Path) -> set[str]:
    """Builds the wanted peers; the ones that can run."""
    ok = set()
    if want("asio") and build_native("Boost.Asio peer", d.peers_src / "core_asio.cpp",
                                     d.peers / "core_asio", ["g++", "-O2", "-std=c++20", "-pthread"],
                                     [], d.peers / "build-asio.log", note):
        ok.add("asio")
    if want("tokio") and not build_cargo("Tokio peer", d.peers_src / "tokio_core",
                                         d.peers / "tokio_core", "tokio_core",
                                         d.peers / "build-tokio.log", note):
        ok.add("tokio")
    if want("asyncio") or want("uvloop"):
        if os.access(python, os.X_OK):
            if want("asyncio"):
                ok.add("asyncio")
            if want("uvloop"):
                if importable(python, "uvloop"):
                    ok.add("uvloop")
                else:
                    note(f"uvloop not importable by {python}; skipping the uvloop peer")
        else:
            note(f"{python} not found; skipping the Python peers")
    if want("node"):
        if have("node"):
            ok.add("node")
        else:
            note("node not found; skipping the Node.js peer")
    if want("aiocpp"):
        if os.access(aio_bin, os.X_OK):
            ok.add("aiocpp")
        else:
            note(f"aiocpp runner {aio_bin} not found (build the bench target first); "
                 "skipping aiocpp, no ratios")
    return ok


def peer_cmd(peer, bench, n, d, python, aio_bin) -> list[str]:
    src, peers = d.peers_src, d.peers
    return {
        "aiocpp": [str(aio_bin)],
        "asio": [f"{peers}/core_asio"],
        "tokio": [f"{peers}/tokio_core/release/tokio_core"],
        "asyncio": [python, f"{src}/core_asyncio.py", "--loop", "asyncio"],
        "uvloop": [python, f"{src}/core_asyncio.py", "--loop", "uvloop"],
        "node": ["node", f"{src}/core_node.js"],
    }[peer] + [bench, str(n)]


def print_table(results: Path, quick: bool) -> None:
    """One row per line of the raw file; ratios to the aiocpp row of the same benchmark."""
    rows = [line.split() for line in results.read_text().splitlines() if line.strip()]
    base_op, base_rss = {}, {}
    for f in rows:
        if f[1] == "aiocpp" and f[3] != "FAILED":
            v = kv(" ".join(f))
            base_op[f[0]] = float(v["elapsed_s"]) / float(v["n"])
            base_rss[f[0]] = float(v["peak_rss_kib"])
    print()
    print(f"Core-runtime benchmarks{' (--quick: N/10)' if quick else ''}   [raw: {results}]")
    print("time_x = peer's time per task/switch / aiocpp's (= elapsed ratio at equal N; "
          "pingpong: ns_per_switch ratio, python peers run N/10); rss_x = peak RSS / aiocpp's")
    print("%-9s %-8s %10s %11s %12s %13s %7s %7s" % (
        "bench", "peer", "n", "elapsed_s", "ns_per_op", "peak_rss_kib", "time_x", "rss_x"))
    for f in rows:
        bench, peer, v = f[0], f[1], kv(" ".join(f))
        if f[3] == "FAILED":
            print("%-9s %-8s %10s %11s" % (bench, peer, v["n"], "FAILED"))
            continue
        n, elapsed, rss = float(v["n"]), float(v["elapsed_s"]), float(v["peak_rss_kib"])
        op = elapsed / n
        # sleepers: time per task is meaningless (all sleep concurrently)
        per_op = "-" if bench == "sleepers" else "%.1f" % (op * 1e9)
        print("%-9s %-8s %10d %11.3f %12s %13d %7s %7s" % (
            bench, peer, n, elapsed, per_op, rss, ratio(op, base_op.get(bench)),
            ratio(rss, base_rss.get(bench))))


def main(argv) -> int:
    quick, d = parse_args(argv, "run_core_bench.sh")
    benches = knob("BENCHES", "spawn sleepers pingpong").split()
    peers = knob("PEERS", "aiocpp asio tokio asyncio uvloop node").split()
    python = knob("PYTHON", "/usr/bin/python3")
    run_timeout = float(knob("RUN_TIMEOUT", "900"))
    div = 10 if quick else 1
    n_of = {"spawn": int(knob("SPAWN_N", str(1000000 // div))),
            "sleepers": int(knob("SLEEPERS_N", str(100000 // div))),
            "pingpong": int(knob("PINGPONG_N", str(10000000 // div)))}
    pingpong_py_n = max(1, n_of["pingpong"] // 10)

    def want(peer):
        return peer in peers

    aio_bin = d.build / "bench" / "aio_bench_core"
    install(peer_packages(want, python, "experimental/channel.hpp"), d.peers / "apt.log", note)
    ok = runnable_peers(want, python, d, aio_bin)

    results = d.peers / f"core_bench_results-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    results.write_text("")
    note(f"build dir: {d.build}   peers: {d.peers}   quick={int(quick)}")
    note(f"N: spawn={n_of['spawn']} sleepers={n_of['sleepers']} pingpong={n_of['pingpong']} "
         f"(python pingpong={pingpong_py_n})")
    with tempfile.TemporaryDirectory() as tmp:
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        for bench in benches:
            for peer in peers:
                if peer not in ok:
                    continue
                n = pingpong_py_n if bench == "pingpong" and peer in PYTHON_PEERS \
                    else n_of.get(bench, "")
                note(f"run: {bench} {peer} n={n}")
                with open(out, "w") as o, open(err, "w") as e:
                    ex = run(peer_cmd(peer, bench, n, d, python, aio_bin), run_timeout, o, e)
                line = next((l for l in out.read_text(errors="replace").splitlines()
                             if l.startswith(f"{bench} ")), "")
                if ex.rc != 0 or not line:
                    note(f"FAILED: {bench} {peer} (exit {ex.rc})")
                    tail(err, 5)
                    append(results, f"{bench} {peer} n={n} FAILED rc={ex.rc}")
                    continue
                print(line)
                v = kv(line)
                rss = v.get("peak_rss_kib", "")
                if rss in ("", "0"):
                    # fallback: the peak RSS the kernel kept for the process
                    rss = str(ex.peak_rss_kib)
                append(results, f"{bench} {peer} n={v.get('n', '')} "
                       f"elapsed_s={v.get('elapsed_s', '')} peak_rss_kib={rss or 0} "
                       f"ns_per_switch={v.get('ns_per_switch', '')}")
    print_table(results, quick)
    return 0


if __name__ == "__main__":
    run_program(main)
