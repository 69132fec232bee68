'use strict';
// A private Redis for the lab's cluster servers: redis-server on a unix socket in a fresh temp
// directory, no TCP port, no persistence, a child of the calling server (so it is in that
// server's process tree and process group: the lab counts its CPU and stops it with the rest).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

/** Resolves { child, sock, dir, remove() } once the socket exists; rejects if Redis exits first. */
async function startPrivateRedis(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const sock = path.join(dir, 'redis.sock');
  const child = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  const failed = new Promise((resolve) => {
    child.once('exit', (code) => resolve(`redis-server exited (code ${code})`));
    child.once('error', (e) => resolve(`redis-server: ${e.message}`));
  });
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < 400 && !fs.existsSync(sock); i++) {
    const why = await Promise.race([failed, new Promise((r) => setTimeout(() => r(null), 25))]);
    if (why) { remove(); throw new Error(why); }
  }
  if (!fs.existsSync(sock)) { child.kill('SIGKILL'); remove(); throw new Error('redis-server did not open its socket'); }
  return { child, sock, dir, remove };
}

module.exports = { startPrivateRedis };
