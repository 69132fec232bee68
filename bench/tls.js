'use strict';
// TLS benchmark: ringnet (epoll, io_uring) against node:https / node:tls, same run.
//
// Workloads, each target in turn per round (A B C A B C ...), its server in a child process:
//   keepalive  wrk -t1 -c100, keep-alive: TLS records only (after 100 handshakes)
//   newconn    wrk -t1 -c20 with "Connection: close": a full handshake per request
//              (handshakes per second; wrk offers no session resumption)
//   echo       TLS framed echo (length framing): bench/tls/echo-clients.js, 50 node:tls
//              connections x 4 frames of 64 B in flight; ringnet vs node:tls (the lab's
//              bench/servers/node-net-echo.js over tls.createServer): server CPU per echoed frame
//   handshake  `openssl s_time -new`: one full handshake after another (TLS 1.3, the
//              default suite) against the echo servers: server CPU per handshake, i.e.
//              handshakes per second per core, ringnet vs node:tls
//   idle       N idle TLS connections (default 10,000; bench/tls/idle-clients.js opens
//              them, one request each): the server's RSS growth per connection
// Server CPU per request = delta utime+stime of the server process (/proc/<pid>/stat) over
// the measured run / requests: on a shared 2-core machine where wrk and the server compete,
// that figure and its ratio to node:https in the same round are what hold between runs.
// Certificates: a throwaway EC P-256 CA + server certificate made with the openssl CLI.
//
// Usage: node bench/tls.js [--quick] [--duration S] [--rounds N] [--idle N]
//          [--only keepalive,newconn,echo,handshake,idle]
//          [--targets ringnet-epoll,ringnet-io_uring,node:https,node:tls] [--json FILE]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const proc = require('./lib/proc');
const { startServer, stopProcess, onLines, tryJson } = require('./lib/spawn');
const { summarize, num, spread, table } = require('./lib/stats');

const HERE = __dirname;
const TARGETS = [
  { name: 'ringnet-epoll', script: 'ringnet-http.js', options: { backend: 'epoll' } },
  { name: 'ringnet-io_uring', script: 'ringnet-http.js', options: { backend: 'io_uring' } },
  { name: 'node:https', script: 'node-https.js', reference: true },
];
// The TLS framed echo servers (echo, handshake workloads).
const ECHO_TARGETS = [
  { name: 'ringnet-epoll', script: 'ringnet-tls-echo.js', options: { backend: 'epoll' } },
  { name: 'ringnet-io_uring', script: 'ringnet-tls-echo.js', options: { backend: 'io_uring' } },
  { name: 'node:tls', script: 'node-net-echo.js', reference: true, tlsOption: true },
];

function parseArgs(argv) {
  const o = { duration: 6, rounds: 3, idle: 10000, only: ['keepalive', 'newconn', 'echo', 'handshake', 'idle'], targets: null, json: null };
  for (let i = 0; i < argv.length; i++) {
    const [k, v0] = argv[i].split(/=(.*)/s);
    const v = () => (v0 !== undefined ? v0 : argv[++i]);
    if (k === '--quick') Object.assign(o, { duration: 3, rounds: 1, idle: 2000 });
    else if (k === '--duration') o.duration = Number(v());
    else if (k === '--rounds') o.rounds = Number(v());
    else if (k === '--idle') o.idle = Number(v());
    else if (k === '--only') o.only = v().split(',');
    else if (k === '--targets') o.targets = v().split(',');
    else if (k === '--json') o.json = v();
    else { console.error(`bench/tls.js: unknown argument ${argv[i]}`); process.exit(2); }
  }
  return o;
}

function makeCerts() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-bench-tls-'));
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=bench CA']);
  run(['req', '-new', ...ec, '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt',
    '-days', '2', '-extfile', 'ext']);
  return { dir, key: path.join(dir, 'srv.key'), cert: path.join(dir, 'srv.crt') };
}

// keepIdle: idle keep-alive connections are never closed (both servers close them after 5 s
// by default, which would empty an idle measurement while it opens 10,000).
function start(target, certs, keepIdle = false) {
  const tlsFiles = { key: certs.key, cert: certs.cert };
  const extra = target.tlsOption ? { noDelay: true, tls: tlsFiles }
    : target.reference ? { ...tlsFiles, ...(keepIdle ? { keepAliveTimeout: 0 } : {}) }
    : { ...target.options, tls: tlsFiles, ...(keepIdle ? { framing: { type: 'http', keepAliveTimeout: 0 } } : {}) };
  return startServer({ args: [path.join(HERE, 'servers', target.script), '0', '127.0.0.1', JSON.stringify(extra)] });
}

