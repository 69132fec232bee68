'use strict';
// The lab's workloads: one module each, { name, description, unit, defaults, label(cell),
// prepare(), run(server, target, cell, ctx) -> figures }. A broadcast workload is one more file
// (its generator plus the figures it reports) listed here.
const WORKLOADS = [require('./echo'), require('./http'), require('./idle')];

function findWorkload(name) {
  return WORKLOADS.find((w) => w.name === name);
}

module.exports = { WORKLOADS, findWorkload };
