'use strict';
// The native framed-TCP generator (bench/bin/loadgen, sources in bench/loadgen): built on
// demand, run with the cell's parameters; phase lines on its stderr drive the window sampler.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { pinned } = require('../../lib/spawn');
const { runPhasedChild } = require('../../lib/phased_child');
const { windowSampler } = require('../../lab/sampler');

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

/**
 * One measured run of the generator against `server` (what echo, goim and websocket share):
 * `args` are the protocol's flags (connections, depth, payload...); address, window and threads
 * come from here. Returns the run's figures; `more(result)` adds workload-specific ones.
 */
async function measureLoadgen(server, target, args, ctx, more = () => ({})) {
  const sampler = windowSampler(server, target);
  const all = [...args, '--host', '127.0.0.1', '--port', String(server.port), '--duration', String(ctx.duration),
    '--warmup', String(ctx.warmup), '--threads', String(ctx.generatorThreads || 1)];
  const { result: r, exitCode, diag } = await runLoadgen(all, ctx,
    { measure: () => sampler.begin(), done: () => sampler.end() }, ctx.warmup + ctx.duration + 120);
  const figures = sampler.figures(r.genCpuSec, r.frames);
  return {
    ...figures,
    ops: r.frames,
    opsPerSec: r.framesPerSec,
    p50Us: r.p50Us, p99Us: r.p99Us, p999Us: r.p999Us, maxUs: r.maxUs,
    genCpuSec: r.genCpuSec,
    ...more(r),
    errors: (r.errors || 0) + (r.connectErrors || 0) + (r.mismatches || 0) + (r.upgradeErrors || 0),
    error: exitCode !== 0 || !r.frames ? `loadgen exit ${exitCode}: ${diag || JSON.stringify(r)}` : figures.error,
    generatorLog: diag || undefined,
  };
}

module.exports = { ensureLoadgen, runLoadgen, measureLoadgen, command, BIN };
