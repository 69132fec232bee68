'use strict';
// The cluster workload's reference: one ringnet node (epoll) holding every connection, no
// broker (bench/servers/ringnet-cluster.js with nodes = 1), measured in the same rounds.
const path = require('node:path');
const { ringnetAvailable } = require('./shared/ringnet');

const SCRIPT = path.join(__dirname, '..', 'servers', 'ringnet-cluster.js');

module.exports = {
  name: 'ringnet-one-node',
  description: 'ringnet, one node and no broker (the cluster cells\' reference)',
  workloads: ['cluster'],
  stats: false,
  available: () => ringnetAvailable('epoll'),
  server(cell) {
    return { args: [SCRIPT, '0', '127.0.0.1', JSON.stringify({ backend: 'epoll', workers: 1, nodes: 1, expect: cell.connections })] };
  },
};
