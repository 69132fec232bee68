'use strict';
// node:net references: the framed echo (bench/servers/node-net-echo.js), the goim handler
// (node-net-goim.js) and the broadcast loop (node-net-broadcast.js). One thread, and only
// TCP_NODELAY and SO_KEEPALIVE, so cells asking for more are skipped with a reason.
const path = require('node:path');

const SERVERS = path.join(__dirname, '..', 'servers');
const SUPPORTED_FLAGS = ['noDelay', 'keepAlive'];

module.exports = {
  name: 'node:net',
  description: 'node:net servers written the way a careful Node developer would',
  workloads: ['echo', 'idle', 'goim', 'broadcast'],
  stats: false,
  available: () => true,
  server(cell) {
    if (cell.acceptMode && cell.acceptMode !== 'dispatch') return { skip: 'node:net has no accept modes' };
    if ((cell.workers ?? 1) > 1) return { skip: 'node:net runs one thread' };
    if (cell.protocol === 'websocket') return { skip: 'node:net does not speak WebSocket (ws is the reference there)' };
    if (cell.protocol === 'tls') return { skip: 'node:net does not speak TLS (node:tls is the reference there)' };
    if (cell.workload === 'goim') return { args: [path.join(SERVERS, 'node-net-goim.js'), '0', '127.0.0.1'] };
    if (cell.workload === 'broadcast') {
      return { args: [path.join(SERVERS, 'node-net-broadcast.js'), '0', '127.0.0.1', JSON.stringify({ expect: cell.connections })] };
    }
    const conn = (cell.socketFlags && cell.socketFlags.connection) || {};
    const unsupported = Object.keys(conn).filter((k) => !SUPPORTED_FLAGS.includes(k));
    if (unsupported.length) return { skip: `node:net cannot set ${unsupported.join(', ')}` };
    const options = { noDelay: conn.noDelay ?? true, keepAlive: conn.keepAlive ?? false, writes: cell.echoWrites ?? 1 };
    return { args: [path.join(SERVERS, 'node-net-echo.js'), '0', '127.0.0.1', JSON.stringify(options)] };
  },
};
