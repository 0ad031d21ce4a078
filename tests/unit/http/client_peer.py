#!/usr/bin/env python3
"""The peer of tests/unit/http/client_test.cpp: fixed routes over Python's http.server.

Listens on 127.0.0.1, port 0, prints the port on stdout, serves until killed. Idle
keep-alive connections are closed by the server after IDLE_TIMEOUT seconds.
"""
import gzip
import json
import sys
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IDLE_TIMEOUT = 1.0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT  # the socket timeout: an idle connection is closed after it

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if self.command == "HEAD":
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        p = u.path
        if p == "/hello":
            return self.send(200, b"hello", [("Content-Type", "text/plain")])
        if p == "/echo":
            out = {
                "method": self.command,
                "path": self.path,
                "query": q,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("latin-1"),
                "port": self.client_address[1],
            }
            return self.send(200, json.dumps(out).encode(), [("Content-Type", "application/json")])
        if p.startswith("/redirect/"):
            code = int(p.split("/")[2])
            return self.send(code, b"moved", [("Location", q.get("to", "/echo"))])
        if p == "/loop":
            return self.send(302, b"", [("Location", "/loop")])
        if p == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            return
        if p == "/gzip":
            return self.send(200, gzip.compress(b"gzipped " * 100), [("Content-Encoding", "gzip")])
        if p == "/deflate":
            return self.send(200, zlib.compress(b"deflated " * 100), [("Content-Encoding", "deflate")])
        if p == "/slow":
            time.sleep(float(q.get("s", "1")))
            return self.send(200, b"slow")
        if p == "/slow-body":
            self.send_response(200)
            self.send_header("Content-Length", "10")
            self.end_headers()
            self.wfile.write(b"12345")
            self.wfile.flush()
            time.sleep(float(q.get("s", "1")))
            self.wfile.write(b"67890")
            return
        if p == "/big":
            n = int(q.get("n", "1000000"))
            return self.send(200, b"x" * n)
        if p == "/setcookie":
            self.send_response(200)
            self.send_header("Set-Cookie", "session=abc; Path=/")
            self.send_header("Set-Cookie", "scoped=1; Path=/only")
            self.send_header("Set-Cookie", "gone=1; Max-Age=0")
            self.send_header("Set-Cookie", "old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
            self.send_header("Set-Cookie", "future=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT")
            self.send_header("Set-Cookie", "foreign=1; Domain=example.org")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if p == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until close")
            self.close_connection = True
            return
        if p == "/status":
            return self.send(int(q.get("code", "500")), b"status")
        return self.send(404, b"not found")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = route


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
