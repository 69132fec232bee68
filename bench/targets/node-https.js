'use strict';
// node:https reference of the HTTPS hello cells (the http workload's `tls: true`):
// bench/servers/node-https.js with the lab's certificate.
const path = require('node:path');
const { labCerts, tlsAvailable } = require('../workloads/shared/tls-certs');

const SCRIPT = path.join(__dirname, '..', 'servers', 'node-https.js');

module.exports = {
  name: 'node:https',
  description: 'node:https server answering "hello world" (HTTPS cells)',
  workloads: ['http'],
  stats: false,
  available: tlsAvailable,
  server(cell) {
    if (!cell.tls) return { skip: 'node:https serves the HTTPS cells (node:http the others)' };
    if ((cell.workers ?? 1) > 1) return { skip: 'node:https runs one thread' };
    const { key, cert } = labCerts();
    return { args: [SCRIPT, '0', '127.0.0.1', JSON.stringify({ key, cert })] };
  },
};
