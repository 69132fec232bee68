'use strict';
// What must not outlive the lab: servers (and what they started: a cluster's private Redis),
// stopped (parked) servers, IRQ affinities it changed. Each is registered here while it exists;
// on SIGINT / SIGTERM / SIGHUP the lab runs every cleanup and exits 128 + the signal's number,
// and at any exit the synchronous ones run (process.on('exit') cannot wait). A lab killed with
// SIGKILL cannot clean up: its servers see their stdin close instead (ringnet-cluster.js stops
// its nodes and broker on that).
const os = require('node:os');

const cleanups = new Set();
let installed = false;

function runAll() {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try { fn(); } catch { /* best effort: the next one still runs */ }
  }
}

function install() {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      runAll();
      process.exit(128 + (os.constants.signals[sig] || 0));
    });
  }
}

/** Registers a synchronous cleanup; returns the function that unregisters it (once done). */
function onCleanup(fn) {
  install();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

module.exports = { onCleanup };
