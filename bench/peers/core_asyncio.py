#!/usr/bin/python3
"""Core-runtime benchmark peer: Python asyncio (optionally on uvloop).

Usage: core_asyncio.py [--loop asyncio|uvloop] <spawn|sleepers|pingpong> [N]

Prints one line:
  <bench> <peer> n=<N> elapsed_s=<float> peak_rss_kib=<int> [ns_per_switch=<float>]
where <peer> is "asyncio" or "uvloop".

Run it with Debian's /usr/bin/python3: python3-uvloop is installed there, a
pyenv python3 earlier on PATH usually lacks uvloop.
"""
import argparse
import asyncio
import resource
import sys
import time

DEFAULT_N = {
    "spawn": 1_000_000,
    "sleepers": 100_000,
    # Python is ~50x slower per switch than native runtimes, so it runs 1M
    # switches instead of 10M; compare ns_per_switch, not elapsed_s.
    "pingpong": 1_000_000,
}


def peak_rss_kib() -> int:
    # Linux reports ru_maxrss in KiB.
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# ---------------------------------------------------------------- spawn
async def _spawn_task(i: int) -> int:
    await asyncio.sleep(0)
    return i


async def bench_spawn(n: int) -> dict:
    create_task = asyncio.get_running_loop().create_task
    t0 = time.perf_counter()
    tasks = [create_task(_spawn_task(i)) for i in range(n)]
    total = 0
    for t in tasks:
        total += await t
    elapsed = time.perf_counter() - t0
    expected = n * (n - 1) // 2
    if total != expected:
        print(f"spawn: bad sum {total} != {expected}", file=sys.stderr)
        sys.exit(2)
    return {"elapsed": elapsed}


# ------------------------------------------------------------- sleepers
async def _sleeper() -> None:
    await asyncio.sleep(1.0)


async def bench_sleepers(n: int) -> dict:
    create_task = asyncio.get_running_loop().create_task
    t0 = time.perf_counter()
    tasks = [create_task(_sleeper()) for _ in range(n)]
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    return {"elapsed": elapsed}


# ------------------------------------------------------------- pingpong
# Two tasks pass a counter through two asyncio.Queue(1); every hand-over of
# the counter from one task to the other is one "switch".
async def _player(inq: asyncio.Queue, outq: asyncio.Queue, last: int,
                  serve: bool) -> int:
    if serve:
        await outq.put(0)             # first hand-over
    while True:
        v = await inq.get()
        if v >= last:
            await outq.put(v)         # wake the other side so it stops too
            return v
        await outq.put(v + 1)


async def bench_pingpong(n: int) -> dict:
    loop = asyncio.get_running_loop()
    a_to_b: asyncio.Queue = asyncio.Queue(1)
    b_to_a: asyncio.Queue = asyncio.Queue(1)
    t0 = time.perf_counter()
    # counter value v means v+1 hand-overs have happened; stop once v == n-1
    # has been delivered, i.e. after exactly n hand-overs.
    a = loop.create_task(_player(b_to_a, a_to_b, n - 1, True))
    b = loop.create_task(_player(a_to_b, b_to_a, n - 1, False))
    ra = await a
    rb = await b
    elapsed = time.perf_counter() - t0
    if ra != n - 1 or rb != n - 1:
        print(f"pingpong: bad counter {ra} {rb} (n={n})", file=sys.stderr)
        sys.exit(2)
    return {"elapsed": elapsed, "ns_per_switch": elapsed * 1e9 / n}


BENCHES = {"spawn": bench_spawn, "sleepers": bench_sleepers,
           "pingpong": bench_pingpong}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    ap.add_argument("bench", choices=sorted(BENCHES))
    ap.add_argument("n", type=int, nargs="?")
    args = ap.parse_args()
    n = args.n if args.n is not None else DEFAULT_N[args.bench]
    if n < 1:
        ap.error("N must be >= 1")

    if args.loop == "uvloop":
        try:
            import uvloop
        except ImportError as e:
            print(f"uvloop not available for {sys.executable}: {e} "
                  "(apt-get install python3-uvloop, run with /usr/bin/python3)",
                  file=sys.stderr)
            return 3
        loop_factory = uvloop.new_event_loop
    else:
        loop_factory = asyncio.new_event_loop

    loop = loop_factory()
    try:
        asyncio.set_event_loop(loop)
        res = loop.run_until_complete(BENCHES[args.bench](n))
    finally:
        asyncio.set_event_loop(None)
        loop.close()

    line = (f"{args.bench} {args.loop} n={n} elapsed_s={res['elapsed']:.6f} "
            f"peak_rss_kib={peak_rss_kib()}")
    if "ns_per_switch" in res:
        line += f" ns_per_switch={res['ns_per_switch']:.2f}"
    print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
