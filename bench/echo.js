'use strict';
// `npm run bench:echo`: the lab's echo preset (epoll vs io_uring vs node:net, 8 cells, ratios
// io_uring/epoll and each vs node:net). Same as `ringnet bench --preset echo [flags]`; any
// `ringnet bench` flag may follow, e.g. --quick, --rounds 5,
// --targets 'node:net,ringnet-epoll:{"workers":2,"acceptMode":"reuseport"}'.
const path = require('node:path');

const cli = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
let main;
try {
  ({ main } = require(cli));
} catch {
  process.stderr.write('bench/echo.js: dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const argv = process.argv.slice(2);
const args = argv.some((a) => a === '--preset' || a.startsWith('--preset=') || a === '--config' || a.startsWith('--config='))
  ? argv : ['--preset', 'echo', ...argv];
main(['bench', ...args]).then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`ringnet: ${err.message}\n`);
  process.exitCode = err.code === 'ERR_USAGE' ? 2 : 1;
});
