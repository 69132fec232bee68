'use strict';
// goim: the native generator (bench/loadgen --protocol goim) authenticates each connection
// (op 7 -> op 8), then keeps `depth` messages (op 4) in flight that the server's handler answers
// (op 5, same seq and body, verified), with a heartbeat (op 2 -> op 3) after every
// `heartbeatEvery` messages. Cell parameters: connections, depth, payload, heartbeatEvery.
const { windowSampler } = require('../lab/sampler');
const { ensureLoadgen, runLoadgen } = require('./shared/loadgen');

module.exports = {
  name: 'goim',
  description: 'goim Comet protocol: auth, heartbeats, messages answered by the handler (native generator)',
  unit: 'messages',
  reference: 'node:net',
  defaults: { connections: 100, depth: 1, payload: 64, heartbeatEvery: 10 },
  label: (cell) => `goim-c${cell.connections}-d${cell.depth}-p${cell.payload}${cell.heartbeatEvery !== 10 ? `-hb${cell.heartbeatEvery}` : ''}`,
  prepare: ensureLoadgen,
  async run(server, target, cell, ctx) {
    const sampler = windowSampler(server, target);
    const args = ['--protocol', 'goim', '--host', '127.0.0.1', '--port', String(server.port),
      '--connections', String(cell.connections), '--depth', String(cell.depth), '--payload', String(cell.payload),
      '--heartbeat-every', String(cell.heartbeatEvery), '--duration', String(ctx.duration),
      '--warmup', String(ctx.warmup), '--threads', String(ctx.generatorThreads || 1)];
    const { result: r, exitCode, diag } = await runLoadgen(args, ctx,
      { measure: () => sampler.begin(), done: () => sampler.end() }, ctx.warmup + ctx.duration + 120);
    const figures = sampler.figures(r.genCpuSec, r.frames);
    return {
      ...figures,
      ops: r.frames,
      opsPerSec: r.framesPerSec,
      heartbeats: r.heartbeats,
      p50Us: r.p50Us, p99Us: r.p99Us, p999Us: r.p999Us, maxUs: r.maxUs,
      genCpuSec: r.genCpuSec,
      errors: (r.errors || 0) + (r.connectErrors || 0) + (r.mismatches || 0),
      error: exitCode !== 0 || !r.frames ? `loadgen exit ${exitCode}: ${diag || JSON.stringify(r)}` : figures.error,
      generatorLog: diag || undefined,
    };
  },
};
