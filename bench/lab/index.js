'use strict';
// The benchmark lab behind `ringnet bench`: plan -> runs -> results JSON -> report (console
// tables, Markdown, self-contained HTML with SVG charts) in bench/results/.
// Exit status: see exitStatus() in summary.js; 2 = a usage error (before anything runs).
const fs = require('node:fs');
const path = require('node:path');
const { buildPlan, estimateSeconds } = require('./plan');
const { runPlan } = require('./runner');
const { PRESETS } = require('./presets');
const { TARGETS } = require('../targets');
const { WORKLOADS } = require('../workloads');
const { writeReport, consoleReport } = require('../report');
const { exitStatus } = require('./summary');
const { fmtSec } = require('./progress');

const RESULTS_DIR = path.join(__dirname, '..', 'results');

/** Runs the request; resolves the exit status (1 if any run failed). */
async function runLab(req) {
  const plan = buildPlan(req);
  const runs = plan.cells.reduce((n, c) => n + c.targets.length, 0) * plan.rounds;
  process.stderr.write(`ringnet bench: ${plan.preset ? `preset ${plan.preset}` : plan.configFile}${plan.quick ? ' (quick)' : ''}: ` +
    `${plan.cells.length} cells, ${runs} runs, about ${fmtSec(estimateSeconds(plan))}` +
    `${plan.untilStable ? `; then rounds until every spread is <= 5% (at most ${plan.maxRounds} rounds)` : ''}\n`);
  const results = await runPlan(plan, { progress: req.progress });
  const outDir = path.resolve(req.outDir || RESULTS_DIR);
  fs.mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, `${plan.name}.json`);
  fs.writeFileSync(json, JSON.stringify(results, null, 1) + '\n');
  const files = writeReport(results, outDir, plan.name);
  process.stdout.write(consoleReport(results) + '\n');
  process.stdout.write(`\nresults: ${path.relative(process.cwd(), json)}\nreport:  ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}\n`);
  return exitStatus(results);
}

function listLab() {
  const lines = ['presets:'];
  for (const [name, p] of Object.entries(PRESETS)) lines.push(`  ${name.padEnd(10)} ${p.description}`);
  lines.push('targets:');
  for (const t of TARGETS) {
    lines.push(`  ${t.name.padEnd(24)} ${t.description} [${t.workloads.join(', ')}]${t.optional ? ' (optional)' : ''}` +
      `${t.available() === true ? '' : ` (unavailable: ${t.available()})`}`);
  }
  lines.push("  (any server: --target 'NAME=COMMAND {port}')");
  lines.push('workloads:');
  // Per-cell references (WebSocket cells: ws; HTTPS cells: node:https) where they differ.
  const other = (w) => [['WebSocket', { protocol: 'websocket' }], ['TLS', { tls: true }]]
    .map(([what, cell]) => [what, w.referenceFor ? w.referenceFor(cell) : w.reference]).filter(([, r]) => r !== w.reference)
    .map(([what, r]) => `; ${what} cells: ${r}`).join('');
  for (const w of WORKLOADS) lines.push(`  ${w.name.padEnd(10)} ${w.description}${w.reference ? ` (reference: ${w.reference}${other(w)})` : ''}`);
  return lines.join('\n');
}

module.exports = { runLab, listLab, buildPlan };
