"""Interop peer for the aio::ws tests: Python's `websockets` library (Debian
python3-websockets) as a server or as a client.

server: serves three ports (deflate on, deflate off, deflate on with the default 1 MiB
        limit), prints them on one line, runs until stdin closes.
        /echo echoes; /fragments first sends a fragmented text and a fragmented binary
        message then echoes; /close/<code> closes with <code> and reason "bye from python".
client URL on|off: drives an aio::ws echo server through text, binary, fragmented, large,
        ping and a close with code 4001; prints one "name ok|FAIL detail" line per check.
"""
import asyncio
import sys

import websockets


async def handler(ws, path=None):
    path = ws.path
    if path.startswith("/close/"):
        await ws.close(int(path.split("/")[2]), "bye from python")
        return
    if path == "/fragments":
        await ws.send(["frag", "mented", " text"])
        await ws.send([b"\x01\x02", b"\x03"])
    try:
        async for m in ws:
            await ws.send(m)
    except websockets.ConnectionClosed:
        pass


async def serve():
    a = await websockets.serve(handler, "127.0.0.1", 0, max_size=None, compression="deflate")
    b = await websockets.serve(handler, "127.0.0.1", 0, max_size=None, compression=None)
    c = await websockets.serve(handler, "127.0.0.1", 0, compression="deflate")
    ports = [s.sockets[0].getsockname()[1] for s in (a, b, c)]
    print(*ports, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the test closes our stdin


def check(name, ok, detail=""):
    print(name, "ok" if ok else "FAIL " + repr(detail)[:200], flush=True)


async def client(url, compression):
    comp = "deflate" if compression == "on" else None
    async with websockets.connect(url, compression=comp, max_size=None) as ws:
        check("extension", bool(ws.extensions) == (compression == "on"), ws.extensions)
        await ws.send("hello \u20ac")
        r = await ws.recv()
        check("text", r == "hello \u20ac", r)
        await ws.send(b"\x00\xff\x10")
        r = await ws.recv()
        check("binary", r == b"\x00\xff\x10", r)
        await ws.send(["frag", "mented"])
        r = await ws.recv()
        check("fragmented", r == "fragmented", r)
        big = "".join("line %d\n" % i for i in range(40000))
        await ws.send(big)
        r = await ws.recv()
        check("large", r == big, len(r))
        pong = await ws.ping(b"py-ping")
        await asyncio.wait_for(pong, 5)
        check("ping", True)
        await ws.close(4001, "py bye")
        check("close", ws.close_code == 4001, ws.close_code)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        asyncio.run(serve())
    else:
        asyncio.run(asyncio.wait_for(client(sys.argv[2], sys.argv[3]), 30))
