'use strict';
// The native framed-TCP generator (bench/bin/loadgen, sources in bench/loadgen): built on
// demand, run with the cell's parameters; phase lines on its stderr drive the window sampler.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { pinned } = require('../../lib/spawn');
const { runPhasedChild } = require('../../lib/phased_child');

const DIR = path.join(__dirname, '..', '..', 'loadgen');
const BIN = path.join(__dirname, '..', '..', 'bin', 'loadgen');

/** Rebuilds bench/bin/loadgen when it is missing or older than any of its sources. */
function ensureLoadgen() {
  const newest = Math.max(...fs.readdirSync(DIR).map((f) => fs.statSync(path.join(DIR, f)).mtimeMs));
  const built = fs.existsSync(BIN) ? fs.statSync(BIN).mtimeMs : 0;
  if (built >= newest) return;
  process.stderr.write('building bench/bin/loadgen ...\n');
  const r = spawnSync('sh', [path.join(DIR, 'build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('loadgen build failed (needs g++)');
}

/** [command, argv]: the generator, pinned to ctx.generatorCpus when the runner pins. */
function command(args, ctx) {
  return pinned(BIN, args, ctx.generatorCpus);
}

/** Runs the generator with `args` (see bench/lib/phased_child.js for hooks and the result). */
function runLoadgen(args, ctx, hooks, timeoutSec) {
  return runPhasedChild(command(args, ctx), hooks, timeoutSec);
}

module.exports = { ensureLoadgen, runLoadgen, command, BIN };
