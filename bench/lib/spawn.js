'use strict';
// Child processes for the benchmark: servers that announce readiness with a JSON line, and
// line-by-line reading of their output.
const net = require('node:net');
const { spawn } = require('node:child_process');
const { onCleanup } = require('./cleanup');

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

/**
 * A log of JSON messages (bounded): add(msg); wait(pred, ms, what) resolves with the first
 * message, seen or to come, that matches pred, and rejects after ms.
 */
function messageLog(limit = 100000) {
  const messages = [];
  const watchers = new Set();
  return {
    messages,
    add(msg) {
      if (messages.length < limit) messages.push(msg);
      for (const w of [...watchers]) if (w(msg)) watchers.delete(w);
    },
    wait: (pred, ms, what) => new Promise((resolve, reject) => {
      const hit = messages.find(pred);
      if (hit) return resolve(hit);
      const timer = setTimeout(() => { watchers.delete(w); reject(new Error(`timed out after ${ms} ms waiting for ${what}`)); }, ms);
      const w = (m) => { if (!pred(m)) return false; clearTimeout(timer); resolve(m); return true; };
      watchers.add(w);
    }),
  };
}

/** JSON.parse that returns null for non-JSON lines. */
function tryJson(line) {
  if (!line.startsWith('{')) return null;
  try { return JSON.parse(line); } catch { return null; }
}

/** [command, argv] with `taskset -c CPUS` in front when cpus (e.g. "0" or "0-2") is given. */
function pinned(cmd, argv, cpus) {
  return cpus ? ['taskset', ['-c', String(cpus), cmd, ...argv]] : [cmd, argv];
}

/**
 * Node flags of a lab server pinned to `cpus`: V8's pool of background threads (GC, compiler)
 * sized to the CPUs it may use (0 = Node's estimate, which follows the affinity mask) instead
 * of the default 4, so that on one pinned CPU its own helpers do not queue behind each other.
 * Every Node-based target gets the same; brought-along commands are left as they are.
 */
const nodeFlags = (cpus) => (cpus ? ['--v8-pool-size=0'] : []);

/**
 * Starts a server and resolves once it is ready: { child, pid, port, stderr(), request(cmd) }.
 * - { args }: `node <args...>` (a lab server script) that prints {"ready":true,"port":N,...};
 *   request() writes a command line to its stdin and resolves with the next JSON line holding
 *   that key (`ringnet serve --json` answers "stats").
 * - { shell, port }: a brought-along command (run by /bin/sh in its own process group) that
 *   serves on the given port; ready once a TCP connect to 127.0.0.1:port succeeds.
 * Rejects with the server's stderr if it exits first or is not ready in time.
 */
function startServer(spec, { timeoutMs = 20000, cpus } = {}) {
  const byo = typeof spec.shell === 'string';
  const [cmd, argv] = byo ? pinned('/bin/sh', ['-c', spec.shell], cpus) : pinned(process.execPath, [...nodeFlags(cpus), ...spec.args], cpus);
  // Every server leads its own process group, so stopping it ends every process it started
  // (a shell's children, a cluster's nodes and Redis), also when the lab is interrupted.
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  child.group = true;
  const forget = onCleanup(() => { killTree(child, 'SIGCONT'); killTree(child, 'SIGKILL'); });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => { if (err.length < 20000) err += s; });
  child.stdin.on('error', () => {});   // the server may exit before reading
  child.exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
  // Once the leader is gone, what is left of its group goes too (nothing is left running).
  child.exited.then(() => { killTree(child, 'SIGKILL'); forget(); });
  const waiting = [];                    // { key, resolve } for request()
  const log = messageLog();              // every JSON line the server printed
  const { messages, wait: waitMessage } = log;
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (f, v) => { if (!settled) { settled = true; clearTimeout(timer); f(v); } };
    const timer = setTimeout(() => {
      killTree(child, 'SIGKILL');
      done(reject, new Error(`server did not ${byo ? `accept connections on port ${spec.port}` : 'report ready'} within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    const request = (line, key = line, waitMs = 5000) => new Promise((res) => {
      if (byo) return res(null);
      const entry = { key, resolve: res };
      waiting.push(entry);
      setTimeout(() => { const i = waiting.indexOf(entry); if (i >= 0) { waiting.splice(i, 1); res(null); } }, waitMs).unref();
      child.stdin.write(line + '\n');
    });
    const handle = (port, ready) => ({ child, pid: child.pid, port, ready, stderr: () => err, request, messages, waitMessage });
    if (byo) {
      child.stdout.resume();
      waitForPort(spec.port, () => settled || child.exitCode !== null).then((ok) => { if (ok) done(resolve, handle(spec.port, { ready: true })); });
    } else {
      onLines(child.stdout, (line) => {
        const msg = tryJson(line);
        if (!msg) return;
        log.add(msg);
        if (msg.ready) {
          done(resolve, { ...handle(msg.port, msg), pid: msg.pid || child.pid });
          return;
        }
        const i = waiting.findIndex((w) => w.key in msg);
        if (i >= 0) {
          const w = waiting.splice(i, 1)[0];
          w.resolve(msg[w.key]);
        }
      });
    }
    child.on('error', (e) => done(reject, e));
    child.exited.then(async ({ code, sig }) => {
      // 'exit' can come before the last of its stderr: what it said is the reason (200 ms at most).
      if (!child.stderr.readableEnded) await Promise.race([new Promise((r) => child.stderr.once('end', r)), new Promise((r) => setTimeout(r, 200))]);
      done(reject, new Error(`server exited (code ${code}, signal ${sig}) before ready\n${err.trim()}`));
    });
  });
}

/** Polls 127.0.0.1:port every 50 ms until a connect succeeds (true) or stop() says so (false). */
async function waitForPort(port, stop) {
  while (!stop()) {
    const ok = await new Promise((r) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => { s.destroy(); r(true); });
      s.once('error', () => r(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** A free TCP port on 127.0.0.1 (bound, read, released) for a server that takes its port from us. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function killTree(child, sig) {
  try {
    if (child.group) process.kill(-child.pid, sig);
    else child.kill(sig);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
async function stopProcess(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = child.exited || new Promise((r) => child.once('exit', r));
  killTree(child, 'SIGTERM');
  const timer = setTimeout(() => killTree(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // A process group may outlive its leader (a shell's children): end what is left of it.
  if (child.group) killTree(child, 'SIGKILL');
}

module.exports = { onLines, tryJson, messageLog, startServer, stopProcess, freePort, pinned };
