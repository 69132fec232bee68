'use strict';
// The native framed-TCP generator (bench/bin/loadgen, sources in bench/loadgen): built on
// demand, run with the cell's parameters; phase lines on its stderr drive the window sampler.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { onLines, tryJson, pinned } = require('../../lib/spawn');

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

/**
 * Runs the generator; calls hooks.measure() / hooks.done() (awaited before the result is
 * used) at its window edges. Resolves { result, exitCode, diag }.
 */
function runLoadgen(args, ctx, hooks, timeoutSec) {
  const [cmd, argv] = command(args, ctx);
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const pending = [];
    const diag = [];
    let out = '';
    onLines(child.stderr, (line) => {
      const msg = tryJson(line);
      if (msg && msg.phase === 'measure') pending.push(hooks.measure());
      else if (msg && msg.phase === 'done') pending.push(hooks.done());
      else if (!msg && line.trim()) diag.push(line);
    });
    onLines(child.stdout, (line) => { if (line.trim()) out = line; });
    const limit = setTimeout(() => child.kill('SIGKILL'), timeoutSec * 1000);
    child.on('exit', async (code) => {
      clearTimeout(limit);
      await Promise.all(pending);
      resolve({ result: tryJson(out) || {}, exitCode: code, diag: diag.join('\n') });
    });
  });
}

module.exports = { ensureLoadgen, runLoadgen, command, BIN };
