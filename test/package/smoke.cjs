// What a user of the installed package does first, run by test/package/check.js
// inside a fresh project that installed the packed tarball with
// --ignore-scripts, under each Node it tests (and an arm64 Node under qemu):
// require('ringnet') from node_modules, echo over TCP (length framing), over
// TLS (the addon's static OpenSSL, beside Node's own) and answer HTTP on each
// backend, and serve from a worker_threads thread.
//
//   node smoke.cjs [--io-uring required|optional]
//
// The TLS check uses tls.key / tls.crt in the working directory (a
// self-signed certificate for localhost that check.js writes there).
//
// Prints one JSON line: { node, arch, addon, checks: [{ name, ok, detail }] }
// and exits 1 if any check failed. With --io-uring optional (qemu-user has no
// io_uring) an unavailable io_uring must make backend 'auto' fall back to
// epoll with a reason, and backend 'io_uring' throw BackendUnavailableError.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');
const http = require('node:http');
const path = require('node:path');
const { Worker, isMainThread, parentPort } = require('node:worker_threads');
const ringnet = require('ringnet');

const TIMEOUT_MS = 60_000; // generous: qemu-user runs an arm64 Node ~10x slower

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out`)), TIMEOUT_MS); }),
  ]).finally(() => clearTimeout(timer));
}

// One length-prefixed frame out, the same frame back; over node:tls when
// `tlsClient` holds its options (the client verifies the server's certificate).
function echoOnce(port, payload, tlsClient) {
  return new Promise((resolve, reject) => {
    const socket = tlsClient
      ? tls.connect({ port, host: '127.0.0.1', ...tlsClient })
      : net.connect({ port, host: '127.0.0.1' });
    const frame = Buffer.alloc(4 + payload.length);
    frame.writeUInt32BE(payload.length, 0);
    payload.copy(frame, 4);
    const chunks = [];
    socket.on(tlsClient ? 'secureConnect' : 'connect', () => socket.write(frame));
    socket.on('data', (d) => {
      chunks.push(d);
      const got = Buffer.concat(chunks);
      if (got.length >= frame.length) {
        socket.end();
        resolve(got.equals(frame) ? 'echoed' : Promise.reject(new Error(`got ${got.toString('hex')}`)));
      }
    });
    socket.on('error', reject);
  });
}

function httpGet(port, pathname) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    }).on('error', reject);
  });
}

async function tcpCheck(backend) {
  const server = ringnet.createServer({ backend, framing: { type: 'length' } }, {
    onFrame(conn, frame) { conn.send(frame); },
  });
  try {
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    await echoOnce(port, Buffer.from(`hello over ${server.backend}`));
    return `backend ${server.backend}`;
  } finally {
    await server.close({ timeout: 2000 });
  }
}

async function tlsCheck(backend) {
  const key = fs.readFileSync('tls.key');
  const cert = fs.readFileSync('tls.crt');
  let info;
  const server = ringnet.createServer({ backend, framing: { type: 'length' }, tls: { key, cert } }, {
    onOpen(conn) { info = conn.tls; },
    onFrame(conn, frame) { conn.send(frame); },
  });
  try {
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    await echoOnce(port, Buffer.from(`hello over TLS on ${server.backend}`), { ca: cert, servername: 'localhost' });
    if (!info || !info.protocol) throw new Error(`conn.tls is ${JSON.stringify(info)}`);
    return `backend ${server.backend}, ${info.protocol} ${info.cipher}`;
  } finally {
    await server.close({ timeout: 2000 });
  }
}

async function httpCheck(backend) {
  const server = ringnet.createServer({ backend, framing: { type: 'http' } }, {
    onRequest(req, res) { res.setHeader('Content-Type', 'text/plain'); res.end(`hello ${req.url}`); },
  });
  try {
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    const res = await httpGet(port, '/smoke');
    if (res.status !== 200 || res.body !== 'hello /smoke') throw new Error(`HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return `backend ${server.backend}`;
  } finally {
    await server.close({ timeout: 2000 });
  }
}

// A server created and run inside a worker thread (the addon loaded in a
// second Node environment); the main thread is its client.
async function workerThreadCheck() {
  const worker = new Worker(__filename, { argv: ['--worker'] });
  try {
    const port = await new Promise((resolve, reject) => {
      worker.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m.port)));
      worker.once('error', reject);
    });
    await echoOnce(port, Buffer.from('hello from a worker thread'));
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('close');
    const code = await exited;
    if (code !== 0) throw new Error(`worker exited with ${code}`);
    return 'served from a worker thread';
  } catch (err) {
    await worker.terminate();
    throw err;
  }
}

async function runInWorker() {
  const server = ringnet.createServer({ framing: { type: 'length' } }, { onFrame(conn, frame) { conn.send(frame); } });
  try {
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    parentPort.once('message', async () => { await server.close({ timeout: 2000 }); });
    parentPort.postMessage({ port });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.stack || err) });
  }
}

// Where io_uring cannot run: 'auto' says why and runs epoll; 'io_uring' throws.
function fallbackCheck() {
  const auto = ringnet.createServer({ backend: 'auto' }, {});
  if (auto.backend !== 'epoll' || !auto.backendFallbackReason) {
    throw new Error(`auto gave ${auto.backend}, reason ${auto.backendFallbackReason}`);
  }
  try {
    ringnet.createServer({ backend: 'io_uring' }, {});
  } catch (err) {
    if (err instanceof ringnet.BackendUnavailableError && err.code === 'ERR_BACKEND_UNAVAILABLE') {
      return `auto -> epoll: ${auto.backendFallbackReason}`;
    }
    throw err;
  }
  throw new Error("backend 'io_uring' did not throw");
}

async function main() {
  const ioUring = process.argv.includes('optional') ? 'optional' : 'required';
  const uringWorks = ringnet.createServer({ backend: 'auto' }, {}).backend === 'io_uring';
  const checks = [
    ['tcp echo epoll', () => tcpCheck('epoll')],
    ['tls echo epoll', () => tlsCheck('epoll')],
    ['http epoll', () => httpCheck('epoll')],
  ];
  if (uringWorks || ioUring === 'required') {
    checks.push(['tcp echo io_uring', () => tcpCheck('io_uring')], ['tls echo io_uring', () => tlsCheck('io_uring')],
      ['http io_uring', () => httpCheck('io_uring')]);
  } else {
    checks.push(['io_uring unavailable: auto falls back', fallbackCheck]);
  }
  checks.push(['worker_threads server', workerThreadCheck]);

  const results = [];
  for (const [name, run] of checks) {
    try {
      results.push({ name, ok: true, detail: await withTimeout(Promise.resolve().then(run), name) });
    } catch (err) {
      results.push({ name, ok: false, detail: String(err && err.message || err) });
    }
  }
  const pkgDir = path.dirname(require.resolve('ringnet/package.json'));
  const addon = path.relative(pkgDir, require('node-gyp-build').resolve(pkgDir));
  process.stdout.write(JSON.stringify({ node: process.version, arch: process.arch, addon, checks: results }) + '\n');
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

if (isMainThread) main();
else runInWorker();
