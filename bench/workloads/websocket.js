'use strict';
// WebSocket binary echo: the native generator (bench/loadgen --protocol ws) upgrades every
// connection (101 and Sec-WebSocket-Accept checked), then keeps `depth` binary messages in
// flight, each masked with a fresh mask, each echoed back and verified byte for byte. Targets
// with `echoProtocol: 'length'` (ringnet-length-*) get the same cell as length-prefixed frames:
// ringnet's own floor, measured in the same run. Cell parameters: connections, depth, payload.
const { ensureLoadgen, measureLoadgen } = require('./shared/loadgen');

module.exports = {
  name: 'websocket',
  description: 'WebSocket binary echo, masked frames, native generator (bench/loadgen --protocol ws)',
  unit: 'messages',
  sliceable: true,
  reference: 'ws',
  defaults: { connections: 100, depth: 1, payload: 64 },
  label: (cell) => `ws-c${cell.connections}-d${cell.depth}-p${cell.payload}`,
  prepare: ensureLoadgen,
  run(server, target, cell, ctx) {
    const wire = target.echoProtocol === 'length' ? 'length' : 'ws';
    const args = ['--protocol', wire, '--connections', String(cell.connections), '--depth', String(cell.depth),
      '--payload', String(cell.payload)];
    return measureLoadgen(server, target, args, ctx, () => ({ wire }));
  },
};
