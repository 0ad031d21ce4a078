#!/usr/bin/env python3
"""Python asyncio peer of bench/os/run_os_bench.sh (same output format as aio_bench_os).

  os_asyncio.py read FILE [CHUNK]   each chunk read with await asyncio.to_thread(f.read)
  os_asyncio.py spawn N [CONC]      N x `true` via asyncio.create_subprocess_exec, CONC at once
"""
import asyncio
import sys
import time


async def read_all(path, chunk):
    total = 0
    with open(path, "rb", buffering=0) as f:
        while True:
            data = await asyncio.to_thread(f.read, chunk)
            if not data:
                break
            total += len(data)
    return total


async def spawn_many(n, conc):
    sem = asyncio.Semaphore(conc)

    async def one():
        async with sem:
            p = await asyncio.create_subprocess_exec("true")
            return await p.wait()

    codes = await asyncio.gather(*(one() for _ in range(n)))
    return sum(1 for c in codes if c != 0)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "read":
        chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 64 * 1024
        t0 = time.perf_counter()
        n = asyncio.run(read_all(sys.argv[2], chunk))
        s = time.perf_counter() - t0
        print(f"read asyncio n={n} elapsed_s={s:.4f} mib_per_s={n / 1048576 / s:.1f}")
    elif len(sys.argv) >= 3 and sys.argv[1] == "spawn":
        n = int(sys.argv[2])
        conc = int(sys.argv[3]) if len(sys.argv) > 3 else 8
        t0 = time.perf_counter()
        failed = asyncio.run(spawn_many(n, conc))
        s = time.perf_counter() - t0
        print(f"spawn asyncio n={n} elapsed_s={s:.4f} per_op_us={s * 1e6 / n:.1f} failed={failed}")
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(64)


main()
