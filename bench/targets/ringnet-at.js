'use strict';
// ringnet from another checkout, for before/after comparisons in one interleaved run:
//   ringnet bench --workload echo --targets 'ringnet-epoll,ringnet-at:{"root":"/tmp/old-main"}'
// `root` is a built checkout (its dist/cli/main.js serves); the other keys are server options
// as for ringnet-epoll (backend defaults to epoll).
const path = require('node:path');
const { ringnetAvailable, serveArgs } = require('./ringnet');

module.exports = {
  name: 'ringnet-at',
  description: 'ringnet built in another checkout: options {"root": DIR, ...server options}',
  workloads: ['echo', 'idle'],
  stats: true,
  adHoc: true,
  available: () => true, // checked per cell, where the root is known
  server(cell, extra = {}) {
    const { root, ...options } = extra;
    if (typeof root !== 'string' || root === '') return { skip: 'ringnet-at needs options {"root": "<checkout>"}' };
    const backend = options.backend ?? 'epoll';
    const ok = ringnetAvailable(backend, path.resolve(root));
    if (ok !== true) return { skip: ok };
    return serveArgs(path.join(path.resolve(root), 'dist', 'cli', 'main.js'), backend, cell, { ...options, backend });
  },
};
