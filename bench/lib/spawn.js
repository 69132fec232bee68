'use strict';
// Child processes for the benchmark: servers that announce readiness with a JSON line, and
// line-by-line reading of their output.
const { spawn } = require('node:child_process');

/** Calls fn(line) for each complete line of a readable stream. */
function onLines(stream, fn) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (s) => {
    const lines = (rest + s).split('\n');
    rest = lines.pop();
    for (const l of lines) fn(l);
  });
  stream.on('end', () => { if (rest) fn(rest); rest = ''; });
}

/** JSON.parse that returns null for non-JSON lines. */
function tryJson(line) {
  if (!line.startsWith('{')) return null;
  try { return JSON.parse(line); } catch { return null; }
}

/**
 * Starts `node <script> 0 127.0.0.1 [json]` and resolves once it prints {"ready":true,...}.
 * Resolves { child, pid, port, stderr() }; rejects with the server's stderr if it exits first.
 */
function startServer(script, options, { timeoutMs = 20000 } = {}) {
  const args = [script, '0', '127.0.0.1'];
  if (options && Object.keys(options).length) args.push(JSON.stringify(options));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => { if (err.length < 20000) err += s; });
  child.exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not report ready within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    onLines(child.stdout, (line) => {
      const msg = tryJson(line);
      if (msg && msg.ready) {
        clearTimeout(timer);
        resolve({ child, pid: msg.pid || child.pid, port: msg.port, stderr: () => err });
      }
    });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.exited.then(({ code, sig }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${sig}) before ready\n${err.trim()}`));
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
async function stopProcess(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = child.exited || new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

module.exports = { onLines, tryJson, startServer, stopProcess };
