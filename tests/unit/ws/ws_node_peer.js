// Interop peer for the aio::ws tests: Node.js with the `ws` package (npm; installed by the
// test into the build tree), as a server or as a client. Only what the python3-websockets
// peer (ws_peer.py) does not cover: ws's perMessageDeflate options (no context takeover,
// 10-bit windows, a threshold under which messages go uncompressed, so one connection mixes
// compressed and plain messages), fragments sent with {fin: false} (compressed per frame),
// subprotocol selection, close reasons in UTF-8, pings from the server.
//
// server: serves two ports (deflate with the options above, deflate off), prints them on one
//   line, runs until stdin closes. /echo echoes; /fragments sends one text message as three
//   frames, then echoes; /count answers every message with "count <bytes> <first><last>";
//   /close/<code> closes with <code> and "bye from node ✓"; /ping pings "node-ping" and
//   answers "pong <payload>" when the pong comes; /proto sends the chosen subprotocol.
// client URL MODE (MODE: deflate | tight | off): drives an aio::ws server (routes /echo,
//   /stream, /close) and prints one "name ok|FAIL detail" line per check.
'use strict';
const WebSocket = require('ws');

const tight = {
  threshold: 1024, serverNoContextTakeover: true, clientNoContextTakeover: true,
  serverMaxWindowBits: 10, clientMaxWindowBits: 10,
};

function serve() {
  const handle = (ws, req) => {
    const path = req.url;
    if (path.startsWith('/close/')) {
      ws.close(Number(path.split('/')[2]), 'bye from node ✓');
      return;
    }
    if (path === '/proto') { ws.send(ws.protocol); return; }
    if (path === '/ping') {
      ws.on('pong', (data) => ws.send('pong ' + data.toString()));
      ws.ping('node-ping');
      return;
    }
    if (path === '/fragments') {
      ws.send('frag', { fin: false });
      ws.send('men', { fin: false });
      ws.send('ted', { fin: true });
    }
    ws.on('message', (data, isBinary) => {
      if (path === '/count') {
        const s = data.toString('latin1');
        ws.send('count ' + data.length + ' ' + s[0] + s[s.length - 1]);
      } else {
        ws.send(data, { binary: isBinary });
      }
    });
  };
  const protocols = (offered) => (offered.has('chat.v2') ? 'chat.v2' : false);
  const a = new WebSocket.Server({ host: '127.0.0.1', port: 0, perMessageDeflate: tight,
                                   handleProtocols: protocols, maxPayload: 64 << 20 });
  const b = new WebSocket.Server({ host: '127.0.0.1', port: 0, perMessageDeflate: false,
                                   handleProtocols: protocols, maxPayload: 64 << 20 });
  a.on('connection', handle);
  b.on('connection', handle);
  let listening = 0;
  const ready = () => {
    if (++listening === 2) console.log(a.address().port + ' ' + b.address().port);
  };
  a.on('listening', ready);
  b.on('listening', ready);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

function check(name, ok, detail) {
  console.log(name + (ok ? ' ok' : ' FAIL ' + String(detail).slice(0, 200)));
}

// Messages of a socket as an awaitable queue.
function inbox(ws) {
  const queue = [];
  const waiting = [];
  ws.on('message', (data, isBinary) => {
    const m = { data, isBinary };
    if (waiting.length) waiting.shift()(m); else queue.push(m);
  });
  return () => (queue.length ? Promise.resolve(queue.shift())
                             : new Promise((resolve) => waiting.push(resolve)));
}

function open(url, mode, protocols) {
  const pmd = mode === 'off' ? false : mode === 'tight' ? tight : true;
  const ws = new WebSocket(url, protocols, { perMessageDeflate: pmd, maxPayload: 64 << 20 });
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
}

const closed = (ws) => new Promise((resolve) => ws.on('close', (code, reason) =>
  resolve({ code, reason: reason.toString() })));

async function client(base, mode) {
  const ws = await open(base + '/echo', mode, ['nope', 'chat']);
  const next = inbox(ws);
  check('extension', (ws.extensions !== '') === (mode !== 'off'), ws.extensions);
  check('subprotocol', ws.protocol === 'chat', ws.protocol);
  const texts = ['hello ✓', 'x'.repeat(5000), 'short', 'y'.repeat(3000)];
  let ok = true;
  for (const t of texts) { // below and above the threshold, no context takeover
    ws.send(t);
    const m = await next();
    if (m.isBinary || m.data.toString() !== t) ok = false;
  }
  check('text', ok, 'mismatch');
  ws.send(Buffer.from([0, 255, 16]));
  let m = await next();
  check('binary', m.isBinary && m.data.equals(Buffer.from([0, 255, 16])), m.data);
  ws.send('frag', { fin: false });
  ws.send('men', { fin: false });
  ws.send('ted', { fin: true });
  m = await next();
  check('fragmented', m.data.toString() === 'fragmented', m.data);
  const big = Buffer.alloc(5 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  ws.send(big);
  m = await next();
  check('large', m.isBinary && m.data.equals(big), m.data.length);
  const pong = new Promise((resolve) => ws.once('pong', (d) => resolve(d.toString())));
  ws.ping('node-ping');
  const p = await pong;
  check('ping', p === 'node-ping', p);
  const done = closed(ws);
  ws.close(4001, 'node bye ✓');
  const c = await done;
  check('close', c.code === 4001, c.code);

  // Our server reads this message with receive_stream(): one chunk per frame.
  const s = await open(base + '/stream', mode, []);
  const nextS = inbox(s);
  s.send('a'.repeat(3000), { fin: false });
  s.send('b'.repeat(3000), { fin: false });
  s.send('c'.repeat(3000), { fin: true });
  m = await nextS();
  check('stream', m.data.toString() === 'chunks 3 bytes 9000 text', m.data);
  // Our server streams 4 MiB back with send_stream: ws reassembles it.
  s.send('send me a stream');
  m = await nextS();
  check('streamed', m.isBinary && m.data.length === 4 << 20 && m.data[0] === 0 &&
        m.data[m.data.length - 1] === 63, m.data.length);
  s.close();

  const x = await open(base + '/close', mode, []);
  const r = await closed(x);
  check('server close', r.code === 4006 && r.reason === 'bye from aiocpp ✓',
        r.code + ' ' + r.reason);
}

if (process.argv[2] === 'server') {
  serve();
} else {
  const timer = setTimeout(() => { console.log('timeout FAIL'); process.exit(1); }, 30000);
  client(process.argv[3], process.argv[4]).then(() => { clearTimeout(timer); process.exit(0); },
    (e) => { console.log('error FAIL ' + e); process.exit(1); });
}
