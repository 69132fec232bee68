'use strict';
// Idle memory: server RSS growth per connection once N idle connections are accepted. A first
// round of up to 1000 connections is opened and closed before the baseline, so the figure is
// the cost of one more connection, not of the first one (code paged in, JIT, pools).
// Cell parameters: connections (default 10,000; --idle-connections) and protocol ('tcp';
// 'websocket': every connection upgrades first, so the figure is an open WebSocket's, the
// reference then ws; 'tls': TLS connections to a TLS echo server, each having had one frame
// echoed, opened by shared/tls-idle-client.js since the native generator has no TLS; the
// reference then node:tls). RSS and open files are those of the server's whole process tree (a
// brought-along server may run under a shell or fork).
const { spawn } = require('node:child_process');
const proc = require('../lib/proc');
const { onLines, tryJson } = require('../lib/spawn');
const path = require('node:path');
const { ensureLoadgen, command } = require('./shared/loadgen');
const { pinned } = require('../lib/spawn');
const { tlsAvailable } = require('./shared/tls-certs');

const TLS_CLIENT = path.join(__dirname, 'shared', 'tls-idle-client.js');
const REFERENCES = { tcp: 'node:net', websocket: 'ws', tls: 'node:tls' };

/** [command, argv] of the idle generator for this cell's protocol. */
function idleCommand(port, n, cell, ctx) {
  if (cell.protocol === 'tls') return pinned(process.execPath, [TLS_CLIENT, JSON.stringify({ port, connections: n })], ctx.generatorCpus);
  const ws = cell.protocol === 'websocket' ? ['--protocol', 'ws'] : [];
  return command(['--host', '127.0.0.1', '--port', String(port), '--connections', String(n), '--idle', ...ws], ctx);
}

/** Starts the generator in --idle mode; resolves { gen, exited, established } once it holds them. */
async function openIdle(server, n, cell, ctx) {
  const [cmd, argv] = idleCommand(server.port, n, cell, ctx);
  const gen = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise((r) => gen.on('exit', r));
  let err = '';
  gen.stderr.on('data', (d) => { err += d; });
  const est = await new Promise((resolve) => {
    onLines(gen.stdout, (l) => { const m = tryJson(l); if (m) resolve(m); });
    exited.then(() => resolve({ error: `loadgen exited: ${err.trim()}` }));
  });
  return { gen, exited, est };
}

async function closeIdle({ gen, exited }) {
  gen.stdin.end();                                  // the generator closes its connections
  await Promise.race([exited, proc.sleep(10000)]);
  if (gen.exitCode === null) gen.kill('SIGKILL');
}

async function waitFds(pid, predicate, ms) {
  const deadline = Date.now() + ms;
  while (!predicate(proc.treeFdCount(pid)) && Date.now() < deadline) await proc.sleep(50);
}

module.exports = {
  name: 'idle',
  description: 'server RSS per idle connection (TCP; WebSocket: protocol websocket; TLS: protocol tls)',
  unit: 'connections',
  reference: 'node:net',
  referenceFor: (cell) => REFERENCES[cell.protocol] || 'node:net',
  defaults: { connections: 10000, protocol: 'tcp' },
  label: (cell) => `idle-${{ websocket: 'ws-', tls: 'tls-' }[cell.protocol] || ''}c${cell.connections}`,
  prepare: ensureLoadgen,
  unavailable: (cell) => (cell.protocol === 'tls' && tlsAvailable() !== true ? tlsAvailable() : null),
  async run(server, target, cell, ctx) {
    const n = cell.connections;
    const res = { fileLimit: proc.fileLimit(server.pid), errors: 0 };
    if (res.fileLimit < n + 64) res.warning = `server RLIMIT_NOFILE ${res.fileLimit} < ${n} connections`;
    await proc.sleep(300);
    const fd0 = proc.treeFdCount(server.pid);
    const warm = await openIdle(server, Math.min(1000, n), cell, ctx);
    await waitFds(server.pid, (fds) => fds - fd0 >= (warm.est.established || 0), 20000);
    await closeIdle(warm);
    await waitFds(server.pid, (fds) => fds <= fd0, 10000);
    const before = await proc.stableRss(server.pid, { read: proc.treeRssBytes });
    const fd1 = proc.treeFdCount(server.pid);
    const t0 = performance.now();
    const idle = await openIdle(server, n, cell, ctx);
    res.connectSec = (performance.now() - t0) / 1000;
    res.errors = (idle.est.connectErrors || 0) + (idle.est.upgradeErrors || 0);
    if (idle.est.established) {
      await waitFds(server.pid, (fds) => fds - fd1 >= idle.est.established, 60000);
      res.accepted = proc.treeFdCount(server.pid) - fd1;
      const after = await proc.stableRss(server.pid, { read: proc.treeRssBytes });
      Object.assign(res, {
        ops: idle.est.established,
        rssBefore: before.rss,
        rssBytes: after.rss,
        rssStable: before.stable && after.stable,
        bytesPerConn: (after.rss - before.rss) / idle.est.established,
        loadAvg1: (proc.loadAverage() || {}).one,
      });
    } else {
      res.error = idle.est.error || 'no connection established';
    }
    await closeIdle(idle);
    return res;
  },
};
