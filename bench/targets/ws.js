'use strict';
// The `ws` npm package, the reference of the WebSocket cells (bench/servers/ws-websocket.js):
// binary echo, idle WebSocket connections, broadcast with its README's loop. It serves only
// WebSocket cells (the idle and broadcast workloads' `protocol: 'websocket'`).
const path = require('node:path');

const SCRIPT = path.join(__dirname, '..', 'servers', 'ws-websocket.js');

module.exports = {
  name: 'ws',
  description: 'the ws npm package (WebSocketServer, permessage-deflate off): echo, idle, broadcast',
  workloads: ['websocket', 'idle', 'broadcast'],
  stats: false,
  available() {
    try {
      require.resolve('ws');
      return true;
    } catch {
      return 'the ws package is not installed (npm install --save-dev ws)';
    }
  },
  server(cell) {
    if (cell.workload !== 'websocket' && cell.protocol !== 'websocket') return { skip: 'ws serves WebSocket cells only' };
    if ((cell.workers ?? 1) > 1) return { skip: 'ws runs one thread' };
    return { args: [SCRIPT, '0', '127.0.0.1', JSON.stringify(cell.workload === 'broadcast' ? { expect: cell.connections } : {})] };
  },
};
