'use strict';
// The lab's cross-node cluster (issue 15) as one server: a private Redis (unix socket, no
// persistence) and `nodes` ringnet broadcast nodes (ringnet-broadcast.js) sharing it through
// ringnet's `cluster` option; with nodes = 1, one node alone and no broker (the single-node
// reference). Everything runs under this process, so the lab's process-tree CPU counts the
// nodes and the broker: the whole cost of a cross-node push.
// Usage: node ringnet-cluster.js 0 127.0.0.1 '{"nodes":3,"expect":N, ...server options}'
// stdout: {"ready":true,"port":P0,"ports":[P0,P1,...],"pid":N}; {"joined":N} once the nodes
// hold N connections together (node i expects its share of `expect`, in port order); node 0's
// {"pushed":SEQ,"t":NS} lines. SIGUSR2 makes node 0 push one packet to room "all", which every
// node delivers to its members.
const path = require('node:path');
const { spawn } = require('node:child_process');
const { onLines, tryJson } = require('../lib/spawn');
const { startPrivateRedis } = require('./private-redis');

const host = process.argv[3] || '127.0.0.1';
const { nodes = 3, expect = 0, ...serverOptions } = process.argv[4] ? JSON.parse(process.argv[4]) : {};
const NODE = path.join(__dirname, 'ringnet-broadcast.js');
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const children = [];
let removeDir = () => {};

/** Node i's share of the connections (the lab's client spreads them the same way). */
const share = (i) => Math.floor(expect / nodes) + (i < expect % nodes ? 1 : 0);

async function startRedis() {
  const redis = await startPrivateRedis('ringnet-lab-cluster-');
  children.push(redis.child);
  removeDir = redis.remove;
  return redis.sock;
}

function startNode(i, sock) {
  const cluster = sock ? { cluster: { redis: { socketPath: sock }, prefix: 'lab', nodeId: `n${i}`, onlineInterval: 600000 } } : {};
  const child = spawn(process.execPath, [NODE, '0', host, JSON.stringify({ ...serverOptions, ...cluster, expect: share(i) })],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    onLines(child.stdout, (line) => {
      const m = tryJson(line);
      if (!m) return;
      if (m.ready) resolve({ child, port: m.port });
      else if (m.joined !== undefined) onJoined(i);
      else if (i === 0 && (m.pushed !== undefined || m.dropped !== undefined)) out(m);
    });
    child.once('exit', (code) => reject(new Error(`node ${i} exited (code ${code})`)));
  });
}

const joined = new Set();
function onJoined(i) {
  joined.add(i);
  if (joined.size === nodes) out({ joined: expect });
}

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    removeDir();
    process.exit(code);
  }, 500);
}

async function main() {
  const sock = nodes > 1 ? await startRedis() : null;
  const started = await Promise.all(Array.from({ length: nodes }, (_, i) => startNode(i, sock)));
  process.on('SIGUSR2', () => started[0].child.kill('SIGUSR2'));
  for (const s of started) s.child.once('exit', (code) => { process.stderr.write(`ringnet-cluster: a node exited (code ${code})\n`); stop(1); });
  out({ ready: true, port: started[0].port, ports: started.map((s) => s.port), pid: process.pid });
}

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.on('SIGHUP', () => stop(0));
// The lab holds our stdin: if it dies without stopping us (SIGKILL), the pipe closes and the
// nodes and the broker go with us instead of outliving the run.
process.stdin.on('end', () => stop(0));
process.stdin.on('error', () => stop(0));
process.stdin.resume();
main().catch((e) => { process.stderr.write(`ringnet-cluster: ${e.message}\n`); stop(1); });
