'use strict';
// The report's tables as data ({ title, header, rows, note }), rendered by the console
// (aligned text), Markdown and HTML renderers alike.
const { num, spread } = require('../lib/stats');
const { NOISE_LIMIT, OTHER_LOAD_LIMIT, WAIT_LIMIT, STEAL_LIMIT, roundsNeeded } = require('../lab/noise');
const { unitOf } = require('./charts');

/** How a round was measured: windows from one generator, slices, or one window per run. */
function measuredIn(plan) {
  const slices = plan.slices > 1 ? `in ${plan.slices} windows per target per round, alternating A B C C B A … between the servers` : '';
  if (!(plan.windowMs > 0)) return slices ? ` (echo, goim, WebSocket, HTTP: ${slices})` : '';
  const n = Math.max(1, Math.round((plan.duration * 1000) / plan.windowMs));
  return ` (echo, goim: one generator per cell and round, ${n} windows of ${plan.windowMs} ms per target, A B C C B A …` +
    `${slices ? `; WebSocket, HTTP: ${slices}` : ''})`;
}

const pct = (x) => `${(x * 100).toFixed(0)}%`;
const pctSpread = (s) => (!s ? '-' : s.n > 1 ? `${pct(s.median)} [${pct(s.min)}–${pct(s.max)}]` : pct(s.median));
const mb = (b) => (Number.isFinite(b) ? `${(b / 1048576).toFixed(1)} MB` : '-');
const med = (s, f = (x) => num(x)) => (s ? f(s.median) : '-');

const pct1 = (x) => `${(x * 100).toFixed(1)}%`;

function figureTables(results, summary) {
  const { plan } = results;
  const tables = [];
  const ran = roundsRun(results);
  const rounds = ran > 1 ? `median [min–max] of up to ${ran} rounds` : '1 round';
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
    const one = unitOf(workload);
    const unit = one === 'delivery' ? 'deliveries' : one === 'push' ? 'pushes' : `${one}s`;
    for (const c of cells) for (const [t, s] of Object.entries(c.targets)) {
      rows.push([c.id, t, spread(s.opsPerSec, 0), spread(s.p50Us, 1), spread(s.p99Us, 1), med(s.p999Us, (x) => num(x, 1)),
        spread(s.serverCpuUsPerOp, 2), med(s.rssBytes, mb), med(s.genCores), med(s.otherCores),
        med(s.serverWaitShare, pct1), med(s.serverCpuOthers, pct1), String(s.errors), status(s)]);
    }
    tables.push({
      title: `${workload}: ${rounds}`,
      header: ['cell', 'target', `${unit}/s`, workload === 'broadcast' ? 'p50 µs to all' : 'p50 µs', 'p99 µs', 'p99.9 µs', `server CPU µs/${one}`,
        'server RSS', 'gen cores', 'other load', 'cpu wait', 'cpu others', 'errors', 'note'],
      rows,
      note: (workload === 'http' ? 'autocannon (cells -ac) measures latency in whole milliseconds: "-" = under 1 ms; wrk cells: µs. ' : '') +
        (workload === 'broadcast' ? 'latency: from the push until the last connection has it, over the pushes; CPU per delivered message. ' : '') +
        (workload === 'goim' ? 'messages answered by the handler; heartbeats answered natively by ringnet are not counted as operations. ' : '') +
        'gen cores: the generator\'s own CPU (near 1.0 = a saturated generator, not a server limit). ' +
        'other load: busy cores outside server and generator (/proc/stat): above ~0.1 the machine was shared. ' +
        'cpu wait: run-queue wait of the server\'s threads (summed) over the window: runnable while another task, or another of its own threads, had its CPU (schedstat). ' +
        'cpu others: busy time of the pinned server\'s CPU beyond the server\'s own, over the window (/proc/stat, 10 ms ticks): someone else on its CPU.',
    });
  }

  const noiseNote = `spread = (max − min) ÷ median of the per-round ratios (from 5 rounds on, the most extreme round at each end is dropped); ` +
    '95% CI = confidence interval of the ratio (20%-trimmed mean of the per-round log ratios, Yuen; 3 rounds at least) and its width ÷ the ratio; ' +
    `a ratio is settled when its spread or its interval's width is at most ${NOISE_LIMIT * 100}%, and a verdict only when that settled range ` +
    'lies on one side of 1.0; otherwise "within noise": neither a win nor a loss. ' +
    'verdict by: the statistic the CPU/op ratio, interval, spread and verdict are of: "speed-adjusted" (each round\'s ratio corrected by ' +
    'the lab\'s speed probe, a fixed burst of arithmetic on the generator\'s CPU, times θ, the within-target slope of CPU/op on probe time; ' +
    'used only where θ is away from 0) or "raw"; "raw CPU/op" is then the plain ratio beside it. ' +
    'gen-corrected: each run\'s server CPU/op scaled by its generator\'s CPU/op relative to that target\'s median (the whole VM speeds up and ' +
    'slows down; this assumes the generator\'s cost tracks the machine, not the target): a second figure, never a verdict.';
  const ratioRows = (kind) => summary.ratios.filter((r) => r.kind === kind && Object.keys(r.figures).length).map((r) => {
    const main = r.figures.serverCpuUsPerOp || r.figures.bytesPerConn;
    const adj = r.figures.serverCpuUsPerOpGenAdj;
    return [r.cell, `${r.a} ÷ ${r.b}`, spread(main, 2, 'x'), ciText(main), spreadPct(main), verdictText(main, r.figures.serverCpuUsPerOp ? 'CPU' : 'memory'),
      statisticText(main), rawText(main), adj ? `${spread(adj, 2, 'x')} ${spreadPct(adj)}` : '-', spread(r.figures.opsPerSec, 2, 'x'), spread(r.figures.p99Us, 2, 'x')];
  });
  const ratioHeader = ['cell', 'ratio', 'CPU/op (or bytes/conn)', '95% CI (width)', 'spread', 'verdict', 'verdict by', 'raw CPU/op, CI, spread',
    'gen-corrected CPU/op, spread', 'throughput', 'p99'];
  const pair = ratioRows('pair');
  if (pair.length) tables.push({ title: 'Pairs (same round)', header: ratioHeader, rows: pair, note: noiseNote });
  const base = ratioRows('baseline');
  if (base.length) {
    const names = [...new Set(summary.ratios.filter((r) => r.kind === 'baseline').map((r) => r.b))].join(', ');
    tables.push({ title: `Against the baseline (${names}; same round)`, header: ratioHeader, rows: base, note: noiseNote });
  }
  const variant = ratioRows('variant');
  if (variant.length) tables.push({ title: `Socket flags against ${plan.compareVariants} (same target, same round)`, header: ratioHeader, rows: variant, note: noiseNote });

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
  if (summary.expectations.length) {
    tables.push({ title: 'Your expectations (--expect)', header: ['expectation', 'cell', 'measured', '95% CI (width)', 'spread', 'verdict', 'verdict by', 'raw CPU/op, CI, spread'],
      rows: summary.expectations.map((e) => [e.text, e.cellId, spread(e.ratio, 2, 'x'), ciText(e.ratio), spreadPct(e.ratio), e.verdict,
        statisticText(e.ratio), rawText(e.ratio)]),
      note: `met / missed only when every kept round (spread at most ${NOISE_LIMIT * 100}%) or the whole 95% interval (width at most ` +
        `${NOISE_LIMIT * 100}%) is on one side of the bound; otherwise within noise. Exit status: 3 if one is missed, 4 if one is within noise.` });
  }
  return tables;
}

