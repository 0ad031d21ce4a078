#!/usr/bin/env python3
"""The pg benchmark's cases with psycopg 3's async API (Debian python3-psycopg): one JSON
line per case, {"case", "seconds", "cpu"}. Usage: peer_psycopg.py DSN SCALE"""
import asyncio, json, sys, time

import psycopg


def report(case, t0, c0):
    print(json.dumps({"case": case, "seconds": time.perf_counter() - t0,
                      "cpu": time.process_time() - c0}), flush=True)


async def main(dsn, scale):
    conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    n = int(10000 * scale)
    t0, c0 = time.perf_counter(), time.process_time()
    async with conn.cursor() as cur:
        for i in range(n):
            await cur.execute("SELECT %s::int", (i,), prepare=True)
            await cur.fetchone()
    report("sequential", t0, c0)

    # psycopg_pool is a separate Debian package; a fixed set of 10 connections shared
    # through an asyncio.Queue is the same thing.
    conns = [await psycopg.AsyncConnection.connect(dsn, autocommit=True) for _ in range(10)]
    q = asyncio.Queue()
    for c in conns:
        q.put_nowait(c)
    total, workers = int(100000 * scale), 50

    async def worker(k):
        for i in range(total // workers):
            c = await q.get()
            try:
                async with c.cursor() as cur:
                    await cur.execute("SELECT %s::int", (i,), prepare=True)
                    await cur.fetchone()
            finally:
                q.put_nowait(c)

    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(k) for k in range(workers)))
    report("pool", t0, c0)
    for c in conns:
        await c.close()

    # The same queries from 50 tasks on ONE connection: psycopg's connection lock runs
    # them one at a time.
    async def shared(k):
        for i in range(total // workers):
            async with conn.cursor() as cur:
                await cur.execute("SELECT %s::int", (i,), prepare=True)
                await cur.fetchone()

    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(shared(k) for k in range(workers)))
    report("pipelined", t0, c0)

    rows = int(1000000 * scale)
    t0, c0 = time.perf_counter(), time.process_time()
    async with conn.cursor(binary=True) as cur:
        await cur.execute("SELECT i, 'name ' || i, now() FROM generate_series(1, %s) i", (rows,))
        res = await cur.fetchall()
    s = 0
    for r in res:
        s += r[0] + len(r[1])
    assert len(res) == rows
    report("fetch", t0, c0)
    await conn.close()


asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1.0))
