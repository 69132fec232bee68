'use strict';
// Cluster benchmark (issue 15): three ringnet nodes on this machine sharing one private Redis,
// 10,000 clients spread over them (native client, bench/bin/broadcast-client, one per node),
// pushes of one 64-byte goim packet to a room holding all of them, sent on node 0. Against the
// single-node figure measured in the same run (one node, all 10,000 clients, no cluster).
// Rounds interleave the two targets. Reported per target:
//   time until every member has the push  - the latest of the clients' "complete" timestamps
//                                           minus node 0's "pushed" timestamp (CLOCK_MONOTONIC)
//   server CPU per delivered message       - utime+stime of every node process over the pushes,
//                                           divided by pushes x clients (Redis's CPU shown apart)
//   broker messages per push                - Redis PUBLISH calls (INFO commandstats) per push,
//                                           and the subscribers of the room's channel
// then cross-node pushes per second through that Redis: node 0 pushes --burst packets as fast
// as it can to a room whose one member is on node 1; time until that member has them all.
//
// Usage: node bench/cluster.js [--clients N] [--pushes N] [--rounds N] [--burst N] [--json FILE]
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const proc = require('./lib/proc');
const { onLines, tryJson } = require('./lib/spawn');
const { summarize, num, spread, table } = require('./lib/stats');

const HERE = __dirname;
const CLIENT = path.join(HERE, 'bin', 'broadcast-client');
const SERVER = path.join(HERE, 'servers', 'ringnet-broadcast.js');
const BLAST = path.join(HERE, 'servers', 'ringnet-cluster-blast.js');

function parseArgs(argv) {
  const o = { clients: 10000, pushes: 20, rounds: 3, burst: 20000, json: null };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = argv[i].split(/=(.*)/s);
    const val = () => (v !== undefined ? v : argv[++i]);
    if (k === '--json') o.json = val();
    else if (['--clients', '--pushes', '--rounds', '--burst'].includes(k)) o[k.slice(2)] = Number(val());
    else if (k === '--quick') Object.assign(o, { clients: 3000, pushes: 10, rounds: 1, burst: 5000 });
    else { console.error(`unknown argument ${argv[i]}\n${fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 16).join('\n')}`); process.exit(2); }
  }
  return o;
}

function lines(stream) {
  const l = { seen: [], waiters: new Set() };
  onLines(stream, (s) => {
    const m = tryJson(s);
    if (!m) return;
    l.seen.push(m);
    for (const w of l.waiters) if (w(m)) l.waiters.delete(w);
  });
  return l;
}

function waitLine(l, pred, ms, what) {
  return new Promise((resolve, reject) => {
    const hit = l.seen.find(pred);
    if (hit) return resolve(hit);
    const t = setTimeout(() => { l.waiters.delete(w); reject(new Error(`timed out waiting for ${what}`)); }, ms);
    const w = (m) => { if (!pred(m)) return false; clearTimeout(t); resolve(m); return true; };
    l.waiters.add(w);
  });
}

// ---------------------------------------------------------------- redis

async function startRedis() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-bench-redis-'));
  const sock = path.join(dir, 'redis.sock');
  const child = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !fs.existsSync(sock); i++) await proc.sleep(25);
  return { child, sock, dir };
}

function redisCommand(sock, args) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ path: sock });
    let out = '';
    s.once('connect', () => s.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    s.on('data', (d) => { out += d; if (/\r\n$/.test(out) && (out[0] !== '$' || out.split('\r\n').length >= 3)) { s.destroy(); resolve(out); } });
    s.once('error', reject);
  });
}

async function publishCalls(sock) {
  const info = await redisCommand(sock, ['INFO', 'commandstats']);
  const m = /cmdstat_publish:calls=(\d+)/.exec(info);
  return m ? Number(m[1]) : 0;
}

// ---------------------------------------------------------------- nodes and clients

