#!/usr/bin/env python3
"""The pg benchmark's cases with asyncpg (Debian python3-asyncpg): one JSON line per case,
{"case", "seconds", "cpu"} (cpu: this process's CPU seconds). Usage: peer_asyncpg.py DSN SCALE"""
import asyncio, json, sys, time

import asyncpg


def report(case, t0, c0):
    print(json.dumps({"case": case, "seconds": time.perf_counter() - t0,
                      "cpu": time.process_time() - c0}), flush=True)


async def main(dsn, scale):
    conn = await asyncpg.connect(dsn)
    n = int(10000 * scale)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        await conn.fetchval("SELECT $1::int", i)
    report("sequential", t0, c0)

    pool = await asyncpg.create_pool(dsn, min_size=10, max_size=10)
    total, workers = int(100000 * scale), 50

    async def worker(k):
        for i in range(total // workers):
            async with pool.acquire() as c:
                await c.fetchval("SELECT $1::int", i)

    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(k) for k in range(workers)))
    report("pool", t0, c0)
    await pool.close()

    # The same queries from 50 tasks on ONE connection: asyncpg runs one operation at a
    # time per connection (a second concurrent one raises InterfaceError), so a lock
    # serialises them.
    lock = asyncio.Lock()

    async def shared(k):
        for i in range(total // workers):
            async with lock:
                await conn.fetchval("SELECT $1::int", i)

    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(shared(k) for k in range(workers)))
    report("pipelined", t0, c0)

    rows = int(1000000 * scale)
    t0, c0 = time.perf_counter(), time.process_time()
    res = await conn.fetch("SELECT i, 'name ' || i, now() FROM generate_series(1, $1) i", rows)
    s = 0
    for r in res:
        s += r[0] + len(r[1])
        r[2]
    assert len(res) == rows
    report("fetch", t0, c0)
    await conn.close()


asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1.0))
