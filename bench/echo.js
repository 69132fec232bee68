'use strict';
// `npm run bench:echo`: the lab's echo preset (epoll vs io_uring vs node:net, 8 cells, ratios
// io_uring/epoll and each vs node:net). Same as `ringnet bench --preset echo [flags]`; any
// `ringnet bench` flag may follow, e.g. --quick, --rounds 5,
// --targets 'node:net,ringnet-epoll:{"workers":2,"acceptMode":"reuseport"}'.
require('./lib/preset-cli').runPreset('echo', __filename);
