'use strict';
// The lab's workloads: one module per file in this folder, the plug-in point for workloads
// (see bench/README.md, "Adding a workload"). A module exports
//   { name, description, unit, reference?, portOnly?, defaults, label(cell), prepare(),
//     unavailable?(cell), run(server, target, cell, ctx) -> figures }
// `reference`: the target ratios are taken against (node:net, node:http); `portOnly: false`
// when the workload needs more of a server than a port (broadcast's push control), so
// brought-along targets skip it with a reason. Helpers live in shared/. Modules outside the
// source tree: RINGNET_BENCH_WORKLOADS=dir[:dir...] (every *.js there is a workload).
const fs = require('node:fs');
const path = require('node:path');

const ORDER = ['echo', 'http', 'goim', 'websocket', 'tls-echo', 'broadcast', 'cluster', 'cluster-burst', 'idle'];
const dirs = [__dirname, ...(process.env.RINGNET_BENCH_WORKLOADS || '').split(':').filter(Boolean)];
const files = dirs.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.js') && !(d === __dirname && f === 'index.js'))
  .map((f) => path.resolve(d, f)));
const WORKLOADS = files.map((f) => require(f))
  .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));

function rank(name) {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
}

function findWorkload(name) {
  return WORKLOADS.find((w) => w.name === name);
}

/** Workloads a server on a bare port can serve (what a brought-along target joins). */
function portWorkloads() {
  return WORKLOADS.filter((w) => w.portOnly !== false).map((w) => w.name);
}

module.exports = { WORKLOADS, findWorkload, portWorkloads };