/** "0.91–0.94 (3.2%)": the 95% interval of a ratio and its width over the ratio; '-' under 3 rounds. */
const ciText = (r) => (r && r.ci ? `${num(r.ci.lo, 3)}–${num(r.ci.hi, 3)} (${(r.ci.width * 100).toFixed(1)}%)` : '-');
const spreadPct = (r) => (r && Number.isFinite(r.spread) && r.n > 1 ? `${(r.spread * 100).toFixed(1)}%` : '-');

/** Which statistic a CPU/op ratio's verdict is of: 'speed-adjusted (θ 0.80)' or 'raw'. */
function statisticText(r) {
  if (!r || !r.statistic) return '-';
  return r.statistic === 'speed-adjusted' ? `speed-adjusted (θ ${num(r.adjustment.theta, 2)})` : 'raw';
}

/** The plain ratio beside a speed-adjusted one: '0.91x, 0.85–0.97 (13.1%), 6.9%'; '-' when the plain one decided. */
function rawText(r) {
  if (!r || r.statistic !== 'speed-adjusted') return '-';
  return `${num(r.raw.median, 2)}x, ${ciText(r.raw)}, ${spreadPct(r.raw)}`;
}

/** 'lower CPU' / 'higher CPU' / 'within noise' for a ratio's verdict. */
function verdictText(r, what) {
  if (!r) return 'no data';
  return r.verdict === 'lower' || r.verdict === 'higher' ? `${r.verdict} ${what}` : r.verdict;
}

function status(s) {
  if (s.skipped) return `skipped: ${s.skipped}`;
  if (s.error) return `FAILED ${s.failed}/${s.runs}: ${String(s.error).split('\n')[0].slice(0, 80)}`;
  return '';
}

