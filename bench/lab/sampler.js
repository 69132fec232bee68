'use strict';
// Samples a server at the edges of a generator's measured window: CPU time of its whole process
// tree (a brought-along server may fork or run under a shell) and of each thread of the main
// process (/proc), machine-wide busy time (to show other load), RSS of the tree, load average,
// and, for servers that answer "stats" (ringnet serve --json), per-worker counters.
const proc = require('../lib/proc');

function snapshot(pid) {
  return { t: performance.now(), cpu: proc.treeCpuSeconds(pid), threads: proc.threadCpuSeconds(pid), sys: proc.systemBusySeconds() };
}

/** Returns { begin(), end(), figures(genCpuSec, ops) }; begin/end resolve once sampled. */
function windowSampler(server, target) {
  let a = null;
  let b = null;
  // Only servers that answer "stats" on stdin (ringnet serve --json) are asked: others would
  // leave each window edge waiting for the answer's timeout.
  const stats = () => (target.stats && server.answersStats ? server.request('stats') : Promise.resolve(null));
  return {
    async begin() {
      a = snapshot(server.pid);
      a.stats = await stats();
    },
    async end() {
      b = snapshot(server.pid);
      b.rss = proc.treeRssBytes(server.pid);
      b.load = proc.loadAverage();
      b.stats = await stats();
    },
    get sampled() { return Boolean(a && b); },
    /** Figures of the window; genCpuSec = the generator's CPU in the same window. */
    figures(genCpuSec, ops) {
      if (!a || !b) return { error: 'the generator never reported its measured window' };
      const windowSec = (b.t - a.t) / 1000;
      const serverCpuSec = b.cpu - a.cpu;
      const threadCpu = {};
      for (const [name, sec] of Object.entries(b.threads)) threadCpu[name] = sec - (a.threads[name] || 0);
      return {
        windowSec,
        serverCpuSec,
        serverCores: serverCpuSec / windowSec,
        serverCpuUsPerOp: ops > 0 ? (serverCpuSec * 1e6) / ops : NaN,
        genCores: Number.isFinite(genCpuSec) ? genCpuSec / windowSec : NaN,
        // Machine-wide busy cores outside server and generator: someone else's load.
        otherCores: (b.sys - a.sys - serverCpuSec - (genCpuSec || 0)) / windowSec,
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
