#!/usr/bin/python3
"""HTTP client benchmark peers: aiohttp.ClientSession and httpx.AsyncClient.

Usage: http_client_py.py --lib aiohttp|httpx --url URL [--requests N] [--concurrency C]
                         [--expect-bytes B] [--loop asyncio|uvloop]

One session (a pool of C connections) and C tasks that each GET the URL and read the whole
body, one after the other, until N requests were made in all (the same shape as
bench/http/aio_http_client.cpp). Prints one line

    py_http_client requests=N errors=E seconds=S req_per_s=R user_s=U sys_s=Y

where seconds, user_s and sys_s cover the requests only (not the interpreter's start-up and
imports). Exit 1 when a request failed or answered other than 200 with B bytes.
"""
import argparse
import asyncio
import resource
import sys
import time


async def run_aiohttp(url, n, c, expect):
    import aiohttp
    state = {"next": 0, "errors": 0, "first": ""}
    conn = aiohttp.TCPConnector(limit=c)
    async with aiohttp.ClientSession(connector=conn) as session:
        async def worker():
            while state["next"] < n:
                state["next"] += 1
                try:
                    async with session.get(url) as r:
                        body = await r.read()
                        ok = r.status == 200 and (expect < 0 or len(body) == expect)
                except aiohttp.ClientError as e:
                    ok, body = False, str(e)
                if not ok:
                    state["errors"] += 1
                    state["first"] = state["first"] or f"{body[:80]!r}"
        return await measure(worker, c, state)


async def run_httpx(url, n, c, expect):
    import httpx
    state = {"next": 0, "errors": 0, "first": ""}
    limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
    async with httpx.AsyncClient(limits=limits) as client:
        async def worker():
            while state["next"] < n:
                state["next"] += 1
                try:
                    r = await client.get(url)
                    ok = r.status_code == 200 and (expect < 0 or len(r.content) == expect)
                    why = f"status {r.status_code}, {len(r.content)} bytes"
                except httpx.HTTPError as e:
                    ok, why = False, str(e)
                if not ok:
                    state["errors"] += 1
                    state["first"] = state["first"] or why
        return await measure(worker, c, state)


async def measure(worker, c, state):
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(c)))
    t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    return state, t1 - t0, r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lib", choices=("aiohttp", "httpx"), required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--requests", type=int, default=20000)
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--expect-bytes", type=int, default=-1)
    p.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    a = p.parse_args()
    if a.loop == "uvloop":
        import uvloop
        uvloop.install()
    run = run_aiohttp if a.lib == "aiohttp" else run_httpx
    state, secs, user, sys_ = asyncio.run(run(a.url, a.requests, a.concurrency, a.expect_bytes))
    print(f"py_http_client requests={state['next']} errors={state['errors']} seconds={secs:.4f} "
          f"req_per_s={state['next'] / secs:.1f} user_s={user:.3f} sys_s={sys_:.3f}", flush=True)
    if state["errors"]:
        print(f"http_client_py.py: {state['errors']} errors; the first: {state['first']}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
