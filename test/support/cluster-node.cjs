/**
 * One ringnet cluster node in its own process, for test/cluster.test.ts,
 * against the BUILT library (dist/index.js):
 *   fork('cluster-node.cjs', [JSON server options])  (IPC channel)
 * Clients speak length-framed text: "join:<room>", "leave:<room>",
 * "bind:<user>", "id" (answered "id:<clusterId>"), "ping" ("pong"). The test
 * drives the node over IPC: {op: 'broadcast'|'broadcastAll'|'pushUser'|
 * 'pushConnection'|'online'|'stats'|'subscriptions'|'stream'|'close', ...};
 * every reply is {id, result}.
 */
'use strict';
const path = require('node:path');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const options = JSON.parse(process.argv[2]);
const server = createServer(options, {
  onFrame(conn, frame) {
    const text = frame.toString();
    const [cmd, arg] = [text.slice(0, text.indexOf(':') >>> 0), text.slice(text.indexOf(':') + 1)];
    if (text === 'id') conn.send(`id:${conn.clusterId}`);
    else if (text === 'ping') conn.send('pong');
    else if (cmd === 'join') { conn.join(arg); conn.send(`joined:${arg}`); }
    else if (cmd === 'leave') { conn.leave(arg); conn.send(`left:${arg}`); }
    else if (cmd === 'bind') { conn.bindUser(arg); conn.send(`bound:${arg}`); }
  },
});
for (const ev of ['up', 'down', 'resync']) server.cluster.on(ev, (e) => process.send({ event: ev, detail: e }));
server.cluster.on('error', () => {});

let streamTimer;
process.on('message', async (m) => {
  let result;
  try {
    switch (m.op) {
      case 'broadcast': result = server.broadcast(m.room, m.text); break;
      case 'broadcastAll': result = server.broadcastAll(m.text); break;
      case 'pushUser': result = server.pushUser(m.user, m.text); break;
      case 'pushConnection': result = server.pushConnection(m.target, m.text); break;
      case 'online': result = await server.cluster.online(m.room); break;
      case 'stats': result = server.cluster.stats(); break;
      case 'subscriptions': result = server.cluster.subscriptions(); break;
      case 'connections': result = server.connections().length; break;
      case 'stream': {
        // Sequence-numbered room pushes at a fixed rate: "<tag>:<seq>".
        let seq = 0;
        streamTimer = setInterval(() => {
          for (let i = 0; i < m.perTick; i++) server.broadcast(m.room, `${m.tag}:${seq++}`);
          if (seq >= m.count) { clearInterval(streamTimer); process.send({ event: 'stream-done', detail: seq }); }
        }, m.everyMs);
        result = true;
        break;
      }
      case 'flood': { const body = 'x'.repeat(m.size); for (let i = 0; i < m.count; i++) server.broadcast(m.room, `${m.tag}:${i}:${body}`); result = true; break; }
      case 'block': { const until = Date.now() + m.ms; while (Date.now() < until); result = true; break; }
      case 'close': await server.close({ timeout: 2000 }); result = true; break;
      default: result = `unknown op ${m.op}`;
    }
  } catch (err) {
    result = { error: String(err && err.stack || err) };
  }
  process.send({ id: m.id, result });
  if (m.op === 'close') process.exit(0);
});

server.listen({ host: '127.0.0.1', port: 0 }).then(({ port }) => {
  process.send({ ready: true, port, nodeId: server.cluster.nodeId, state: server.cluster.state });
});
