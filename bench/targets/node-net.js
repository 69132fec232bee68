'use strict';
// node:net reference for the framed echo (bench/servers/node-net-echo.js). It has one thread and
// can set only TCP_NODELAY and SO_KEEPALIVE, so cells asking for more are skipped with a reason.
const path = require('node:path');

const SCRIPT = path.join(__dirname, '..', 'servers', 'node-net-echo.js');
const SUPPORTED_FLAGS = ['noDelay', 'keepAlive'];

module.exports = {
  name: 'node:net',
  description: 'node:net echo, written the way a careful Node developer would',
  workloads: ['echo', 'idle'],
  stats: false,
  available: () => true,
  server(cell) {
    if (cell.acceptMode && cell.acceptMode !== 'dispatch') return { skip: 'node:net has no accept modes' };
    if ((cell.workers ?? 1) > 1) return { skip: 'node:net runs one thread' };
    const conn = (cell.socketFlags && cell.socketFlags.connection) || {};
    const unsupported = Object.keys(conn).filter((k) => !SUPPORTED_FLAGS.includes(k));
    if (unsupported.length) return { skip: `node:net cannot set ${unsupported.join(', ')}` };
    const options = { noDelay: conn.noDelay ?? true, keepAlive: conn.keepAlive ?? false, writes: cell.echoWrites ?? 1 };
    return { args: [SCRIPT, '0', '127.0.0.1', JSON.stringify(options)] };
  },
};
