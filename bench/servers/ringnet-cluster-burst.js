'use strict';
// The lab's cross-node push rate (issue 15's burst figure, the `cluster-burst` workload) as one
// server: a private Redis and two ringnet nodes sharing it (ringnet-cluster-blast.js): a
// publisher, and a member node holding one local client in room "blast". Everything runs under
// this process, so the lab's process-tree CPU counts both nodes and the broker.
// Usage: node ringnet-cluster-burst.js 0 127.0.0.1 '{"burst":N, ...server options}'
// stdout: {"ready":true,"port":P,"pid":N} (P: the member node's port), then for each stdin line
// "burst K": {"burst":{"pushes":K,"received":R,"seconds":S,"dropped":D}}: the publisher pushed
// K packets as fast as its cluster queue takes them, and the member's client had R of them
// S seconds after the first was sent (R < K: some were lost; the answer then comes after
// `quietMs` without progress).
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');
const { onLines, tryJson, messageLog } = require('../lib/spawn');
const { startPrivateRedis } = require('./private-redis');

const host = process.argv[3] || '127.0.0.1';
const { burst = 20000, quietMs = 10000, ...serverOptions } = process.argv[4] ? JSON.parse(process.argv[4]) : {};
const BLAST = path.join(__dirname, 'ringnet-cluster-blast.js');
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const children = [];
let redis = null;

function startNode(role, sock) {
  // The publish queue holds a whole burst (the figure is the broker's rate, not a queue limit).
  const cluster = { redis: { socketPath: sock }, prefix: 'burst', nodeId: role, onlineInterval: 600000, queue: { maxMessages: burst + 10 } };
  const child = spawn(process.execPath, [BLAST, '0', host, JSON.stringify({ ...serverOptions, cluster }), role], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = messageLog();
  onLines(child.stdout, (l) => { const m = tryJson(l); if (m) lines.add(m); });
  child.once('exit', (code) => { process.stderr.write(`ringnet-cluster-burst: the ${role} node exited (code ${code})\n`); stop(1); });
  return lines.wait((m) => m.ready, 30000, `the ${role} node`).then((r) => ({ child, lines, port: r.port }));
}

let received = 0;   // the member's count so far (bursts add up)
let busy = Promise.resolve();
async function runBurst(publisher, member, k) {
  const target = received + k;
  member.child.stdin.write(`${target}\n`);
  const sentAt = publisher.lines.messages.length;
  publisher.child.stdin.write(`${k}\n`);
  const sent = await publisher.lines.wait((m, i) => m.sent === k && publisher.lines.messages.indexOf(m) >= sentAt, 60000, 'the burst sent');
  // Every packet, or the last count after quietMs without one.
  let last = null;
  for (;;) {
    const seenBefore = member.lines.messages.length;
    const m = await member.lines.wait((x) => x.received !== undefined && member.lines.messages.indexOf(x) >= seenBefore, quietMs, 'progress').catch(() => null);
    if (!m) break;
    last = m;
    if (m.received >= target) break;
  }
  const stats = await publisher.lines.wait((m) => m.stats && publisher.lines.messages.indexOf(m) >= sentAt, 10000, 'publisher stats').catch(() => ({}));
  const got = last ? last.received - received : 0;
  received = last ? last.received : received;
  const seconds = last ? Number(BigInt(last.t) - BigInt(sent.t0)) / 1e9 : NaN;
  out({ burst: { pushes: k, received: got, seconds, dropped: stats.stats ? stats.stats.dropped : undefined } });
}

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (redis) redis.remove();
    process.exit(code);
  }, 500);
}

async function main() {
  redis = await startPrivateRedis('ringnet-lab-burst-');
  children.push(redis.child);
  const [publisher, member] = await Promise.all([startNode('publisher', redis.sock), startNode('member', redis.sock)]);
  await member.lines.wait((m) => m.member, 10000, 'the member client');
  out({ ready: true, port: member.port, pid: process.pid });
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const m = /^burst (\d+)$/.exec(line.trim());
    if (m) busy = busy.then(() => runBurst(publisher, member, Number(m[1]))).catch((e) => out({ burst: { error: e.message } }));
  });
  // The lab holds our stdin: when it goes away (even killed), so do the nodes and Redis.
  rl.on('close', () => stop(0));
}

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.on('SIGHUP', () => stop(0));
main().catch((e) => { process.stderr.write(`ringnet-cluster-burst: ${e.message}\n`); stop(1); });
