'use strict';
// The HTTP generator process: autocannon's programmatic API, in its own process so that its CPU
// is measured apart from the server and the runner. Runs a warm-up instance, prints
// {"phase":"measure"} on stderr, runs the measured instance, prints {"phase":"done"}, then one
// JSON result line on stdout (latency in µs, the generator's CPU seconds in the window).
// Usage: node autocannon-child.js '{"url":...,"connections":N,"pipelining":N,"duration":S,"warmup":S}'
const autocannon = require('autocannon');

const cfg = JSON.parse(process.argv[2]);

function run(duration) {
  return autocannon({ url: cfg.url, connections: cfg.connections, pipelining: cfg.pipelining, duration });
}

async function main() {
  if (cfg.warmup > 0) await run(cfg.warmup);
  const cpu0 = process.cpuUsage();
  process.stderr.write('{"phase":"measure"}\n');
  const r = await run(cfg.duration);
  process.stderr.write('{"phase":"done"}\n');
  const cpu = process.cpuUsage(cpu0);
  // autocannon records whole milliseconds: 0 means "under 1 ms", reported as null (not 0 µs).
  const ms = (x) => (Number.isFinite(x) && x > 0 ? x * 1000 : null);
  process.stdout.write(JSON.stringify({
    requests: r.requests.total,
    seconds: r.duration,
    requestsPerSec: r.requests.total / r.duration,
    p50Us: ms(r.latency.p50), p99Us: ms(r.latency.p99), p999Us: ms(r.latency.p99_9), maxUs: ms(r.latency.max),
    latencyResolutionUs: 1000,
    errors: r.errors + r.timeouts + r.non2xx,
    genCpuSec: (cpu.user + cpu.system) / 1e6,
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`autocannon: ${e && e.stack || e}\n`);
  process.exit(1);
});
