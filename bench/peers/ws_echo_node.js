// WebSocket echo server on Node.js with the `ws` package (installed by
// bench/run_ws_bench.sh into the peers directory), for bench/run_ws_bench.sh.
// Prints "listening <port>".
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2] || 0),
                                  perMessageDeflate: false, maxPayload: 16 << 20 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on('listening', () => console.log('listening ' + wss.address().port));