/** Rounds actually run (--until-stable may add some to a plan's). */
const roundsRun = (results) => Math.max(results.plan.rounds, ...results.runs.map((r) => r.round));

function factLines(results, summary) {
  const f = results.machine;
  const l0 = f.loadAverageAtStart;
  const l1 = results.loadAverageAtEnd;
  const pin = results.pinning;
  const st = results.stability;
  const lines = [
    `kernel ${f.kernel}; ${f.cpuCount} × ${f.cpuModel}; Node ${f.node}; open-file limit ${f.openFileLimit}`,
    `backends: epoll ${f.backends.epoll}, io_uring ${f.backends.io_uring}; ringnet ${f.ringnetCommit || '?'}`,
    `load average at start ${l0 ? l0.one : '?'}, at end ${l1 ? l1.one : '?'} (${f.cpuCount} CPUs; the machine is shared)`,
    `${roundsRun(results)} round(s)${results.stability ? ` (${results.plan.rounds} planned, then --until-stable)` : ''}, ` +
      `${results.plan.warmup} s warm-up + ${results.plan.duration} s measured per run` +
      `${measuredIn(results.plan)}; ` +
      `started ${results.startedAt}, ${Math.round(results.elapsedSec)} s total`,
    pin ? `pinned: generator on CPU ${pin.generator}, server on CPU ${pin.server} (taskset; cells with more workers than server CPUs run unpinned)`
      : 'not pinned: generator and server share the CPUs',
  ];
  const iso = results.isolation;
  if (iso && pin) {
    lines.push(`isolation: the lab itself on CPU ${iso.runner} in pinned cells; between slices the other targets' servers ` +
      `${{ stop: 'stopped (SIGSTOP)', move: `moved to CPU ${iso.runner}`, off: 'left running' }[iso.park] || iso.park}` +
      `${results.plan.windowMs > 0 ? ' (windows: idle between their windows, drained by the generator)' : ''}` +
      `${iso.irqsMoved && iso.irqsMoved.length ? `; ${iso.irqsMoved.length} IRQs on CPU ${iso.runner} (--steer-irqs)` : ''}`);
  }
  if (st) {
    const cap = st.stoppedBy === 'max-minutes' ? `wall-time bound of ${st.maxMinutes} min reached (${Math.round(st.elapsedSec / 60)} min, ${st.rounds} rounds)`
      : `cap of ${st.maxRounds} rounds reached`;
    const rule = `settled = spread or 95% CI width at most ${NOISE_LIMIT * 100}%`;
    lines.push(st.stable ? `--until-stable: every ratio settled after ${st.rounds} rounds (${rule})`
      : `--until-stable: ${cap}; ${st.unsettled.length} ratio(s) not settled (${rule}; spread / CI width, rounds the CI would need at this noise): ` +
        st.unsettled.map(unsettledText).join('; '));
  }
  if (summary && summary.waitedRuns) {
    lines.push(`SERVER CPU SHARED: in ${summary.waitedRuns} of ${summary.totalRuns} runs something else ran on the pinned server's CPU more than ` +
      `${WAIT_LIMIT * 100}% of the window (column "cpu others"; unpinned runs: the run-queue wait, "cpu wait")`);
  }
  if (summary && summary.disturbedRuns) {
    lines.push(`OTHER LOAD: ${summary.disturbedRuns} of ${summary.totalRuns} runs saw more than ${OTHER_LOAD_LIMIT} busy cores outside server and generator ` +
      '(column "other load"): someone else used the machine; read same-round ratios, not absolute figures');
  }
  if (summary && summary.stolenRuns) {
    lines.push(`HOST STEAL: ${summary.stolenRuns} of ${summary.totalRuns} runs lost more than ${STEAL_LIMIT} cores to the hypervisor ` +
      '(steal in /proc/stat, "stealCores" in the JSON): the host ran someone else on this VM\'s CPUs; the machine was not quiet');
  }
  return lines;
}

/** One unsettled ratio of --until-stable: "c100-d1-p64 a ÷ b 7.3% / 9.8%, ~24 rounds". */
function unsettledText(u) {
  if (u.spread === null || u.spread === undefined) return `${u.cell} ${u.ratio} no data`;
  const ci = Number.isFinite(u.ciWidth) ? ` / ${(u.ciWidth * 100).toFixed(1)}%` : ' / -';
  return `${u.cell} ${u.ratio} ${(u.spread * 100).toFixed(1)}%${ci}${u.roundsNeeded ? `, ~${u.roundsNeeded} rounds` : ''}`;
}

module.exports = { figureTables, factLines };
