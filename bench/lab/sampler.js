'use strict';
// Samples a server at the edges of a generator's measured window: CPU time of its whole process
// tree (a brought-along server may fork or run under a shell; nanoseconds from schedstat, with
// the run-queue wait of its threads) and of each thread of the main
// process (/proc), machine-wide busy time (to show other load), RSS of the tree, load average,
// and, for servers that answer "stats" (ringnet serve --json), per-worker counters.
const proc = require('../lib/proc');
const { speedProbe } = require('./probe');

function snapshot(pid, serverCpus, treeOf) {
  // The tree once per snapshot; the windows mode passes its own (lab/windows.js: scanning /proc
  // for it takes ~7 ms on the 2-core VM, and it samples every 100-250 ms).
  const tree = treeOf(pid);
  return { t: performance.now(), tree, cpu: proc.treeCpuSeconds(pid, tree), sched: proc.treeSchedNs(pid, tree), threads: proc.threadCpuSeconds(pid),
    sys: proc.systemBusySeconds(), steal: proc.systemStealSeconds(), serverCpusBusy: serverCpus ? proc.cpusBusySeconds(serverCpus) : NaN };
}

/**
 * The server's CPU seconds in a window: the scheduler's nanoseconds (schedstat) where they
 * account for everything the 10 ms ticks of /proc/<pid>/stat saw; the ticks where a thread or
 * child ended inside the window with CPU time schedstat no longer shows.
 */
function windowCpu(a, b) {
  const ticks = b.cpu - a.cpu;
  const sched = proc.schedDelta(a.sched, b.sched);
  // Two ticks of quantization at each edge, plus 3%.
  if (sched && Math.abs(ticks - sched.cpuSec) <= 4 / proc.clockTicks() + 0.03 * ticks) return { sec: sched.cpuSec, waitSec: sched.waitSec, source: 'schedstat' };
  return { sec: ticks, waitSec: sched ? sched.waitSec : NaN, source: 'ticks' };
}

/**
 * Returns { begin(), end(), figures(genCpuSec, ops) }; begin/end resolve once sampled.
 * treeOf(pid): the server's process tree (default: scanned at each edge).
 */
function windowSampler(server, target, { treeOf = proc.processTree } = {}) {
  let a = null;
  let b = null;
  const probe = speedProbe();   // the machine's speed in the window (lab/probe.js)
  let speed = { probeUs: NaN, bursts: 0 };
  // Only servers that answer "stats" on stdin (ringnet serve --json) are asked: others would
  // leave each window edge waiting for the answer's timeout.
  const stats = () => (target.stats && server.answersStats ? server.request('stats') : Promise.resolve(null));
  return {
    async begin() {
      a = snapshot(server.pid, server.cpus, treeOf);
      a.stats = await stats();
      probe.start();
    },
    async end() {
      speed = probe.stop();
      b = snapshot(server.pid, server.cpus, treeOf);
      b.rss = proc.treeRssBytes(server.pid, b.tree);
      b.load = proc.loadAverage();
      b.stats = await stats();
    },
    get sampled() { return Boolean(a && b); },
    /** Figures of the window; genCpuSec = the generator's CPU in the same window. */
    figures(genCpuSec, ops) {
      if (!a || !b) return { error: 'the generator never reported its measured window' };
      const windowSec = (b.t - a.t) / 1000;
      const cpu = windowCpu(a, b);
      const serverCpuSec = cpu.sec;
      const threadCpu = {};
      for (const [name, sec] of Object.entries(b.threads)) threadCpu[name] = sec - (a.threads[name] || 0);
      return {
        windowSec,
        serverCpuSec,
        serverCores: serverCpuSec / windowSec,
        serverCpuSource: cpu.source,
        // Share of the window the server was runnable but another task had its CPU: load of
        // someone else on the server's own CPU (0 on a quiet machine with the server pinned).
        serverWaitShare: cpu.waitSec / windowSec,
        // Busy time of the (pinned) server's CPUs not spent by the server itself: others that ran
        // there. Unlike the wait above it does not count the server's own threads taking turns
        // on its CPU. /proc/stat counts 10 ms ticks: about ±0.02 s per window edge.
        // Not clamped here: the slices of a round are averaged first (lab/slices.js), and
        // clamping each short window at 0 would bias that average up by the ticks' quantization.
        serverCpuOthersSigned: (b.serverCpusBusy - a.serverCpusBusy - serverCpuSec) / windowSec,
        serverCpuOthers: Math.max(0, (b.serverCpusBusy - a.serverCpusBusy - serverCpuSec) / windowSec),
        serverCpuUsPerOp: ops > 0 ? (serverCpuSec * 1e6) / ops : NaN,
        genCores: Number.isFinite(genCpuSec) ? genCpuSec / windowSec : NaN,
        // Machine-wide busy cores outside server and generator: someone else's load.
        otherCores: (b.sys - a.sys - serverCpuSec - (genCpuSec || 0)) / windowSec,
        // Of those, cores the hypervisor ran someone else on (steal, 10 ms ticks): load from
        // outside the VM, which nothing inside it shows otherwise.
        stealCores: (b.steal - a.steal) / windowSec,
        // Median time of the lab's fixed burst of arithmetic on the generator's CPU (µs): the
        // machine's speed in the window, whatever the target (lab/probe.js).
        probeUs: speed.probeUs,
        rssBytes: b.rss,
        loadAvg1: b.load ? b.load.one : NaN,
        threadCpu,
        workers: perWorker(a.stats, b.stats, threadCpu),
      };
    },
  };
}

/** Per-worker accepted connections, frames and CPU in the window (ringnet only). */
function perWorker(s0, s1, threadCpu) {
  if (!s1 || !Array.isArray(s1.workers)) return undefined;
  return s1.workers.map((w, i) => {
    const p = (s0 && s0.workers && s0.workers[i]) || {};
    const thread = threadCpu[`ringnet-w${w.worker}`];
    return {
      worker: w.worker,
      accepted: w.accepted - (p.accepted || 0),
      connections: w.connections,
      framesIn: w.framesIn - (p.framesIn || 0),
      // Worker 0 inline runs on the JS thread: its CPU is inside "main" and not split out.
      cpuSec: thread !== undefined ? thread : null,
    };
  });
}

module.exports = { windowSampler };
