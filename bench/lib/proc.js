'use strict';
// Sampling another process through /proc: CPU time, RSS, open fds, file limit.
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

let clkTck = 0;
/** Clock ticks per second used by /proc/<pid>/stat (`getconf CLK_TCK`, almost always 100). */
function clockTicks() {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of the whole process (all threads), in seconds; NaN if it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15 (proc(5)).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[14 - 3]) + Number(f[15 - 3])) / clockTicks();
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of each thread of a process, by thread name (/proc/<pid>/task/<tid>/comm and
 * stat). Threads with the same name are summed. Reactor threads are named "ringnet-w<N>".
 */
function threadCpuSeconds(pid) {
  const out = {};
  let tids = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = tid === String(pid) ? 'main' : comm;
      out[name] = (out[name] || 0) + (Number(f[14 - 3]) + Number(f[15 - 3])) / clockTicks();
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

/** 1-, 5- and 15-minute load averages and running/total tasks (/proc/loadavg). */
function loadAverage() {
  try {
    const [one, five, fifteen, tasks] = fs.readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/);
    return { one: Number(one), five: Number(five), fifteen: Number(fifteen), tasks };
  } catch {
    return null;
  }
}

/** Resident set size in bytes (VmRSS), or NaN. */
function rssBytes(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Number of open file descriptors, or NaN. */
function fdCount(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** Soft RLIMIT_NOFILE of a process ("Max open files" in /proc/<pid>/limits), or NaN. */
function fileLimit(pid) {
  try {
    const m = /^Max open files\s+(\S+)/m.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return m ? (m[1] === 'unlimited' ? Infinity : Number(m[1])) : NaN;
  } catch {
    return NaN;
  }
}

/** CPU numbers of a list such as "0", "0-2" or "0,2-3". */
function cpuListNumbers(list) {
  return String(list).split(',').flatMap((part) => {
    const [a, b = a] = part.split('-').map(Number);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

/** Busy seconds of the given CPUs ("0" or "0-2": /proc/stat's cpuN lines, summed), or NaN. */
function cpusBusySeconds(list) {
  try {
    const want = new Set(cpuListNumbers(list).map((n) => `cpu${n}`));
    let sum = 0;
    let found = 0;
    for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (!want.has(f[0])) continue;
      const v = f.slice(1).map(Number);
      // user nice system irq softirq; not steal (the hypervisor's, counted apart as steal)
      sum += v[0] + v[1] + v[2] + v[5] + v[6];
      found++;
    }
    return found === want.size ? sum / clockTicks() : NaN;
  } catch {
    return NaN;
  }
}

/** Busy CPU seconds of the whole machine, all CPUs (first line of /proc/stat), or NaN. */
function systemBusySeconds() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) / clockTicks();
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds the hypervisor gave to someone else while this VM's CPUs wanted to run (steal,
 * the 8th field of /proc/stat's first line), or NaN: load from outside the machine.
 */
function systemStealSeconds() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return Number.isFinite(f[7]) ? f[7] / clockTicks() : NaN;
  } catch {
    return NaN;
  }
}

/** pid -> parent pid of every process on the machine (/proc/<pid>/stat field 4). */
function parentMap() {
  const parents = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended between readdir and read
    }
  }
  return parents;
}

/** The pid and all its descendants (a brought-along server may fork workers or run under a shell). */
function processTree(pid) {
  const parents = parentMap();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, pp] of parents) if (pp === tree[i] && !tree.includes(p)) tree.push(p);
  return tree;
}

/**
 * CPU seconds of a whole process tree (`tree`: its pids, when the caller has them already): utime + stime of each live member plus cutime + cstime
 * (children it has already reaped), so a worker process that exits inside the window still counts.
 */
function treeCpuSeconds(pid, tree = processTree(pid)) {
  let sum = 0;
  let alive = false;
  for (const p of tree) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += (Number(f[14 - 3]) + Number(f[15 - 3]) + Number(f[16 - 3]) + Number(f[17 - 3])) / clockTicks();
      if (p === pid) alive = true;
    } catch {
      // gone
    }
  }
  return alive ? sum : NaN;
}

/** Open file descriptors of a whole process tree, or NaN. */
function treeFdCount(pid) {
  const xs = processTree(pid).map(fdCount).filter(Number.isFinite);
  return xs.length ? xs.reduce((a, b) => a + b, 0) : NaN;
}

/** RSS of a whole process tree in bytes (shared pages are counted once per process). */
function treeRssBytes(pid, tree = processTree(pid)) {
  const xs = tree.map(rssBytes).filter(Number.isFinite);
  return xs.length ? xs.reduce((a, b) => a + b, 0) : NaN;
}

/**
 * Per-thread scheduler times of a whole process tree, in nanoseconds, by "pid/tid":
 * { run, wait } from /proc/<pid>/task/<tid>/schedstat (time on a CPU; time runnable but
 * waiting for one, i.e. someone else had the CPU). Nanoseconds, where /proc/<pid>/stat counts
 * 10 ms ticks: short windows need the precision. null when the kernel has no schedstat.
 */
function treeSchedNs(pid, tree = processTree(pid)) {
  const out = new Map();
  let any = false;
  for (const p of tree) {
    let tids = [];
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const [run, wait] = fs.readFileSync(`/proc/${p}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
        out.set(`${p}/${tid}`, { run, wait });
        any = true;
      } catch {
        // the thread ended between readdir and read, or no schedstat
      }
    }
  }
  return any ? out : null;
}

/**
 * CPU and run-queue wait seconds between two treeSchedNs() snapshots: threads present in both
 * count their difference, threads born in between count whole (a thread that ended in between
 * is missing: the caller cross-checks against the tick-based tree CPU).
 */
function schedDelta(a, b) {
  if (!a || !b) return null;
  let run = 0;
  let wait = 0;
  for (const [k, v] of b) {
    const p = a.get(k) || { run: 0, wait: 0 };
    run += v.run - p.run;
    wait += v.wait - p.wait;
  }
  return { cpuSec: run / 1e9, waitSec: wait / 1e9 };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** RSS once two samples `gapMs` apart agree within `tolerance` (or after `tries` pairs). */
async function stableRss(pid, { gapMs = 500, tolerance = 0.01, tries = 20, read = rssBytes } = {}) {
  let prev = read(pid);
  for (let i = 0; i < tries; i++) {
    await sleep(gapMs);
    const cur = read(pid);
    if (Math.abs(cur - prev) <= tolerance * prev) return { rss: cur, stable: true };
    prev = cur;
  }
  return { rss: prev, stable: false };
}

module.exports = { clockTicks, cpuSeconds, treeCpuSeconds, treeSchedNs, schedDelta, treeRssBytes, treeFdCount, processTree, parentMap, cpusBusySeconds, threadCpuSeconds, loadAverage, systemBusySeconds, systemStealSeconds, rssBytes, fdCount, fileLimit, stableRss, sleep };
