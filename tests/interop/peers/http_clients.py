#!/usr/bin/env python3
"""Drives an aiocpp server (tests/interop/server_clients_test.cpp) with one Python HTTP
client library: python3 http_clients.py aiohttp|httpx|requests BASE_URL

Prints "ok <check>" for each check; the first failure raises (exit status 1 and a
traceback). Every request has a 10 s timeout.
"""
import asyncio
import sys

LIB, BASE = sys.argv[1], sys.argv[2]
BIG = bytes((i * 31 + 7) % 251 for i in range(1024 * 1024))
UPLOAD = bytes((i * 13 + 1) % 256 for i in range(300000))


def pieces():
    for i in range(0, len(UPLOAD), 65536):
        yield UPLOAD[i:i + 65536]


async def apieces():
    for p in pieces():
        yield p


def check(name, cond, detail=""):
    if not cond:
        raise AssertionError(f"{LIB}: {name} failed {detail}")
    print(f"ok {name}", flush=True)


def run_requests():
    import requests
    s = requests.Session()
    r = s.get(BASE + "/", timeout=10)
    check("get", r.status_code == 200 and r.text == "Hello, World!", r.text)
    r = s.get(BASE + "/users/7", params={"verbose": "1"}, timeout=10)
    check("json", r.json() == {"id": "7", "verbose": "1"}, r.text)
    r = s.post(BASE + "/echo", json={"a": [1, 2]}, timeout=10)
    check("post_json", r.json() == {"a": [1, 2]} and r.headers["X-Content-Type"] == "application/json")
    r = s.post(BASE + "/echo", data=pieces(), timeout=10)
    check("chunked_upload", r.content == UPLOAD and r.headers["X-Transfer-Encoding"] == "chunked")
    r = s.head(BASE + "/", timeout=10)
    check("head", r.status_code == 200 and r.headers["Content-Length"] == "13" and r.content == b"")
    r = s.get(BASE + "/nope", timeout=10)
    check("404", r.status_code == 404)
    r = s.delete(BASE + "/", timeout=10)
    check("405", r.status_code == 405 and "GET" in r.headers["Allow"])
    r = s.get(BASE + "/big", timeout=10)
    check("big", r.content == BIG, len(r.content))
    check("sequential", all(s.get(BASE + "/", timeout=10).text == "Hello, World!"
                            for _ in range(20)))


def run_httpx():
    import httpx
    with httpx.Client(timeout=10) as s:
        r = s.get(BASE + "/")
        check("get", r.status_code == 200 and r.text == "Hello, World!", r.text)
        r = s.get(BASE + "/users/7", params={"verbose": "1"})
        check("json", r.json() == {"id": "7", "verbose": "1"}, r.text)
        r = s.post(BASE + "/echo", json={"a": [1, 2]})
        check("post_json", r.json() == {"a": [1, 2]} and r.headers["X-Content-Type"] == "application/json")
        r = s.post(BASE + "/echo", content=pieces())
        check("chunked_upload", r.content == UPLOAD and r.headers["X-Transfer-Encoding"] == "chunked")
        r = s.head(BASE + "/")
        check("head", r.status_code == 200 and r.headers["Content-Length"] == "13" and r.content == b"")
        r = s.get(BASE + "/nope")
        check("404", r.status_code == 404)
        r = s.delete(BASE + "/")
        check("405", r.status_code == 405 and "GET" in r.headers["Allow"])
        r = s.get(BASE + "/big")
        check("big", r.content == BIG, len(r.content))
        check("sequential", all(s.get(BASE + "/").text == "Hello, World!" for _ in range(20)))


async def run_aiohttp():
    import aiohttp
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        async with s.get(BASE + "/") as r:
            check("get", r.status == 200 and await r.text() == "Hello, World!")
        async with s.get(BASE + "/users/7", params={"verbose": "1"}) as r:
            check("json", await r.json() == {"id": "7", "verbose": "1"})
        async with s.post(BASE + "/echo", json={"a": [1, 2]}) as r:
            check("post_json", await r.json(content_type=None) == {"a": [1, 2]} and
                  r.headers["X-Content-Type"] == "application/json")
        async with s.post(BASE + "/echo", data=apieces()) as r:
            check("chunked_upload", await r.read() == UPLOAD and
                  r.headers["X-Transfer-Encoding"] == "chunked")
        async with s.post(BASE + "/echo", data=UPLOAD, expect100=True) as r:
            check("expect_100", await r.read() == UPLOAD and
                  r.headers["X-Expect"] == "100-continue")
        async with s.head(BASE + "/") as r:
            check("head", r.status == 200 and r.headers["Content-Length"] == "13" and
                  await r.read() == b"")
        async with s.get(BASE + "/nope") as r:
            check("404", r.status == 404)
        async with s.delete(BASE + "/") as r:
            check("405", r.status == 405 and "GET" in r.headers["Allow"])
        async with s.get(BASE + "/big") as r:
            check("big", await r.read() == BIG)
        results = await asyncio.gather(*[fetch(s) for _ in range(20)])
        check("concurrent", all(t == "Hello, World!" for t in results))


async def fetch(s):
    async with s.get(BASE + "/") as r:
        return await r.text()


if LIB == "requests":
    run_requests()
elif LIB == "httpx":
    run_httpx()
elif LIB == "aiohttp":
    asyncio.run(run_aiohttp())
else:
    sys.exit(f"unknown client library {LIB}")
print("all ok", flush=True)
