'use strict';
// Cross-node push rate through one broker (bench/cluster.js). Two roles:
//   publisher: reads a count N on stdin, pushes N goim packets to room "blast" as fast as the
//              cluster's publish queue takes them (chunks of 256 per event-loop turn), prints
//              {"sent":N,"t0":NS} and, once its queue is empty, {"stats":cluster.stats()};
//   member:    one local TCP client in room "blast"; prints {"member":true}, then
//              {"received":N,"t":NS} when N packets arrived (or {"timeout":true,"count":n}).
// Usage: node ringnet-cluster-blast.js 0 127.0.0.1 '<server options JSON>' publisher|member
const net = require('node:net');
const path = require('node:path');
const readline = require('node:readline');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const options = JSON.parse(process.argv[4] || '{}');
const role = process.argv[5];
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const BODY = Buffer.alloc(64, 0x62);

async function main() {
  const server = createServer({ framing: { type: 'goim' }, ...options }, { onOpen(conn) { conn.join('blast'); } });
  const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
  out({ ready: true, port, pid: process.pid });
  if (role === 'member') {
    const s = net.connect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    let count = 0;
    let want = Infinity;
    readline.createInterface({ input: process.stdin }).on('line', (l) => (want = Number(l)));
    s.on('connect', () => setTimeout(() => out({ member: true }), 200));
    s.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      let p = 0;
      while (buf.length - p >= 4 && buf.length - p >= buf.readUInt32BE(p)) { p += buf.readUInt32BE(p); count++; }
      buf = buf.subarray(p);
      if (count === want || count % 1000 === 0) out({ progress: count, received: count, t: String(process.hrtime.bigint()) });
    });
  } else {
    readline.createInterface({ input: process.stdin }).on('line', (l) => {
      const n = Number(l);
      const t0 = String(process.hrtime.bigint());
      let i = 0;
      const chunk = () => {
        for (let k = 0; k < 256 && i < n; k++, i++) server.broadcast('blast', { op: 9, seq: i, body: BODY });
        if (i < n) return setImmediate(chunk);
        out({ sent: n, t0 });
        const wait = () => {
          const st = server.cluster.stats();
          if (st.queued === 0 && st.inFlight === 0) out({ stats: st });
          else setTimeout(wait, 10);
        };
        wait();
      };
      chunk();
    });
  }
  process.on('SIGTERM', () => server.close({ timeout: 300 }).finally(() => process.exit(0)));
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
