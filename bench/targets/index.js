'use strict';
// The lab's targets: one module each. To add one (e.g. ringnet-http once ringnet has HTTP
// framing), write bench/targets/<name>.js exporting { name, description, workloads, stats,
// available(), server(cell, options) -> { args } | { skip } } and list it here.
const TARGETS = [
  require('./ringnet-epoll'),
  require('./ringnet-io_uring'),
  require('./node-net'),
  require('./node-http'),
  require('./ringnet-at'),
];

function findTarget(name) {
  return TARGETS.find((t) => t.name === name);
}

module.exports = { TARGETS, findTarget };
