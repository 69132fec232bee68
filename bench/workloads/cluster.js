'use strict';
// Cross-node broadcast (issue 15, bench/cluster.js in the lab): `nodes` ringnet nodes sharing a
// private Redis (bench/servers/ringnet-cluster.js starts the broker and the nodes as one
// server), `connections` clients spread over them (one native broadcast client per node), and
// pushes sent on node 0 to the room every connection is in: each push crosses the broker to
// the other nodes. Figures as for broadcast (lab's runPushes): time from node 0's push until
// the last connection on any node has it, and server CPU per delivered message, where the
// server's process tree holds the nodes and the broker. The reference is one node holding
// every connection, no broker (target ringnet-one-node): what going cross-node costs.
// Cell parameters: connections, pushes, nodes.
const fs = require('node:fs');
const path = require('node:path');
const { runPushes, ensureClient } = require('./broadcast');

function hasRedis() {
  return (process.env.PATH || '').split(':').some((d) => d && fs.existsSync(path.join(d, 'redis-server')));
}

module.exports = {
  name: 'cluster',
  description: 'cross-node broadcast: nodes sharing a private Redis, time until every member on every node has a push, CPU per delivery (nodes + broker)',
  unit: 'deliveries',
  reference: 'ringnet-one-node',
  portOnly: false,
  defaults: { connections: 10000, pushes: 20, nodes: 3 },
  label: (cell) => `cluster-x${cell.nodes}-c${cell.connections}-n${cell.pushes}`,
  prepare: ensureClient,
  unavailable: () => (hasRedis() ? null : 'redis-server is not installed (apt-get install redis-server)'),
  run: runPushes,
};
module.exports.hasRedis = hasRedis;
