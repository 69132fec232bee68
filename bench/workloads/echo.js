'use strict';
// Framed echo: 4-byte big-endian length + payload, driven by the native generator; every echo is
// verified byte for byte. Cell parameters: connections, depth (frames in flight per
// connection), payload, reconnect (echoes per connection before it reopens; 0 = never) and
// echoWrites (server replies as 1 or 2 writes).
const { windowSampler } = require('../lab/sampler');
const { ensureLoadgen, runLoadgen } = require('./shared/loadgen');

module.exports = {
  name: 'echo',
  description: 'length-prefixed echo, native generator (bench/loadgen)',
  unit: 'frames',
  reference: 'node:net',
  defaults: { connections: 100, depth: 1, payload: 64, reconnect: 0, echoWrites: 1 },
  label(cell) {
    let s = `c${cell.connections}-d${cell.depth}-p${cell.payload}`;
    if (cell.reconnect) s += `-r${cell.reconnect}`;
    if (cell.echoWrites === 2) s += '-split';   // replies written as two small writes
    return s;
  },
  prepare: ensureLoadgen,
  async run(server, target, cell, ctx) {
    const sampler = windowSampler(server, target);
    const args = ['--host', '127.0.0.1', '--port', String(server.port),
      '--connections', String(cell.connections), '--depth', String(cell.depth),
      '--payload', String(cell.payload), '--duration', String(ctx.duration),
      '--warmup', String(ctx.warmup), '--threads', String(ctx.generatorThreads || 1)];
    if (cell.reconnect) args.push('--reconnect', String(cell.reconnect));
    const { result: r, exitCode, diag } = await runLoadgen(args, ctx,
      { measure: () => sampler.begin(), done: () => sampler.end() }, ctx.warmup + ctx.duration + 120);
    const figures = sampler.figures(r.genCpuSec, r.frames);
    const errors = (r.errors || 0) + (r.connectErrors || 0) + (r.mismatches || 0);
    return {
      ...figures,
      ops: r.frames,
      opsPerSec: r.framesPerSec,
      p50Us: r.p50Us, p99Us: r.p99Us, p999Us: r.p999Us, maxUs: r.maxUs,
      genCpuSec: r.genCpuSec,
      reconnectsPerSec: cell.reconnect ? r.reconnectsPerSec : undefined,
      errors,
      error: exitCode !== 0 || !r.frames ? `loadgen exit ${exitCode}: ${diag || JSON.stringify(r)}` : figures.error,
      generatorLog: diag || undefined,
    };
  },
};
