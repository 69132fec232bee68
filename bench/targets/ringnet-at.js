'use strict';
// ringnet from another checkout, for before/after comparisons in one interleaved run:
//   ringnet bench --workload echo --targets 'ringnet-epoll,ringnet-at:{"root":"/tmp/old-main"}'
//   ringnet bench --preset http --targets 'ringnet-epoll,ringnet-at:{"root":"/tmp/old-main"}'
// `root` is a built checkout (its dist/ and bench/servers/ serve, as for this checkout's ringnet
// targets); the other keys are server options as for ringnet-epoll (backend defaults to epoll).
const fs = require('node:fs');
const path = require('node:path');
const { ringnetAvailable, serverFor, WORKLOADS } = require('./shared/ringnet');

module.exports = {
  name: 'ringnet-at',
  description: 'ringnet built in another checkout: options {"root": DIR, ...server options}',
  workloads: WORKLOADS,
  stats: true,
  adHoc: true,
  available: () => true, // checked per cell, where the root is known
  /** Checked when the plan is built: a root that is not a built checkout is a usage error. */
  validate(extra = {}) {
    if (typeof extra.root !== 'string' || extra.root === '') return null;   // skipped per cell, saying why
    const cli = path.join(path.resolve(extra.root), 'dist', 'cli', 'main.js');
    return fs.existsSync(cli) ? null : `${cli} not found (build that checkout first)`;
  },
  server(cell, extra = {}) {
    const { root, ...options } = extra;
    if (typeof root !== 'string' || root === '') return { skip: 'ringnet-at needs options {"root": "<checkout>"}' };
    const backend = options.backend ?? 'epoll';
    const ok = ringnetAvailable(backend, path.resolve(root));
    if (ok !== true) return { skip: ok };
    return serverFor(path.resolve(root), backend, cell, { ...options, backend });
  },
};
