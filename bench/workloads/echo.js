'use strict';
// Framed echo: 4-byte big-endian length + payload, driven by the native generator; every echo is
// verified byte for byte. Cell parameters: connections, depth (frames in flight per
// connection), payload, reconnect (echoes per connection before it reopens; 0 = never) and
// echoWrites (server replies as 1 or 2 writes).
const { ensureLoadgen, measureLoadgen } = require('./shared/loadgen');

module.exports = {
  name: 'echo',
  description: 'length-prefixed echo, native generator (bench/loadgen)',
  unit: 'frames',
  sliceable: true,
  reference: 'node:net',
  defaults: { connections: 100, depth: 1, payload: 64, reconnect: 0, echoWrites: 1 },
  label(cell) {
    let s = `c${cell.connections}-d${cell.depth}-p${cell.payload}`;
    if (cell.reconnect) s += `-r${cell.reconnect}`;
    if (cell.echoWrites === 2) s += '-split';   // replies written as two small writes
    return s;
  },
  prepare: ensureLoadgen,
  /** The generator's protocol flags; windowed (lab/windows.js) where there is no --reconnect. */
  generatorArgs(cell) {
    const args = ['--connections', String(cell.connections), '--depth', String(cell.depth), '--payload', String(cell.payload)];
    if (cell.reconnect) args.push('--reconnect', String(cell.reconnect));
    return args;
  },
  windowable: (cell) => !cell.reconnect,
  run(server, target, cell, ctx) {
    return measureLoadgen(server, target, this.generatorArgs(cell), ctx, (r) => ({ reconnectsPerSec: cell.reconnect ? r.reconnectsPerSec : undefined }));
  },
};
