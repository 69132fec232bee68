'use strict';
// c-limit: the C reference server (bench/c-limit, issue 12): the same framed echo and HTTP hello
// with no JavaScript, epoll, one thread per core. Every report then shows how far each target is
// from the limit of this machine, measured in the same run. Built with g++ on first use.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { isTlsCell } = require('../workloads/shared/tls-certs');

const DIR = path.join(__dirname, '..', 'c-limit');
const BIN = path.join(__dirname, '..', 'bin', 'c-limit');
const SCRIPT = path.join(__dirname, '..', 'servers', 'c-limit.js');

/** Rebuilds bench/bin/c-limit when missing or older than its sources; true or why not. */
function ensureBuilt() {
  const newest = Math.max(...fs.readdirSync(DIR).map((f) => fs.statSync(path.join(DIR, f)).mtimeMs));
  if (fs.existsSync(BIN) && fs.statSync(BIN).mtimeMs >= newest) return true;
  const r = spawnSync('sh', [path.join(DIR, 'build.sh')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  return r.status === 0 ? true : `bench/c-limit build failed (needs g++): ${(r.stderr || '').trim().slice(0, 300)}`;
}

module.exports = {
  name: 'c-limit',
  description: 'C reference server: epoll, one thread per core, no JavaScript (bench/c-limit)',
  workloads: ['echo', 'http'],
  stats: false,
  optional: true, // a reference that needs a build step: joins every echo/http cell when it builds
  available: ensureBuilt,
  /** The cells it joins as an optional target: not TLS ones. */
  serves: (cell) => !isTlsCell(cell),
  server(cell) {
    if (cell.acceptMode && cell.acceptMode !== 'dispatch') return { skip: 'c-limit has one accept mode (SO_REUSEPORT per thread)' };
    if (cell.socketFlags && Object.keys(cell.socketFlags.connection || {}).length) return { skip: 'c-limit sets only TCP_NODELAY' };
    if (cell.echoWrites === 2) return { skip: 'c-limit answers with one write' };
    if (cell.reconnect) return { skip: 'c-limit is measured on steady connections' };
    if (cell.tls) return { skip: 'c-limit speaks no TLS' };
    const mode = cell.workload === 'http' ? 'http' : 'echo';
    return { args: [SCRIPT, '0', '127.0.0.1', mode] };
  },
};
