'use strict';
// goim: the native generator (bench/loadgen --protocol goim) authenticates each connection
// (op 7 -> op 8), then keeps `depth` messages (op 4) in flight that the server's handler answers
// (op 5, same seq and body, verified), with a heartbeat (op 2 -> op 3) after every
// `heartbeatEvery` messages. Cell parameters: connections, depth, payload, heartbeatEvery.
const { ensureLoadgen, measureLoadgen } = require('./shared/loadgen');

module.exports = {
  name: 'goim',
  description: 'goim Comet protocol: auth, heartbeats, messages answered by the handler (native generator)',
  unit: 'messages',
  sliceable: true,
  reference: 'node:net',
  defaults: { connections: 100, depth: 1, payload: 64, heartbeatEvery: 10 },
  label: (cell) => `goim-c${cell.connections}-d${cell.depth}-p${cell.payload}${cell.heartbeatEvery !== 10 ? `-hb${cell.heartbeatEvery}` : ''}`,
  prepare: ensureLoadgen,
  /** The generator's protocol flags (also those of the windows mode, lab/windows.js). */
  generatorArgs(cell) {
    return ['--protocol', 'goim', '--connections', String(cell.connections), '--depth', String(cell.depth),
      '--payload', String(cell.payload), '--heartbeat-every', String(cell.heartbeatEvery)];
  },
  windowable: () => true,
  run(server, target, cell, ctx) {
    return measureLoadgen(server, target, this.generatorArgs(cell), ctx, (r) => ({ heartbeats: r.heartbeats }));
  },
};
