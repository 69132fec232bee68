'use strict';
// A measuring child process that announces its window on stderr ({"phase":"measure"} when it
// starts counting, {"phase":"done"} when it stops) and prints its result as one JSON line on
// stdout. The native generator and the autocannon child both speak this.
const { spawn } = require('node:child_process');
const { onLines, tryJson } = require('./spawn');

/**
 * Runs [cmd, argv]; calls hooks.measure() / hooks.done() at the window edges (awaited before
 * the result is used); kills the child after timeoutSec.
 * Resolves { result, exitCode, diag, output } (output: the last stdout line, raw).
 */
function runPhasedChild([cmd, argv], hooks, timeoutSec) {
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
      resolve({ result: tryJson(out) || {}, exitCode: code, diag: diag.join('\n'), output: out });
    });
  });
}

module.exports = { runPhasedChild };