function wrk(port, args, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-d${seconds}s`, '--timeout', '20s', '--latency', ...args, `https://127.0.0.1:${port}/`]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      const requests = Number((/(\d+) requests in/.exec(out) || [])[1]);
      const errors = /Socket errors: (.*)/.exec(out);
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
      if (!(requests > 0)) return reject(new Error(`wrk produced no requests:\n${out}`));
      resolve({ requests, errors: errors ? errors[1] : '', non2xx: non2xx ? Number(non2xx[1]) : 0, out });
    });
  });
}

const WORKLOADS = {
  keepalive: { args: ['-c100'], what: 'HTTPS keep-alive, 100 connections', ref: 'node:https', unit: 'req' },
  newconn: { args: ['-c20', '-H', 'Connection: close'], what: 'HTTPS, new connection (full handshake) per request, 20 at once', ref: 'node:https', unit: 'req' },
  echo: { what: 'TLS framed echo, 50 connections x 4 frames of 64 B in flight', ref: 'node:tls', unit: 'frame', echo: true },
  handshake: { what: 'full TLS handshakes one after another (openssl s_time -new)', ref: 'node:tls', unit: 'handshake', echo: true },
};

// Echoed frames over the measured window (the client says when it starts counting).
async function echoRun(srv, seconds) {
  const child = spawn(process.execPath, [path.join(HERE, 'tls', 'echo-clients.js'), String(srv.port), '50', '4', '64', String(seconds)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let cpu0 = 0;
  let result = null;
  onLines(child.stdout, (line) => {
    const m = tryJson(line);
    if (m?.counting) cpu0 = proc.cpuSeconds(srv.pid);
    else if (m?.frames !== undefined) result = { ...m, cpu: proc.cpuSeconds(srv.pid) - cpu0 };
  });
  await new Promise((resolve) => child.on('close', resolve));
  if (!result || !(result.frames > 0)) throw new Error('echo-clients produced no frames');
  return { rps: result.frames / result.seconds, cpuUs: (result.cpu / result.frames) * 1e6, errors: '', non2xx: 0 };
}

// openssl s_time: sequential full handshakes (-new), no request.
async function handshakeRun(srv, seconds) {
  const cpu0 = proc.cpuSeconds(srv.pid);
  const out = await new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_time', '-connect', `127.0.0.1:${srv.port}`, '-new', '-time', String(seconds)]);
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  const cpu = proc.cpuSeconds(srv.pid) - cpu0;
  const m = /(\d+) connections in (\d+) real seconds/.exec(out);
  const n = m ? Number(m[1]) : 0;
  if (!(n > 0)) throw new Error(`openssl s_time made no connection:\n${out}`);
  return { rps: n / Number(m[2]), cpuUs: (cpu / n) * 1e6, errors: '', non2xx: 0 };
}

async function measure(target, certs, workload, o) {
  const srv = await start(target, certs);
  if (workload === 'echo' || workload === 'handshake') {
    try {
      return workload === 'echo' ? await echoRun(srv, o.duration) : await handshakeRun(srv, o.duration);
    } finally {
      await stopProcess(srv.child);
    }
  }
  try {
    await wrk(srv.port, WORKLOADS[workload].args, 2).catch(() => {}); // warm-up (may be all handshakes)
    const cpu0 = proc.cpuSeconds(srv.pid);
    const t0 = process.hrtime.bigint();
    const r = await wrk(srv.port, WORKLOADS[workload].args, o.duration);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = proc.cpuSeconds(srv.pid) - cpu0;
    return { rps: r.requests / secs, cpuUs: (cpu / r.requests) * 1e6, errors: r.errors, non2xx: r.non2xx };
  } finally {
    await stopProcess(srv.child);
  }
}

// Server RSS with no connection, with n/2 and with n idle TLS connections: perConn is the
// growth from none to n over n, marginal the growth from n/2 to n over n/2 (no fixed costs:
// thread arenas, the JS heap's first growth, chunk pools).
async function idle(target, certs, n) {
  const srv = await start(target, certs, true);
  const half = Math.floor(n / 2);
  const clients = spawn(process.execPath, [path.join(HERE, 'tls', 'idle-clients.js'), String(srv.port), String(n), String(half)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const before = (await proc.stableRss(srv.pid)).rss;
    let done = false;
    const reached = { [half]: null, [n]: null };
    const wait = (k) => new Promise((resolve, reject) => {
      const timer = setInterval(() => { if (reached[k]) { clearInterval(timer); resolve(); } }, 50);
      clients.on('close', (code) => { if (!done) { clearInterval(timer); reject(new Error(`idle-clients exited ${code} before ${k} were open`)); } });
    });
    onLines(clients.stdout, (line) => { const m = tryJson(line); if (m?.open in reached) reached[m.open] = true; });
    await wait(half);
    const middle = (await proc.stableRss(srv.pid)).rss;
    clients.kill('SIGUSR1');
    await wait(n);
    done = true;
    const after = (await proc.stableRss(srv.pid)).rss;
    return { before, middle, after, perConn: (after - before) / n, marginal: (after - middle) / (n - half) };
  } finally {
    clients.kill('SIGTERM');
    await stopProcess(srv.child);
  }
}

function printRuns(results, o) {
  for (const [w, byTarget] of Object.entries(results.runs)) {
    const { unit, ref } = WORKLOADS[w];
    console.log(`\n${WORKLOADS[w].what}; ${o.rounds} round(s) of ${o.duration} s (median [min..max])`);
    const perCore = w === 'handshake' || w === 'newconn';
    console.log(table(['target', `${unit}/s`, `server CPU µs/${unit}`, ...(perCore ? [`${unit}s per CPU second`] : []), `CPU vs ${ref}`],
      Object.entries(byTarget).map(([name, ms]) => [
        name, spread(summarize(ms.map((m) => m.rps)), 0), spread(summarize(ms.map((m) => m.cpuUs))),
        ...(perCore ? [spread(summarize(ms.map((m) => 1e6 / m.cpuUs)), 0)] : []),
        name === ref ? '1' : spread(summarize(ms.map((m) => m.ratio))),
      ])));
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const targets = TARGETS.filter((t) => !o.targets || o.targets.includes(t.name));
  const echoTargets = ECHO_TARGETS.filter((t) => !o.targets || o.targets.includes(t.name));
  const certs = makeCerts();
  const load0 = proc.loadAverage();
  const results = { started: new Date().toISOString(), load: [load0], runs: {}, idle: {} };
  try {
    for (const w of o.only.filter((x) => x in WORKLOADS)) {
      results.runs[w] = {};
      for (let round = 0; round < o.rounds; round++) {
        const ref = {};
        const list = WORKLOADS[w].echo ? echoTargets : targets;
        for (const t of list) {
          const m = await measure(t, certs, w, o);
          (results.runs[w][t.name] ??= []).push(m);
          ref[t.name] = m;
          const u = WORKLOADS[w].unit;
          process.stderr.write(`${w} round ${round + 1} ${t.name}: ${num(m.rps, 0)} ${u}/s, ${num(m.cpuUs)} µs CPU/${u}${m.errors ? ` errors ${m.errors}` : ''}\n`);
        }
        for (const t of list) ref[t.name].ratio = ref[t.name].cpuUs / ref[WORKLOADS[w].ref]?.cpuUs;
      }
    }
    printRuns(results, o);
    if (o.only.includes('idle')) {
      for (const t of targets) {
        const r = await idle(t, certs, o.idle);
        results.idle[t.name] = r;
        process.stderr.write(`idle ${t.name}: ${num(r.perConn, 0)} B RSS per connection at ${o.idle} (${num(r.marginal, 0)} B from ${o.idle / 2} to ${o.idle})\n`);
      }
    }
  } finally {
    fs.rmSync(certs.dir, { recursive: true, force: true });
  }
  results.load.push(proc.loadAverage());
  if (Object.keys(results.idle).length) {
    console.log(`\nIdle TLS connections: server RSS growth at ${o.idle} connections`);
    console.log(table(['target', 'bytes per connection (0 to N)', `bytes per connection (${o.idle / 2} to N)`],
      Object.entries(results.idle).map(([n, r]) => [n, num(r.perConn, 0), num(r.marginal, 0)])));
  }
  console.log(`\nload average before ${JSON.stringify(load0)} after ${JSON.stringify(results.load[1])}`);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(results, null, 2));
}

main().catch((err) => { console.error(err); process.exit(1); });
