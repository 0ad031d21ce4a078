"""WebSocket echo server with Python's `websockets` library on uvloop (Debian
python3-websockets, python3-uvloop), for bench/run_ws_bench.sh. Prints "listening <port>"."""
import asyncio
import sys

import uvloop
import websockets


async def echo(ws, path=None):
    async for m in ws:
        await ws.send(m)


async def main(port):
    async with websockets.serve(echo, "127.0.0.1", port, compression=None, max_size=None,
                                ping_interval=None) as server:
        print("listening", server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    uvloop.install()
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
