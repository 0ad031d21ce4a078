#!/usr/bin/python3
"""HTTP server benchmark peer: aiohttp.web, on uvloop (--loop uvloop, the default) or
asyncio's own loop (--loop asyncio).

Usage: http_aiohttp.py [--loop uvloop|asyncio] [--port N]   (N = 0, the default: ephemeral)

Listens on 127.0.0.1, prints "listening <port>" as its first stdout line and answers every
request with 200 "Hello, World!" (text/plain) on keep-alive connections until SIGTERM. The
access log is off, as in every other server of the benchmark.
"""
import argparse
import asyncio
import signal
import sys

from aiohttp import web


async def hello(request):
    return web.Response(text="Hello, World!")


async def main(port):
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    sock = site._server.sockets[0]  # the bound port: aiohttp has no public accessor
    print(f"listening {sock.getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    p.add_argument("--port", type=int, default=0)
    a = p.parse_args()
    if a.loop == "uvloop":
        import uvloop
        uvloop.install()
    try:
        asyncio.run(main(a.port))
    except OSError as e:
        print(f"http_aiohttp.py: {e}", file=sys.stderr)
        sys.exit(1)
