'use strict';
// Launches the C reference server (bench/bin/c-limit, sources in bench/c-limit) for the lab:
// the lab starts servers as node scripts, so this forwards the C server's own ready line
// (which carries the C process's pid: the lab measures that process's CPU, not this one's)
// and passes SIGTERM/SIGINT on. Usage: node c-limit.js [port=0] [host=127.0.0.1] [echo|http] [threads]
const path = require('node:path');
const { spawn } = require('node:child_process');

const BIN = path.join(__dirname, '..', 'bin', 'c-limit');
const [port = '0', host = '127.0.0.1', mode = 'echo', threads] = process.argv.slice(2);
const args = ['--port', port, '--host', host, '--mode', mode];
if (threads) args.push('--threads', threads);

const child = spawn(BIN, args, { stdio: ['ignore', 'inherit', 'inherit'] });
child.on('error', (e) => { process.stderr.write(`c-limit: ${e.message} (build it: sh bench/c-limit/build.sh)\n`); process.exit(1); });
child.on('exit', (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => child.kill('SIGTERM'));
