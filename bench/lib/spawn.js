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
 * Starts `node <args...>` (a server script and its flags) and resolves once it prints a
 * {"ready":true,"port":N,...} line. Resolves { child, pid, port, stderr(), request(cmd) }:
 * request() writes a command line to the server's stdin and resolves with the next JSON line
 * holding that key (servers that understand it: `ringnet serve --json` answers "stats").
 * Rejects with the server's stderr if it exits first.
 */
function startServer(args, { timeoutMs = 20000 } = {}) {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => { if (err.length < 20000) err += s; });
  child.stdin.on('error', () => {});   // the server may exit before reading
  child.exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
  const waiting = [];                    // { key, resolve } for request()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not report ready within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    const request = (cmd, key = cmd, waitMs = 5000) => new Promise((res) => {
      const entry = { key, resolve: res };
      waiting.push(entry);
      setTimeout(() => { const i = waiting.indexOf(entry); if (i >= 0) { waiting.splice(i, 1); res(null); } }, waitMs).unref();
      child.stdin.write(cmd + '\n');
    });
    onLines(child.stdout, (line) => {
      const msg = tryJson(line);
      if (!msg) return;
      if (msg.ready) {
        clearTimeout(timer);
        resolve({ child, pid: msg.pid || child.pid, port: msg.port, ready: msg, stderr: () => err, request });
        return;
      }
      const i = waiting.findIndex((w) => w.key in msg);
      if (i >= 0) {
        const w = waiting.splice(i, 1)[0];
        w.resolve(msg[w.key]);
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
