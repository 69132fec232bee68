'use strict';
// The machine's speed during a measured window, by a yardstick no target can change: the lab's
// own process (pinned to the generator's CPU) runs the same short piece of integer arithmetic
// every few milliseconds and times it. On the 2-core VM the whole machine speeds up and slows
// down from one second to the next (both CPUs at once: the generator's CPU per operation moves
// with the server's, r = 0.75-0.97 per window), but the generator's CPU per operation cannot be
// the yardstick for a verdict: it depends on the target too (a pipelining server makes the
// generator's reads cheaper; on docs/bench/default-quiet.json the generator cost 0.12-0.99 of
// its cost against the reference, per target). The probe's work is fixed, in registers, no
// system calls, so what it measures is the CPU's speed, not the server's behaviour
// (lab/adjust.js uses it as a control variate; bench/README.md, "Speed-adjusted CPU/op").
// Each burst is timed in the process's CPU time (getrusage: microseconds of its own running),
// not by the wall clock: on a shared CPU the wall clock counts the time others ran (with two
// other engineers' jobs beside the lab, the wall-clock burst took 3x longer for a minute while
// the server's CPU/op moved by ±10%). The median over the window's bursts drops a burst that
// shared its microseconds with a GC or libuv thread of the lab.

/** Iterations of one burst: about 45 µs on the 2-core VM (0.5% of the generator's CPU at 10 ms). */
const PROBE_ITERATIONS = 40000;
const PROBE_EVERY_MS = 10;

let sink = 0;   // keeps the loop's result alive (so it is not optimized away)

/** One burst of fixed work: the CPU time it took, in microseconds. */
function burst(iterations = PROBE_ITERATIONS) {
  const t = process.cpuUsage();
  let x = sink | 1;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  sink ^= x;
  const d = process.cpuUsage(t);
  return d.user + d.system;
}

/** start() / stop() -> { probeUs: median burst time, bursts } (probeUs NaN under 5 bursts). */
function speedProbe({ everyMs = PROBE_EVERY_MS, iterations = PROBE_ITERATIONS } = {}) {
  let times = [];
  let timer = null;
  return {
    start() {
      times = [];
      for (let i = 0; i < 3; i++) burst(iterations);   // compiled before the window's first burst
      timer = setInterval(() => times.push(burst(iterations)), everyMs);
      if (timer.unref) timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      const v = times.slice().sort((a, b) => a - b);
      const m = v.length >> 1;
      const probeUs = v.length < 5 ? NaN : v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
      return { probeUs, bursts: v.length };
    },
  };
}

module.exports = { speedProbe, burst, PROBE_ITERATIONS, PROBE_EVERY_MS };
