'use strict';
// The lab's targets: one module each, the plug-in point for servers (see bench/README.md,
// "Adding a target"). A module exports
//   { name, description, workloads: [...], stats, optional?, adHoc?, available(), validate?(options),
//     server(cell, options) }
// where server() returns (or resolves) { args, stats? } (node argv of a script that prints
// {"ready":true,"port":N,"pid":N}; stats: it answers "stats" on stdin like ringnet serve),
// { shell, port } (a command that serves on that port), or { skip: reason }. `optional: true` targets (e.g. a reference that needs a build step) join
// every cell of a workload they serve when they are available, and are reported when not;
// `adHoc: true` ones run only when named; validate(options) -> why the options are wrong, or null
// (a usage error before anything runs).
// Brought-along targets (--target 'name=cmd {port}') come from shared/byo.js. Modules outside
// the source tree: RINGNET_BENCH_TARGETS=dir[:dir...] (every *.js there is a target).
const fs = require('node:fs');
const path = require('node:path');
const { byoTarget } = require('./shared/byo');

const BUILT_IN = ['ringnet-epoll', 'ringnet-io_uring', 'node-net', 'node-http'];
// Any other bench/targets/*.js module (e.g. c-limit.js) is a target too: one file plugs one in.
const PLUGGED = fs.readdirSync(__dirname)
  .filter((f) => f.endsWith('.js') && !['index.js'].includes(f) && !BUILT_IN.includes(f.slice(0, -3)))
  .sort();
const EXTRA = (process.env.RINGNET_BENCH_TARGETS || '').split(':').filter(Boolean)
  .flatMap((dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort().map((f) => path.resolve(dir, f)));
const TARGETS = [...BUILT_IN, ...PLUGGED.map((f) => f.slice(0, -3))].map((m) => require(path.join(__dirname, m)))
  .concat(EXTRA.map((f) => require(f)));

function findTarget(name) {
  return TARGETS.find((t) => t.name === name);
}

/** The target module of a plan's target spec (built-in, plugged in, or brought along). */
function resolveTarget(spec, portWorkloads) {
  return spec.byo ? byoTarget(spec, portWorkloads) : findTarget(spec.name);
}

module.exports = { TARGETS, findTarget, resolveTarget };
