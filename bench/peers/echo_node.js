#!/usr/bin/env node
// Echo benchmark peer: Node.js `net`.
//
// Usage: node echo_node.js [--port N]     (N = 0, the default: ephemeral)
//
// Listens on 127.0.0.1, prints "listening <port>" as its first stdout line and
// echoes every byte back until killed (SIGTERM).  The idiomatic echo: every
// 'data' chunk is written straight back with socket.write(); TCP_NODELAY is
// set on each accepted socket.
'use strict';
const net = require('net');

let port = 0;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const s = argv[i] === '--port' ? argv[++i] : argv[i];
  port = Number(s);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`echo_node.js: bad port '${s}'\nusage: node echo_node.js [--port N]\n`);
    process.exit(64);
  }
}

const server = net.createServer((sock) => {
  sock.setNoDelay(true);
  sock.on('data', (chunk) => sock.write(chunk));
  sock.on('error', () => sock.destroy());
});
server.on('error', (err) => {
  process.stderr.write(`echo_node.js: ${err.message}\n`);
  process.exit(1);
});
server.listen({ port, host: '127.0.0.1', backlog: 1024 }, () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