function startNode(script, options, args = []) {
  const child = spawn(process.execPath, [script, '0', '127.0.0.1', JSON.stringify(options), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const l = lines(child.stdout);
  return waitLine(l, (m) => m.ready, 30_000, 'node ready').then((r) => ({ child, lines: l, port: r.port, pid: r.pid }));
}

function startClient(port, n) {
  const child = spawn(CLIENT, ['--host', '127.0.0.1', '--port', String(port), '--connections', String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  return { child, lines: lines(child.stdout) };
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([gone, proc.sleep(3000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function runFanOut(kind, opt, redis, round) {
  const n = kind === 'single' ? 1 : 3;
  const share = Array.from({ length: n }, (_, i) => Math.floor(opt.clients / n) + (i < opt.clients % n ? 1 : 0));
  const prefix = `b${round}${kind}`;
  const nodes = await Promise.all(share.map((expect, i) => startNode(SERVER, {
    expect, maxConnections: 20000,
    ...(n > 1 ? { cluster: { redis: { socketPath: redis.sock }, prefix, nodeId: `n${i}`, onlineInterval: 600000 } } : {}),
  })));
  const clients = nodes.map((node, i) => startClient(node.port, share[i]));
  const res = { target: kind === 'single' ? 'single node' : 'three nodes + Redis', round, latenciesMs: [] };
  try {
    for (const c of clients) {
      const m = await waitLine(c.lines, (x) => x.connected !== undefined, 120_000, 'client connections');
      if (m.failed) throw new Error(`${m.failed} connections failed`);
    }
    for (const [i, node] of nodes.entries()) await waitLine(node.lines, (m) => m.joined === share[i], 60_000, 'members joined');
    await proc.sleep(500);
    const subs = n > 1 ? await redisCommand(redis.sock, ['PUBSUB', 'NUMSUB', `${prefix}:room:${Buffer.from('all').toString('base64url')}`]) : '';
    const pub0 = await publishCalls(redis.sock);
    const cpu0 = nodes.map((x) => proc.cpuSeconds(x.pid));
    const rcpu0 = proc.cpuSeconds(redis.child.pid);
    for (let seq = 1; seq <= opt.pushes; seq++) {
      nodes[0].child.kill('SIGUSR2');
      const pushed = await waitLine(nodes[0].lines, (m) => m.pushed === seq, 30_000, `push ${seq}`);
      let last = 0n;
      for (const c of clients) {
        const done = await waitLine(c.lines, (m) => m.complete === seq, 60_000, `delivery of push ${seq}`);
        if (done.lost) throw new Error(`${done.lost} connections lost`);
        if (BigInt(done.t) > last) last = BigInt(done.t);
      }
      res.latenciesMs.push(Number(last - BigInt(pushed.t)) / 1e6);
      await proc.sleep(20);
    }
    const cpu = nodes.reduce((a, x, i) => a + proc.cpuSeconds(x.pid) - cpu0[i], 0);
    res.cpuUsPerDelivery = (cpu * 1e6) / (opt.pushes * opt.clients);
    res.redisCpuUsPerPush = ((proc.cpuSeconds(redis.child.pid) - rcpu0) * 1e6) / opt.pushes;
    res.publishesPerPush = ((await publishCalls(redis.sock)) - pub0) / opt.pushes;
    const sm = /:(\d+)\r\n$/.exec(subs);
    res.channelSubscribers = sm ? Number(sm[1]) : undefined;
  } catch (e) {
    res.error = e.message;
  } finally {
    for (const c of clients) c.child.stdin.end();
    await proc.sleep(300);
    for (const c of clients) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await Promise.all(nodes.map((x) => stop(x.child)));
  }
  return res;
}

async function runBurst(opt, redis, round) {
  const prefix = `burst${round}`;
  const cluster = (id) => ({ cluster: { redis: { socketPath: redis.sock }, prefix, nodeId: id, onlineInterval: 600000, queue: { maxMessages: opt.burst + 10 } } });
  const [a, b] = await Promise.all([startNode(BLAST, cluster('a'), ['publisher']), startNode(BLAST, cluster('b'), ['member'])]);
  try {
    await waitLine(b.lines, (m) => m.member, 10_000, 'member joined');
    await proc.sleep(500);
    a.child.stdin.write(`${opt.burst}\n`);
    const sent = await waitLine(a.lines, (m) => m.sent !== undefined, 60_000, 'burst sent');
    // All of them, or (some lost) the last progress line after a quiet minute.
    const got = await waitLine(b.lines, (m) => m.received === opt.burst, 60_000, 'burst received')
      .catch(() => [...b.lines.seen].reverse().find((m) => m.received !== undefined) ?? { received: 0, t: sent.t0 });
    const stats = await waitLine(a.lines, (m) => m.stats, 10_000, 'publisher stats').catch(() => ({}));
    return { round, pushes: opt.burst, seconds: Number(BigInt(got.t) - BigInt(sent.t0)) / 1e9, received: got.received ?? got.count, dropped: stats.stats?.dropped };
  } finally {
    await Promise.all([stop(a.child), stop(b.child)]);
  }
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(CLIENT)) {
    const r = spawnSync('sh', [path.join(HERE, 'broadcast', 'build.sh')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('broadcast-client build failed');
  }
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`cluster: ${opt.clients} clients, ${opt.pushes} pushes x ${opt.rounds} rounds, 64-byte goim body; ` +
    `${os.cpus().length} CPUs, load average ${load()}`);
  const redis = await startRedis();
  const results = [];
  const bursts = [];
  try {
    for (let round = 1; round <= opt.rounds; round++) {
      for (const kind of ['single', 'cluster']) {
        const r = await runFanOut(kind, opt, redis, round);
        results.push(r);
        console.log(`  round ${round} ${r.target}: ${r.error ? `ERROR ${r.error}` : `median ${num(summarize(r.latenciesMs).median)} ms, ` +
          `${num(r.cpuUsPerDelivery, 3)} µs CPU/delivery${r.publishesPerPush !== undefined && kind !== 'single' ? `, ${num(r.publishesPerPush)} PUBLISH/push, ${r.channelSubscribers} subscribers, Redis ${num(r.redisCpuUsPerPush)} µs/push` : ''}`}`);
      }
      const b = await runBurst(opt, redis, round).catch((e) => ({ round, error: e.message }));
      bursts.push(b);
      console.log(`  round ${round} burst: ${b.error ? `ERROR ${b.error}` : `${b.received}/${b.pushes} in ${num(b.seconds, 3)} s = ${num(b.received / b.seconds)} cross-node pushes/s (dropped ${b.dropped})`}`);
    }
  } finally {
    redis.child.kill('SIGKILL');
    fs.rmSync(redis.dir, { recursive: true, force: true });
  }
  const by = (t) => results.filter((r) => r.target === t && !r.error);
  const single = summarize(by('single node').map((r) => r.cpuUsPerDelivery));
  const rows = ['single node', 'three nodes + Redis'].map((t) => {
    const ok = by(t);
    const cpu = summarize(ok.map((r) => r.cpuUsPerDelivery));
    return [t, `${ok.length}/${opt.rounds}`, spread(summarize(ok.flatMap((r) => r.latenciesMs)), 2, ' ms'), spread(cpu, 3, ' µs'),
      cpu && single ? (cpu.median / single.median).toFixed(2) : '-', ok[0]?.publishesPerPush !== undefined && t !== 'single node' ? num(summarize(ok.map((r) => r.publishesPerPush)).median) : '-'];
  });
  console.log('\n' + table(['target', 'rounds ok', 'time until every member has the push', 'server CPU / delivered message', 'vs single node', 'PUBLISH per push'], rows));
  const rates = bursts.filter((b) => !b.error).map((b) => b.received / b.seconds);
  console.log(`cross-node pushes per second through one Redis: ${spread(summarize(rates), 0, '/s')}; load average at the end ${load()}`);
  if (opt.json) fs.writeFileSync(opt.json, JSON.stringify({ opt, loadavg: os.loadavg(), results, bursts }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
