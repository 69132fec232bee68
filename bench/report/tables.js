'use strict';
// The report's tables as data ({ title, header, rows, note }), rendered by the console
// (aligned text), Markdown and HTML renderers alike.
const { num, spread } = require('../lib/stats');

const pct = (x) => `${(x * 100).toFixed(0)}%`;
const pctSpread = (s) => (!s ? '-' : s.n > 1 ? `${pct(s.median)} [${pct(s.min)}–${pct(s.max)}]` : pct(s.median));
const mb = (b) => (Number.isFinite(b) ? `${(b / 1048576).toFixed(1)} MB` : '-');
const med = (s, f = (x) => num(x)) => (s ? f(s.median) : '-');

function figureTables(results, summary) {
  const { plan } = results;
  const tables = [];
  const rounds = plan.rounds > 1 ? `median [min–max] of ${plan.rounds} rounds` : '1 round';
  for (const workload of [...new Set(summary.cells.map((c) => c.workload))]) {
    const cells = summary.cells.filter((c) => c.workload === workload);
    const rows = [];
    if (workload === 'idle') {
      for (const c of cells) for (const [t, s] of Object.entries(c.targets)) {
        rows.push([c.id, t, spread(s.bytesPerConn, 0), med(s.rssBytes, mb), String(s.errors), status(s)]);
      }
      tables.push({ title: 'Idle memory: server RSS growth per idle connection', header: ['cell', 'target', 'bytes/conn', 'RSS after', 'errors', 'note'], rows });
      continue;
    }
    const unit = workload === 'http' ? 'requests' : 'frames';
    for (const c of cells) for (const [t, s] of Object.entries(c.targets)) {
      rows.push([c.id, t, spread(s.opsPerSec, 0), spread(s.p50Us, 1), spread(s.p99Us, 1), med(s.p999Us, (x) => num(x, 1)),
        spread(s.serverCpuUsPerOp, 2), med(s.rssBytes, mb), med(s.genCores), med(s.otherCores), String(s.errors), status(s)]);
    }
    tables.push({
      title: `${workload}: ${rounds}`,
      header: ['cell', 'target', `${unit}/s`, 'p50 µs', 'p99 µs', 'p99.9 µs', `server CPU µs/${unit === 'frames' ? 'frame' : 'req'}`,
        'server RSS', 'gen cores', 'other load', 'errors', 'note'],
      rows,
      note: (workload === 'http' ? 'autocannon measures latency in whole milliseconds: "-" = under 1 ms (wrk cells: µs). ' : '') +
        'gen cores: the generator\'s own CPU (near 1.0 = a saturated generator, not a server limit). ' +
        'other load: busy cores outside server and generator (/proc/stat): above ~0.1 the machine was shared.',
    });
  }

  const ratioRows = (kind) => summary.ratios.filter((r) => r.kind === kind && Object.keys(r.figures).length).map((r) => [r.cell, `${r.a} ÷ ${r.b}`,
    spread(r.figures.serverCpuUsPerOp || r.figures.bytesPerConn, 2, 'x'), spread(r.figures.opsPerSec, 2, 'x'), spread(r.figures.p99Us, 2, 'x')]);
  const ratioHeader = ['cell', 'ratio', 'CPU/op (or bytes/conn)', 'throughput', 'p99'];
  const pair = ratioRows('pair');
  if (pair.length) tables.push({ title: 'Pairs (same round)', header: ratioHeader, rows: pair });
  const base = ratioRows('baseline');
  if (base.length) tables.push({ title: `Against the baseline ${plan.baseline} (same round)`, header: ratioHeader, rows: base });
  const variant = ratioRows('variant');
  if (variant.length) tables.push({ title: `Socket flags against ${plan.compareVariants} (same target, same round)`, header: ratioHeader, rows: variant });

  const balance = [];
  for (const c of summary.cells) for (const [t, s] of Object.entries(c.targets)) {
    if (!s.workers) continue;
    const acc = s.workers.map((w) => med(w.accepted, (x) => num(x, 0))).join(' / ');
    const cpu = s.workers.map((w) => med(w.cpuSec, (x) => num(x, 2))).join(' / ');
    balance.push([c.id, t, acc, pctSpread(s.busiestAcceptShare), cpu, pctSpread(s.busiestCpuShare),
      med(s.reconnectsPerSec, (x) => num(x, 0))]);
  }
  if (balance.length) {
    tables.push({ title: 'Per-worker balance (median over rounds, measured window)', header: ['cell', 'target',
      'accepted w0 / w1 / …', 'busiest worker\'s share of accepts (per run)', 'CPU s w0 / w1 / …', 'busiest worker\'s CPU share', 'connections/s'],
      rows: balance, note: 'shares are taken per run, then the median [min–max] over rounds: which worker is favoured may change between runs; 50% = even with 2 workers.' });
  }
  if (summary.goals.length) {
    tables.push({ title: 'Targets from the issues', header: ['cell', 'ratio', 'figure', 'measured', 'target', 'verdict'],
      rows: summary.goals.map((g) => [g.cell, `${g.pair[0]} ÷ ${g.pair[1]}`, g.figure, spread(g.ratio, 2, 'x'), `≤ ${g.max}x`,
        g.met === null ? 'no data' : g.met ? 'meets' : 'MISSES']) });
  }
  return tables;
}

function status(s) {
  if (s.skipped) return `skipped: ${s.skipped}`;
  if (s.error) return `FAILED ${s.failed}/${s.runs}: ${String(s.error).split('\n')[0].slice(0, 80)}`;
  return '';
}

function factLines(results) {
  const f = results.machine;
  const l0 = f.loadAverageAtStart;
  const l1 = results.loadAverageAtEnd;
  return [
    `kernel ${f.kernel}; ${f.cpuCount} × ${f.cpuModel}; Node ${f.node}; open-file limit ${f.openFileLimit}`,
    `backends: epoll ${f.backends.epoll}, io_uring ${f.backends.io_uring}; ringnet ${f.ringnetCommit || '?'}`,
    `load average at start ${l0 ? l0.one : '?'}, at end ${l1 ? l1.one : '?'} (${f.cpuCount} CPUs; the machine is shared)`,
    `${results.plan.rounds} round(s), ${results.plan.warmup} s warm-up + ${results.plan.duration} s measured per run; ` +
      `started ${results.startedAt}, ${Math.round(results.elapsedSec)} s total`,
  ];
}

module.exports = { figureTables, factLines };
