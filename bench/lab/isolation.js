'use strict';
// Keeping the pinned server's CPU for the server being measured. Measured on the 2-core VM
// (`perf sched timehist -C 0` during sliced echo cells; bench/README.md, "Who else runs on the
// server's CPU"): besides the measured server, the server CPU ran the lab's own Node process
// (reading /proc at every window edge, the generator's output) and the live servers of the
// other targets of the cell (their timers, GC, reading stdin) — each one unpinned or pinned to
// that same CPU. So:
// - the runner pins itself (every thread) to the generator's CPU for the cells it pins, and
//   any helper it starts unpinned (broker, wrk's or autocannon's controller) inherits that;
// - between slices the servers not being measured are "parked": SIGSTOP (default: a stopped
//   process runs nowhere) or moved to the generator's CPU (`--park move`), and taken back
//   (SIGCONT, or the server CPUs again) just before their own slice;
// - `--steer-irqs` (root) points every IRQ the kernel lets us move at the generator's CPU for
//   the run and restores each one's affinity afterwards.
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const proc = require('../lib/proc');

const PARK_MODES = ['stop', 'move', 'off'];

/** The CPU list a task may run on (`Cpus_allowed_list` of /proc/<pid>/status), or null. */
function allowedCpus(pid) {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

/** Every thread of `pid` may run on `cpus` only (taskset -a); false if the process is gone. */
function setAffinity(pid, cpus) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpus), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** setAffinity for a process and every descendant (a cluster server holds nodes and a broker). */
function setTreeAffinity(pid, cpus) {
  for (const p of proc.processTree(pid)) setAffinity(p, cpus);
}

/** Signals a process and every descendant (leaves first for SIGSTOP, the root first for SIGCONT). */
function signalTree(pid, sig) {
  const tree = proc.processTree(pid);
  for (const p of sig === 'SIGSTOP' ? tree.reverse() : tree) {
    try { process.kill(p, sig); } catch { /* gone */ }
  }
}

/**
 * The runner's own affinity: pin(cpus) moves the lab process to `cpus` (null = every CPU it
 * started with); restore() puts it back. Children spawned later inherit what is current.
 */
function runnerAffinity(pid = process.pid) {
  const initial = allowedCpus(pid);
  let current = initial;
  return {
    initial,
    pin(cpus) {
      const want = cpus || initial;
      if (!want || want === current) return;
      if (setAffinity(pid, want)) current = want;
    },
    restore() { this.pin(null); },
  };
}

/**
 * Parking of a cell's live servers between their slices: park(handle) / unpark(handle).
 * mode 'stop': SIGSTOP / SIGCONT of the server's process tree; 'move': its affinity goes to
 * the generator's CPUs and back to the server's; 'off': nothing.
 */
function parker(mode, { serverCpus, generatorCpus }) {
  const move = mode === 'move' && serverCpus && generatorCpus;
  const parked = new Set();
  return {
    mode: mode === 'move' && !move ? 'off' : mode,
    park(handle) {
      if (parked.has(handle)) return;
      if (mode === 'stop') signalTree(handle.pid, 'SIGSTOP');
      else if (move) setTreeAffinity(handle.pid, generatorCpus);
      else return;
      parked.add(handle);
    },
    unpark(handle) {
      if (!parked.delete(handle)) return;
      if (mode === 'stop') signalTree(handle.pid, 'SIGCONT');
      else setTreeAffinity(handle.pid, serverCpus);
    },
    /** Everything parked runs again (before the servers are stopped). */
    releaseAll() { for (const h of [...parked]) this.unpark(h); },
  };
}

/**
 * --steer-irqs: every /proc/irq/N/smp_affinity_list the kernel accepts a write to is set to
 * `cpus`; returns { moved: [irq...], restore() }. Needs root; IRQs that refuse (per-CPU timers,
 * managed vectors) are left as they are.
 */
function steerIrqs(cpus) {
  const saved = [];
  let names = [];
  try {
    names = fs.readdirSync('/proc/irq').filter((n) => /^\d+$/.test(n));
  } catch {
    return { moved: [], restore() {} };
  }
  for (const n of names) {
    const file = `/proc/irq/${n}/smp_affinity_list`;
    try {
      const before = fs.readFileSync(file, 'utf8').trim();
      if (before === String(cpus)) continue;
      fs.writeFileSync(file, String(cpus));
      saved.push([file, before]);
    } catch {
      // not movable, or not root
    }
  }
  return {
    moved: saved.map(([f]) => Number(f.split('/')[3])),
    restore() {
      for (const [file, before] of saved.splice(0)) {
        try { fs.writeFileSync(file, before); } catch { /* it went away */ }
      }
    },
  };
}

module.exports = { PARK_MODES, allowedCpus, setAffinity, runnerAffinity, parker, steerIrqs };
