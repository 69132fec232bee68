'use strict';
// Machine facts recorded with every result: what a figure depends on besides the code.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const proc = require('../lib/proc');
const { ringnetAvailable } = require('../targets/shared/ringnet');

function gitCommit() {
  try {
    const cwd = path.join(__dirname, '..', '..');
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return null;
  }
}

function machineFacts() {
  const cpus = os.cpus();
  const backend = (b) => { const ok = ringnetAvailable(b); return ok === true ? 'available' : ok; };
  return {
    kernel: `${os.type()} ${os.release()}`,
    cpuModel: cpus.length ? cpus[0].model : 'unknown',
    cpuCount: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    backends: { epoll: backend('epoll'), io_uring: backend('io_uring') },
    openFileLimit: proc.fileLimit(process.pid),
    clockTicks: proc.clockTicks(),
    loadAverageAtStart: proc.loadAverage(),
    ringnetCommit: gitCommit(),
    wrk: hasCommand('wrk'),
  };
}

function hasCommand(name) {
  return (process.env.PATH || '').split(':').some((d) => d && fs.existsSync(path.join(d, name)));
}

module.exports = { machineFacts };
