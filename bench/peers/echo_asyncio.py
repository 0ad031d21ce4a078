#!/usr/bin/python3
"""Echo benchmark peer: Python asyncio streams (optionally on uvloop).

Usage: echo_asyncio.py [--loop asyncio|uvloop] [--port N]   (N = 0: ephemeral)

Listens on 127.0.0.1, prints "listening <port>" as its first stdout line and
echoes every byte back until killed (SIGTERM).  The handler is the idiomatic
streams echo: ``data = await reader.read(64 KiB)`` then ``writer.write(data)``
and ``await writer.drain()``.  asyncio (and uvloop) set TCP_NODELAY on every
TCP transport themselves.

Run it with Debian's /usr/bin/python3: python3-uvloop is installed there.
"""
import argparse
import asyncio
import signal
import sys

READ_SIZE = 65536


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def serve(port: int) -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"listening {bound}", flush=True)
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with server:
        await stop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    if not 0 <= args.port <= 65535:
        ap.error(f"--port: {args.port} is not a TCP port")
    if args.loop == "uvloop":
        try:
            import uvloop
        except ImportError:
            print("echo_asyncio.py: uvloop is not importable by "
                  f"{sys.executable} (apt-get install python3-uvloop)", file=sys.stderr)
            sys.exit(2)
        uvloop.install()
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
