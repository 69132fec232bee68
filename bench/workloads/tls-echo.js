'use strict';
// TLS framed echo: the echo workload's 4-byte length + payload frames over TLS (the lab's
// certificate), `depth` in flight per connection, every echo checked byte for byte; driven by
// shared/tls-echo-client.js (node:tls: see there why). Servers: ringnet serve with `tls`
// (both backends), node:tls (node-net-echo.js over tls.createServer), or a brought-along
// command (its {key} and {cert} are the certificate files). Cell parameters: connections,
// depth, payload.
const path = require('node:path');
const { pinned } = require('../lib/spawn');
const { runPhasedChild } = require('../lib/phased_child');
const { windowSampler } = require('../lab/sampler');
const { tlsAvailable } = require('./shared/tls-certs');

const CLIENT = path.join(__dirname, 'shared', 'tls-echo-client.js');

module.exports = {
  name: 'tls-echo',
  description: 'length-prefixed echo over TLS (node:tls client generator)',
  unit: 'frames',
  sliceable: true,
  reference: 'node:tls',
  defaults: { connections: 100, depth: 1, payload: 64 },
  label: (cell) => `tls-c${cell.connections}-d${cell.depth}-p${cell.payload}`,
  prepare() {},
  unavailable: () => (tlsAvailable() === true ? null : tlsAvailable()),
  async run(server, target, cell, ctx) {
    const sampler = windowSampler(server, target);
    const cfg = { port: server.port, connections: cell.connections, depth: cell.depth, payload: cell.payload,
      warmup: ctx.warmup, duration: ctx.duration };
    const { result: r, exitCode, diag } = await runPhasedChild(pinned(process.execPath, [CLIENT, JSON.stringify(cfg)], ctx.generatorCpus),
      { measure: () => sampler.begin(), done: () => sampler.end() }, ctx.warmup + ctx.duration + 120);
    const figures = sampler.figures(r.genCpuSec, r.frames);
    return {
      ...figures,
      ops: r.frames,
      opsPerSec: r.framesPerSec,
      p50Us: r.p50Us, p99Us: r.p99Us, p999Us: r.p999Us, maxUs: r.maxUs,
      genCpuSec: r.genCpuSec,
      errors: (r.errors || 0) + (r.mismatches || 0) + (r.connectErrors || 0),
      error: exitCode !== 0 || !r.frames ? `tls-echo-client exit ${exitCode}: ${diag || JSON.stringify(r)}` : figures.error,
    };
  },
};
