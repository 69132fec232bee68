'use strict';
// Cross-node push rate through one broker (issue 15's burst figure, bench/cluster.js's last
// line, in the lab): bench/servers/ringnet-cluster-burst.js runs a private Redis and two ringnet
// nodes as one server; on "burst N" the publisher node pushes N goim packets (64-byte body) to
// a room whose one member is a client of the other node, as fast as its cluster queue takes
// them. Figures: cross-node pushes per second (packets the member's client had, over the time
// from the first send until the last arrived) and server CPU per push (both nodes and the
// broker: the server's process tree). No generator process: the publisher is inside the
// server. A warm-up burst (a tenth, at most 1000) runs first when the plan has a warm-up.
// Cell parameter: pushes (the burst, default 20,000). No Node reference: the backends compare.
const { windowSampler } = require('../lab/sampler');
const { hasRedis } = require('./cluster');

async function burst(server, n) {
  const r = await server.request(`burst ${n}`, 'burst', 120000);
  if (!r) throw new Error(`no answer to a burst of ${n} within 120 s`);
  if (r.error) throw new Error(r.error);
  return r;
}

module.exports = {
  name: 'cluster-burst',
  description: 'cross-node push rate: one node pushes a burst through a private Redis to a member on another node; pushes/s, CPU per push (nodes + broker)',
  unit: 'pushes',
  portOnly: false,
  defaults: { pushes: 20000 },
  label: (cell) => `burst-x2-n${cell.pushes}`,
  prepare() {},
  unavailable: () => (hasRedis() ? null : 'redis-server is not installed (apt-get install redis-server)'),
  async run(server, target, cell, ctx) {
    try {
      if (ctx.warmup > 0) await burst(server, Math.max(1, Math.min(1000, Math.floor(cell.pushes / 10))));
      const sampler = windowSampler(server, target);
      await sampler.begin();
      const r = await burst(server, cell.pushes);
      await sampler.end();
      const figures = sampler.figures(NaN, r.received);
      return {
        ...figures,
        ops: r.received,
        opsPerSec: r.received / r.seconds,
        burstSec: r.seconds,
        dropped: r.dropped,
        errors: cell.pushes - r.received,
        ...(r.received < cell.pushes ? { error: `${cell.pushes - r.received} of ${cell.pushes} pushes never reached the member` } : {}),
      };
    } catch (e) {
      return { error: e.message };
    }
  },
};
