#!/usr/bin/env node
// HTTP server benchmark peer: Node.js `http`.
//
// Usage: node http_node.js [--port N]     (N = 0, the default: ephemeral)
//
// Listens on 127.0.0.1, prints "listening <port>" as its first stdout line and answers
// every request with 200 "Hello, World!" (text/plain) on keep-alive connections until
// SIGTERM. Node writes Date itself (cached per second) and Connection: keep-alive.
'use strict';
const http = require('http');

let port = 0;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const s = argv[i] === '--port' ? argv[++i] : argv[i];
  port = Number(s);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`http_node.js: bad port '${s}'\nusage: node http_node.js [--port N]\n`);
    process.exit(64);
  }
}

const body = 'Hello, World!';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
});
// No per-connection idle timeouts during a run (wrk keeps its 50 connections busy anyway).
server.keepAliveTimeout = 0;
server.on('error', (err) => {
  process.stderr.write(`http_node.js: ${err.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
