'use strict';
// The report's charts, built from a summary. First the summary chart a user would post: server
// CPU per operation of every target relative to its cell's baseline, with whiskers (min–max of
// the kept rounds) and a line at 1.0; pale bars are within noise. Then per workload:
// throughput, server CPU per operation and latency percentiles by cell and target, idle bytes
// per connection, per-worker balance.
const { barChart, PALETTE } = require('./svg');
const { findWorkload } = require('../workloads');

const NOISE_OPACITY = 0.4;

/** CPU/op (or bytes/conn for idle) ÷ the cell's baseline, every target, every cell that has one. */
function summaryChart(summary) {
  const rows = summary.ratios.filter((r) => r.kind === 'baseline');
  if (!rows.length) return null;
  const series = [...new Set(rows.map((r) => r.a))];
  const groups = [...new Set(rows.map((r) => r.cell))].map((cell) => {
    const mine = rows.filter((r) => r.cell === cell);
    return {
      label: `${cell} ÷ ${mine[0].b}`,
      bars: mine.map((r) => {
        const f = r.figures.serverCpuUsPerOp || r.figures.bytesPerConn;
        if (!f || !(f.median > 0)) return { series: r.a, value: NaN };   // no data, or a figure that is not a positive ratio
        const noise = f.verdict === 'within noise';
        return { series: r.a, value: f.median, min: f.min, max: f.max, opacity: noise ? NOISE_OPACITY : 1,
          note: `(${Number.isFinite(f.spread) ? `spread ${(f.spread * 100).toFixed(1)}%, ` : ''}${f.verdict})` };
      }),
    };
  });
  const title = 'Server CPU per operation relative to the baseline (lower is better; pale = within noise)';
  // Ratios from 0.005 (pipelined HTTP) to 1.5 do not share a linear axis: log scale when they span 20x.
  const vs = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0);
  const log = vs.length > 0 && Math.max(...vs, 1) / Math.min(...vs, 1) > 20;
  return { id: 'summary', title, svg: barChart({ id: 'summary', title, xLabel: 'cell ÷ its baseline target',
    yLabel: 'CPU per op ÷ baseline (idle: bytes per connection)', groups, series, refLine: 1, valueSuffix: 'x', log, barWidth: 34 }) };
}

function bars(s, key) {
  const v = s && s[key];
  return v ? { value: v.median, min: v.min, max: v.max } : { value: NaN };
}

function charts(summary) {
  const out = [];
  const lead = summaryChart(summary);
  if (lead) out.push(lead);
  const workloads = [...new Set(summary.cells.map((c) => c.workload))];
  for (const w of workloads) {
    const cells = summary.cells.filter((c) => c.workload === w);
    const series = [...new Set(cells.flatMap((c) => Object.keys(c.targets)))];
    const ran = (c, t) => c.targets[t] && !c.targets[t].skipped;
    const grouped = (key) => cells.map((c) => ({
      label: c.id,
      bars: series.filter((t) => ran(c, t)).map((t) => ({ series: t, ...bars(c.targets[t], key) })),
    }));
    if (w === 'idle') {
      out.push({ id: 'idle-bytes', title: 'Idle memory: server RSS per connection',
        svg: barChart({ id: 'idle-bytes', title: 'Idle memory: server RSS per connection', xLabel: 'cell', yLabel: 'bytes per connection', groups: grouped('bytesPerConn'), series }) });
      continue;
    }
    const unit = unitOf(w);
    out.push({ id: `${w}-throughput`, title: `${w}: throughput`,
      svg: barChart({ id: `${w}-throughput`, title: `${w}: throughput (median, whiskers min–max)`, xLabel: 'cell (connections, depth, payload)', yLabel: `${unit}s per second`, groups: grouped('opsPerSec'), series }) });
    out.push({ id: `${w}-cpu`, title: `${w}: server CPU per ${unit}`,
      svg: barChart({ id: `${w}-cpu`, title: `${w}: server CPU per ${unit} (lower is better)`, xLabel: 'cell (connections, depth, payload)', yLabel: `server CPU µs per ${unit}`, groups: grouped('serverCpuUsPerOp'), series }) });
    const pct = [['p50Us', 'p50'], ['p99Us', 'p99'], ['p999Us', 'p99.9']];
    const latSeries = series.flatMap((t) => pct.map(([, p]) => `${t} ${p}`));
    // One colour per target (as in the other charts), lighter for lower percentiles.
    const latStyle = (name) => {
      const [t, p] = [name.slice(0, name.lastIndexOf(' ')), name.slice(name.lastIndexOf(' ') + 1)];
      return { color: PALETTE[series.indexOf(t) % PALETTE.length], opacity: p === 'p50' ? 0.4 : p === 'p99' ? 0.7 : 1 };
    };
    out.push({ id: `${w}-latency`, title: `${w}: latency percentiles`,
      svg: barChart({ id: `${w}-latency`, title: `${w}: latency p50 / p99 / p99.9`, xLabel: 'cell (connections, depth, payload)', yLabel: 'latency µs', log: true, series: latSeries, style: latStyle,
        groups: cells.map((c) => ({ label: c.id, bars: series.filter((t) => ran(c, t)).flatMap((t) => pct.map(([k, p]) => ({ series: `${t} ${p}`, ...bars(c.targets[t], k) }))) })) }) });
  }
  const balanced = summary.cells.flatMap((c) => Object.entries(c.targets).filter(([, s]) => s.workers).map(([t, s]) => ({ label: `${c.id} ${t}`, workers: s.workers })));
  if (balanced.length) {
    // Workers ranked per run (busiest first): an accept mode that favours one worker shows as
    // a tall first bar even if the favoured worker differs between rounds.
    const n = Math.max(...balanced.map((b) => b.workers.length));
    const series = Array.from({ length: n }, (_, i) => (i === 0 ? 'busiest worker' : i === n - 1 ? 'least busy worker' : `worker ranked ${i + 1}`));
    const groups = (key) => balanced.map((b) => ({ label: b.label,
      bars: b.workers.ranked[key].map((v, i) => ({ series: series[i], ...(v ? { value: v.median, min: v.min, max: v.max } : { value: NaN }) })) }));
    out.push({ id: 'balance-accepted', title: 'Per-worker connections accepted',
      svg: barChart({ id: 'balance-accepted', title: 'Share of connections accepted per worker (ranked per run)', xLabel: 'cell and target', yLabel: '% of connections accepted', groups: groups('accepted'), series }) });
    out.push({ id: 'balance-cpu', title: 'Per-worker CPU',
      svg: barChart({ id: 'balance-cpu', title: 'Share of worker CPU per worker thread (ranked per run)', xLabel: 'cell and target', yLabel: '% of worker CPU', groups: groups('cpuSec'), series }) });
  }
  return out;
}

/** 'frame', 'request', 'message', 'delivery': one operation of a workload. */
function unitOf(workload) {
  const w = findWorkload(workload);
  const u = (w && w.unit) || 'operations';
  if (u.endsWith('ies')) return `${u.slice(0, -3)}y`;
  return /(sh|ch|x|s)es$/.test(u) ? u.slice(0, -2) : u.replace(/s$/, '');
}

module.exports = { charts, unitOf };
