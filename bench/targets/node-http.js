'use strict';
// node:http reference for the HTTP hello workload (bench/servers/node-http-hello.js).
const path = require('node:path');

const SCRIPT = path.join(__dirname, '..', 'servers', 'node-http-hello.js');

module.exports = {
  name: 'node:http',
  description: 'node:http keep-alive server answering "hello world"',
  workloads: ['http'],
  stats: false,
  available: () => true,
  server(cell) {
    if (cell.tls) return { skip: 'node:http serves plain HTTP (node:https the HTTPS cells)' };
    return { args: [SCRIPT, '0', '127.0.0.1'] };
  },
};
