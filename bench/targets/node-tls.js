'use strict';
// node:tls reference of the TLS echo and idle TLS cells: bench/servers/node-net-echo.js (the node:net echo,
// written the way a careful Node developer would) over tls.createServer with the lab's certificate.
const path = require('node:path');
const { labCerts, tlsAvailable } = require('../workloads/shared/tls-certs');

const SCRIPT = path.join(__dirname, '..', 'servers', 'node-net-echo.js');

module.exports = {
  name: 'node:tls',
  description: 'node:tls framed echo (node-net-echo.js over tls.createServer)',
  workloads: ['tls-echo', 'idle'],
  stats: false,
  available: tlsAvailable,
  server(cell) {
    if (cell.workload === 'idle' && cell.protocol !== 'tls') return { skip: 'node:tls serves the idle TLS cells (node:net the others)' };
    if ((cell.workers ?? 1) > 1) return { skip: 'node:tls runs one thread' };
    const { key, cert } = labCerts();
    return { args: [SCRIPT, '0', '127.0.0.1', JSON.stringify({ noDelay: true, tls: { key, cert } })] };
  },
};
