#!/usr/bin/env python3
"""A real aiohttp.web server for the interop tests: binds 127.0.0.1:0, prints its port on
one line, serves until SIGTERM (the test stops it).

  GET  /hello          "hello from aiohttp"
  GET  /json           {"server": "aiohttp", "n": [1, 2, 3]}
  POST /echo           JSON {"method", "body", "content_type", "transfer_encoding"}
  GET  /stream?n=N     a chunked response (no Content-Length): N lines "line i"
  GET  /gzip           a long text, gzip-compressed by aiohttp (Content-Encoding: gzip)
  GET  /redirect       302 to /hello
  GET  /cookie/set     Set-Cookie: session=abc; /cookie/get answers the Cookie it received
  GET  /connections    how many connections this server accepted so far
"""
import asyncio
import signal
import socket
import sys

from aiohttp import web

accepted = 0


async def hello(request):
    return web.Response(text="hello from aiohttp")


async def json_handler(request):
    return web.json_response({"server": "aiohttp", "n": [1, 2, 3]})


async def echo(request):
    body = await request.read()
    return web.json_response({
        "method": request.method,
        "body": body.decode("latin-1"),
        "content_type": request.headers.get("Content-Type", ""),
        "transfer_encoding": request.headers.get("Transfer-Encoding", ""),
    })


async def stream(request):
    n = int(request.query.get("n", "10"))
    resp = web.StreamResponse()
    resp.content_type = "text/plain"
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for i in range(n):
        await resp.write(f"line {i}\n".encode())
    await resp.write_eof()
    return resp


async def gzip_handler(request):
    text = "".join(f"row {i}: compressible text compressible text\n" for i in range(2000))
    resp = web.Response(text=text)
    resp.enable_compression(web.ContentCoding.gzip)
    return resp


async def redirect(request):
    raise web.HTTPFound("/hello")


async def cookie_set(request):
    resp = web.Response(text="set")
    resp.set_cookie("session", "abc", path="/")
    return resp


async def cookie_get(request):
    return web.Response(text=request.headers.get("Cookie", ""))


async def connections(request):
    return web.Response(text=str(accepted))


class CountingProtocol:
    """Wraps the server's protocol factory to count accepted connections."""

    def __init__(self, factory):
        self.factory = factory

    def __call__(self):
        global accepted
        accepted += 1
        return self.factory()


async def main():
    app = web.Application()
    app.router.add_get("/hello", hello)
    app.router.add_get("/json", json_handler)
    app.router.add_post("/echo", echo)
    app.router.add_get("/stream", stream)
    app.router.add_get("/gzip", gzip_handler)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/cookie/set", cookie_set)
    app.router.add_get("/cookie/get", cookie_get)
    app.router.add_get("/connections", connections)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(CountingProtocol(runner.server), sock=sock)
    print(sock.getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
