#!/usr/bin/env node
// Core-runtime benchmark peer: Node.js (libuv event loop + V8 promises).
//
// Usage: node core_node.js <spawn|sleepers|pingpong> [N]
//
// Prints one line:
//   <bench> node n=<N> elapsed_s=<float> peak_rss_kib=<int> [ns_per_switch=<float>]
'use strict';

const DEFAULT_N = { spawn: 1_000_000, sleepers: 100_000, pingpong: 10_000_000 };

function now() { return process.hrtime.bigint(); }
function secondsSince(t0) { return Number(now() - t0) / 1e9; }
// resourceUsage().maxRSS is getrusage(RUSAGE_SELF).ru_maxrss, in KiB on Linux.
function peakRssKib() { return process.resourceUsage().maxRSS; }

// ---------------------------------------------------------------- spawn
// A "task" is an async function call: it runs synchronously up to its first
// await; awaiting a setImmediate-resolved promise yields to the event loop
// (the macrotask queue), like asyncio.sleep(0) / tokio yield_now.
const yieldNow = () => new Promise((resolve) => setImmediate(resolve));

async function spawnTask(i) {
  await yieldNow();
  return i;
}

async function benchSpawn(n) {
  const t0 = now();
  const tasks = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = spawnTask(i);
  let sum = 0; // exact: n*(n-1)/2 < 2^53 for n up to ~1.3e8
  for (let i = 0; i < n; i++) sum += await tasks[i];
  const elapsed = secondsSince(t0);
  const expected = (n * (n - 1)) / 2;
  if (sum !== expected) {
    console.error(`spawn: bad sum ${sum} != ${expected}`);
    process.exit(2);
  }
  return { elapsed };
}

// ------------------------------------------------------------- sleepers
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function sleeper() {
  await sleep(1000);
}

async function benchSleepers(n) {
  const t0 = now();
  const tasks = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = sleeper();
  await Promise.all(tasks);
  return { elapsed: secondsSince(t0) };
}

// ------------------------------------------------------------- pingpong
// Two async functions hand a counter back and forth through a one-slot
// "mailbox" each: a promise that the other side resolves.  Every hand-over is
// one switch.  (Promise continuations run on V8's microtask queue, so this
// measures promise resolution + async-function resumption.)
class Mailbox {
  constructor() { this._resolve = null; this._value = undefined; this._full = false; }
  put(v) {
    if (this._resolve !== null) {
      const r = this._resolve;
      this._resolve = null;
      r(v);
    } else {
      // capacity 1: the protocol never puts twice without a get in between
      this._value = v;
      this._full = true;
    }
  }
  get() {
    if (this._full) {
      this._full = false;
      return Promise.resolve(this._value);
    }
    return new Promise((resolve) => { this._resolve = resolve; });
  }
}

async function player(inbox, outbox, last, serve) {
  if (serve) outbox.put(0); // first hand-over
  for (;;) {
    const v = await inbox.get();
    if (v >= last) {
      outbox.put(v); // wake the other side so it stops too
      return v;
    }
    outbox.put(v + 1);
  }
}

async function benchPingpong(n) {
  const aToB = new Mailbox();
  const bToA = new Mailbox();
  const t0 = now();
  // the counter value v has been handed over v+1 times: stop at v == n-1
  const b = player(aToB, bToA, n - 1, false);
  const a = player(bToA, aToB, n - 1, true);
  const [ra, rb] = await Promise.all([a, b]);
  const elapsed = secondsSince(t0);
  if (ra !== n - 1 || rb !== n - 1) {
    console.error(`pingpong: bad counter ${ra} ${rb} (n=${n})`);
    process.exit(2);
  }
  return { elapsed, nsPerSwitch: (elapsed * 1e9) / n };
}

const BENCHES = { spawn: benchSpawn, sleepers: benchSleepers, pingpong: benchPingpong };

async function main() {
  const [bench, nArg] = process.argv.slice(2);
  if (!(bench in BENCHES)) {
    console.error('usage: core_node.js <spawn|sleepers|pingpong> [N]');
    process.exit(64);
  }
  const n = nArg === undefined ? DEFAULT_N[bench] : Number.parseInt(nArg, 10);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`bad N: ${nArg}`);
    process.exit(64);
  }
  const res = await BENCHES[bench](n);
  let line = `${bench} node n=${n} elapsed_s=${res.elapsed.toFixed(6)} peak_rss_kib=${peakRssKib()}`;
  if (res.nsPerSwitch !== undefined) line += ` ns_per_switch=${res.nsPerSwitch.toFixed(2)}`;
  console.log(line);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
