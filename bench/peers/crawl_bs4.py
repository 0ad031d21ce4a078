#!/usr/bin/python3
"""The seeds' web scraper done as aiocrawl does it: a reference crawler and benchmark peer.

Python asyncio + aiohttp + BeautifulSoup, with aiocrawl's logic: breadth-first from the start
URLs, a global (--concurrency) and per-host (--per-host) limit, robots.txt once per host, <a
href> resolved against the page and <base href>, fragments dropped, URLs normalised (RFC 3986
§6.2.2-6.2.3) and de-duplicated, same host:port as a start URL, non-HTML counted not parsed,
redirects followed. Used by tests/aiocrawl/static_site_test.cpp (same page set as aiocrawl on
a real site) and bench/crawl/ (pages/s, and the HTML parse cost per page on its own).

Usage: crawl_bs4.py [--concurrency N] [--per-host N] [--parser html.parser|lxml] URL...
       crawl_bs4.py --parse-bench REPS FILE...   (the parse cost alone, as bench/crawl's gumbo)
Prints one JSON object per fetched URL (url, status, bytes, links, error) on stdout and a
summary as JSON on stderr: pages, wall_s, pages_per_s, parse_s (BeautifulSoup time in all).
"""
import argparse
import asyncio
import json
import re
import sys
import time
import urllib.robotparser
from urllib.parse import urljoin, urldefrag, urlsplit, urlunsplit

import aiohttp
from bs4 import BeautifulSoup

UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _norm_escapes(s):
    def fix(m):
        ch = chr(int(m.group(1), 16))
        return ch if ch in UNRESERVED else "%" + m.group(1).upper()
    return re.sub(r"%([0-9A-Fa-f]{2})", fix, s)


def normalise(base, href):
    """href resolved against base, fragment dropped, normalised; None if not http(s)."""
    href = href.strip(" \t\n\r\f")
    try:
        url = urldefrag(urljoin(base, href)).url
        p = urlsplit(url)
        port = p.port
    except ValueError:
        return None
    if p.scheme not in ("http", "https") or not p.hostname:
        return None
    host = p.hostname.lower()
    if ":" in host:
        host = "[" + host + "]"
    default = 80 if p.scheme == "http" else 443
    netloc = host if port in (None, default) else f"{host}:{port}"
    path = _norm_escapes(p.path) or "/"
    return urlunsplit((p.scheme, netloc, path, _norm_escapes(p.query), ""))


def site(url):
    p = urlsplit(url)
    return (p.hostname, p.port or (80 if p.scheme == "http" else 443))


class Crawler:
    def __init__(self, concurrency, per_host, parser):
        self.concurrency, self.per_host, self.parser = concurrency, per_host, parser
        self.queue = asyncio.PriorityQueue()
        self.seen, self.sites, self.hosts, self.seq = set(), set(), {}, 0
        self.parse_s, self.pages = 0.0, 0

    def accept(self, url, depth):
        if url in self.seen:
            return
        self.seen.add(url)
        self.seq += 1
        self.queue.put_nowait((depth, self.seq, url))

    async def robots(self, session, url):
        p = urlsplit(url)
        origin = f"{p.scheme}://{p.netloc}"
        if origin not in self.hosts:
            entry = {"sem": asyncio.Semaphore(self.per_host), "ready": asyncio.Event(), "rules": None}
            self.hosts[origin] = entry
            rules = urllib.robotparser.RobotFileParser()
            try:
                async with session.get(origin + "/robots.txt") as r:
                    text = await r.text(errors="replace") if r.status < 300 else ""
            except Exception:
                text = ""
            rules.parse(text.splitlines())
            entry["rules"] = rules
            entry["ready"].set()
        entry = self.hosts[origin]
        await entry["ready"].wait()
        return entry

    async def visit(self, session, depth, url):
        host = await self.robots(session, url)
        if not host["rules"].can_fetch("aiocrawl", url):
            return
        row = {"url": url, "status": 0, "bytes": 0, "links": 0, "error": None}
        body, final, html = b"", url, False
        async with host["sem"]:
            try:
                async with session.get(url) as r:
                    row["status"] = r.status
                    final = str(r.url)
                    if r.history:
                        row["redirected_to"] = final
                        self.seen.add(final)
                    html = r.content_type in ("text/html", "application/xhtml+xml")
                    body = await r.read()
                    row["bytes"] = len(body)
            except Exception as e:  # reported per URL, never stops the crawl
                row["error"] = f"{type(e).__name__}: {e}"
        self.pages += 1
        if html and 200 <= row["status"] < 300:
            t0 = time.perf_counter()
            soup = BeautifulSoup(body, self.parser)
            base_tag = soup.find("base", href=True)
            base = normalise(final, base_tag["href"]) if base_tag else final
            hrefs = [a["href"] for a in soup.find_all("a", href=True)]
            self.parse_s += time.perf_counter() - t0
            links = []
            for h in hrefs:
                if h.strip().startswith("#"):
                    continue
                u = normalise(base or final, h)
                if u and u not in links:
                    links.append(u)
            row["links"] = len(links)
            for u in links:
                if site(u) in self.sites:
                    self.accept(u, depth + 1)
        print(json.dumps(row), flush=False)

    async def worker(self, session):
        while True:
            depth, _, url = await self.queue.get()
            try:
                await self.visit(session, depth, url)
            finally:
                self.queue.task_done()

    async def run(self, urls):
        for u in urls:
            self.sites.add(site(u))
            self.accept(normalise(u, ""), 0)
        conn = aiohttp.TCPConnector(limit=self.concurrency + 1)
        async with aiohttp.ClientSession(connector=conn, headers={"User-Agent": "aiocrawl-reference/0.1"}) as s:
            workers = [asyncio.create_task(self.worker(s)) for _ in range(self.concurrency)]
            await self.queue.join()
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)


def parse_bench(reps, files, parser):
    """BeautifulSoup's share of the crawl: parse, <base>, <a href>, resolution, per page."""
    pages = [open(f, "rb").read() for f in files]
    links = 0
    t0 = time.perf_counter()
    for _ in range(reps):
        for body in pages:
            soup = BeautifulSoup(body, parser)
            base_tag = soup.find("base", href=True)
            base = "http://127.0.0.1/doc/index.html"
            if base_tag:
                base = normalise(base, base_tag["href"]) or base
            found = set()
            for a in soup.find_all("a", href=True):
                u = normalise(base, a["href"])
                if u:
                    found.add(u)
            links += len(found)
    ms = (time.perf_counter() - t0) * 1000
    print(json.dumps({"peer": "bs4/" + parser, "pages": len(pages), "bytes": sum(map(len, pages)),
                      "links": links // reps, "ms_per_page": ms / (reps * len(pages))}))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--parse-bench":
        parser = "html.parser"
        parse_bench(int(sys.argv[2]), sys.argv[3:], parser)
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--per-host", type=int, default=8)
    ap.add_argument("--parser", default="html.parser")
    ap.add_argument("urls", nargs="+")
    a = ap.parse_args()
    c = Crawler(a.concurrency, a.per_host, a.parser)
    t0 = time.perf_counter()
    asyncio.run(c.run(a.urls))
    wall = time.perf_counter() - t0
    sys.stdout.flush()
    print(json.dumps({"pages": c.pages, "wall_s": wall, "pages_per_s": c.pages / wall if wall else 0,
                      "parse_s": c.parse_s}), file=sys.stderr)


if __name__ == "__main__":
    main()
