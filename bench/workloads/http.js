'use strict';
// HTTP "hello world": GETs from wrk (when installed) or autocannon (programmatic API, in a child
// process so its CPU is measured apart). Cell parameters: connections, depth (= HTTP
// pipelining), newConnection (a new connection per request: wrk sends "Connection: close" and
// reconnects when the server closes; autocannon cannot, see unavailable()), generator
// ('autocannon' | 'wrk'), tls (HTTPS: wrk over TLS against the lab's certificate, cells
// `https-...`, reference node:https; with newConnection every request is a full handshake, so
// requests/s = handshakes/s: wrk resumes no sessions).
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { onLines, tryJson, pinned } = require('../lib/spawn');
const { windowSampler } = require('../lab/sampler');
const { runPhasedChild } = require('../lib/phased_child');
const { tlsAvailable } = require('./shared/tls-certs');

const CHILD = path.join(__dirname, 'shared', 'autocannon-child.js');
const WRK_SCRIPT = path.join(__dirname, 'shared', 'wrk-report.lua');

function wrkPath() {
  for (const d of (process.env.PATH || '').split(':')) if (d && fs.existsSync(path.join(d, 'wrk'))) return path.join(d, 'wrk');
  return null;
}

/** wrk -> { result, exitCode, diag }; the sampler brackets the measured process. */
async function runWrk(server, cell, ctx, sampler) {
  const bin = wrkPath();
  const url = `${cell.tls ? 'https' : 'http'}://127.0.0.1:${server.port}/`;
  const threads = String(Math.min(ctx.generatorThreads || 1, cell.connections));
  // wrk's stdout is block-buffered in a pipe: nothing arrives before it exits, so the window
  // opens when the measured process starts and closes when its result line arrives.
  const wrk = (seconds, onLine, onStart) => new Promise((resolve) => {
    const args = ['-t', threads, '-c', String(cell.connections), '-d', `${Math.max(1, Math.round(seconds))}s`,
      '--timeout', '10s', ...(cell.newConnection ? ['-H', 'Connection: close'] : []), '-s', WRK_SCRIPT, url, '--', String(cell.depth)];
    const [cmd, argv] = pinned(bin, args, ctx.generatorCpus);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (onStart) onStart();
    const diag = [];
    onLines(child.stdout, (l) => onLine && onLine(l, diag));
    onLines(child.stderr, (l) => { if (l.trim()) diag.push(l); });
    child.on('exit', (code) => resolve({ code, diag }));
  });
  if (ctx.warmup > 0) await wrk(ctx.warmup);
  let out = null;
  const pending = [];
  const { code, diag } = await wrk(ctx.duration, (line, d) => {
    if (line.startsWith('RINGNET-LAB ')) {
      pending.push(sampler.end());
      out = tryJson(line.slice('RINGNET-LAB '.length));
    } else if (/error|unable/i.test(line)) d.push(line);
  }, () => pending.push(sampler.begin()));
  await Promise.all(pending);
  const r = out || {};
  if (r.seconds) r.requestsPerSec = r.requests / r.seconds;
  return { result: r, exitCode: code, diag: diag.join(' ') };
}

/** autocannon in a child process -> { result, exitCode, diag }. */
async function runAutocannon(server, cell, ctx, sampler) {
  const cfg = { url: `http://127.0.0.1:${server.port}/`, connections: cell.connections, pipelining: cell.depth,
    duration: ctx.duration, warmup: ctx.warmup };
  const r = await runPhasedChild(pinned(process.execPath, [CHILD, JSON.stringify(cfg)], ctx.generatorCpus),
    { measure: () => sampler.begin(), done: () => sampler.end() }, ctx.warmup + ctx.duration + 60);
  return { result: r.result, exitCode: r.exitCode, diag: r.diag || r.output };
}

module.exports = {
  name: 'http',
  description: 'HTTP/1.1 hello world: keep-alive, pipelined, or a new connection per request (wrk or autocannon)',
  unit: 'requests',
  sliceable: true,
  minSliceSec: 1,            // wrk counts whole seconds
  sliceWarmupSec: 0,         // wrk's warm-up is a run of its own (1 s at least): later slices reuse the warm server
  reference: 'node:http',
  referenceFor: (cell) => (cell.tls ? 'node:https' : 'node:http'),
  defaults: { connections: 100, depth: 1, newConnection: false, generator: 'wrk', tls: false },
  label: (cell) => `${cell.tls ? 'https' : 'http'}-c${cell.connections}-${cell.newConnection ? 'close' : `d${cell.depth}`}${cell.generator === 'autocannon' ? '-ac' : ''}`,
  prepare() {
    try {
      require.resolve('autocannon');
    } catch {
      throw new Error('the http workload needs autocannon: npm install --save-dev autocannon');
    }
  },
  /** Why a cell cannot run here, or null. */
  unavailable: (cell) => {
    if (cell.generator === 'wrk' && !wrkPath()) return 'wrk is not installed (apt-get install wrk)';
    if (cell.newConnection && cell.depth > 1) return 'a new connection per request cannot pipeline';
    if (cell.tls && cell.generator !== 'wrk') return 'HTTPS cells run wrk';
    if (cell.tls && tlsAvailable() !== true) return tlsAvailable();
    // autocannon's reconnectRate resets the connection before it records the response, so it
    // counts none: only wrk measures a new connection per request.
    if (cell.newConnection && cell.generator === 'autocannon') return 'autocannon cannot count responses on a new connection per request; wrk can';
    return null;
  },
  async run(server, target, cell, ctx) {
    const sampler = windowSampler(server, target);
    const { result: r, exitCode, diag } = cell.generator === 'wrk'
      ? await runWrk(server, cell, ctx, sampler) : await runAutocannon(server, cell, ctx, sampler);
    const figures = sampler.figures(r.genCpuSec, r.requests);
    return {
      ...figures,
      ops: r.requests,
      opsPerSec: r.requestsPerSec,
      p50Us: r.p50Us, p99Us: r.p99Us, p999Us: r.p999Us, maxUs: r.maxUs,
      genCpuSec: r.genCpuSec,
      latencyResolutionUs: r.latencyResolutionUs,
      errors: r.errors || 0,
      error: exitCode !== 0 || !r.requests ? `${cell.generator} exit ${exitCode}: ${diag}` : figures.error,
    };
  },
};
