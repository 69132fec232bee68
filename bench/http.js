'use strict';
// `npm run bench:http`: the lab's http preset: HTTP hello world on ringnet-epoll,
// ringnet-io_uring and node:http, keep-alive, 16 pipelined and a new connection per request,
// with wrk and autocannon. Same as `ringnet bench --preset http [flags]`; any `ringnet bench`
// flag may follow, e.g. --quick, --rounds 5, --http-generator wrk, --target 'bun=bun s.js {port}'.
require('./lib/preset-cli').runPreset('http', __filename);
