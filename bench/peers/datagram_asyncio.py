"""asyncio twin of bench/net/datagram_pingpong.cpp: N ping-pong round trips between two
datagram endpoints of one loop, over AF_UNIX datagrams or UDP on 127.0.0.1.

    python3 datagram_asyncio.py unix|udp N
"""
import asyncio
import os
import socket
import sys
import time


class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)


class Ping(asyncio.DatagramProtocol):
    def __init__(self, n, done):
        self.left, self.done = n, done

    def connection_made(self, transport):
        self.transport = transport
        transport.sendto(b"ping")

    def datagram_received(self, data, addr):
        self.left -= 1
        if self.left == 0:
            self.done.set_result(None)
        else:
            self.transport.sendto(b"ping")


async def main(kind, n):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    if kind == "unix":
        base = f"/tmp/aio-dgbench-py-{os.getpid()}"
        a, b = base + ".a", base + ".b"
        srv, _ = await loop.create_datagram_endpoint(Echo, local_addr=a, family=socket.AF_UNIX)
        t0 = time.perf_counter()
        cli, _ = await loop.create_datagram_endpoint(
            lambda: Ping(n, done), local_addr=b, remote_addr=a, family=socket.AF_UNIX)
    else:
        srv, _ = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
        port = srv.get_extra_info("sockname")[1]
        t0 = time.perf_counter()
        cli, _ = await loop.create_datagram_endpoint(
            lambda: Ping(n, done), remote_addr=("127.0.0.1", port))
    await done
    dt = time.perf_counter() - t0
    cli.close()
    srv.close()
    if kind == "unix":
        for p in (a, b):
            os.unlink(p)
    print(f"{kind} round_trips={n} per_second={n / dt:.0f}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
