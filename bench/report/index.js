'use strict';
// Report of a results file: console tables, Markdown, and one self-contained HTML page with
// inline SVG charts. Usage: node bench/report <results.json> [out dir] [--expect 'A/B<=X' ...]
// rebuilds the report; --expect judges the results file against new expectations (instead of
// the run's own) and exits with the lab's status (0 met, 1 a run failed, 3 missed, 4 within noise).
const fs = require('node:fs');
const path = require('node:path');
const { summarizeResults, exitStatus, expectationCells } = require('../lab/summary');
const { figureTables, factLines } = require('./tables');
const { charts } = require('./charts');
const { table } = require('../lib/stats');
const { esc } = require('./svg');

function buildReport(results) {
  const summary = summarizeResults(results);
  return { summary, tables: figureTables(results, summary), facts: factLines(results, summary), charts: charts(summary) };
}

function consoleReport(results) {
  const r = buildReport(results);
  const parts = [`\n${r.facts.join('\n')}`];
  for (const t of r.tables) parts.push(`\n${t.title}\n\n${table(t.header, t.rows)}${t.note ? `\n(${t.note})` : ''}`);
  return parts.join('\n');
}

const mdCell = (s) => String(s).replace(/\|/g, '\\|');

function markdown(results, r = buildReport(results), chartDir) {
  const lead = r.charts.find((c) => c.id === 'summary');
  const lines = [`# ringnet bench: ${results.name}`, ''];
  if (lead && chartDir) lines.push(`![${lead.title}](${chartDir}/${lead.id}.svg)`, '');
  lines.push(results.plan.description, '', ...r.facts.map((f) => `- ${f}`), '');
  for (const t of r.tables) {
    lines.push(`## ${t.title}`, '', `| ${t.header.map(mdCell).join(' | ')} |`, `|${t.header.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const row of t.rows) lines.push(`| ${row.map(mdCell).join(' | ')} |`);
    if (t.note) lines.push('', `_${t.note}_`);
    lines.push('');
  }
  if (chartDir) {
    lines.push('## Charts', '');
    for (const c of r.charts.filter((x) => x !== lead)) lines.push(`![${c.title}](${chartDir}/${c.id}.svg)`, '');
  }
  return lines.join('\n');
}

const figure = (c) => `<figure id="chart-${esc(c.id)}">\n${c.svg}\n</figure>`;

function html(results, r = buildReport(results)) {
  const tableHtml = (t) => `<h2>${esc(t.title)}</h2>\n<table>\n<thead><tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>\n<tbody>\n` +
    t.rows.map((row) => `<tr>${row.map((c, i) => `<td${i >= 2 ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n') +
    `\n</tbody>\n</table>${t.note ? `\n<p class="note">${esc(t.note)}</p>` : ''}`;
  return `<!DOCTYPE html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8"/>
<title>ringnet bench: ${esc(results.name)}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1400px; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #666; font-size: 12px; }
figure { margin: 1em 0; overflow-x: auto; }
</style>
</head>
<body>
<h1>ringnet bench: ${esc(results.name)}</h1>
${r.charts.filter((c) => c.id === 'summary').map(figure).join('\n')}
<p>${esc(results.plan.description)}</p>
<ul>
${r.facts.map((f) => `<li>${esc(f)}</li>`).join('\n')}
</ul>
${r.charts.filter((c) => c.id !== 'summary').map(figure).join('\n')}
${r.tables.map(tableHtml).join('\n')}
</body>
</html>
`;
}

/** Writes <name>.md, <name>.html and <name>-charts/*.svg; returns the paths written. */
function writeReport(results, dir, name = results.name) {
  const r = buildReport(results);
  const chartDir = `${name}-charts`;
  fs.mkdirSync(path.join(dir, chartDir), { recursive: true });
  for (const c of r.charts) fs.writeFileSync(path.join(dir, chartDir, `${c.id}.svg`), c.svg + '\n');
  const md = path.join(dir, `${name}.md`);
  const page = path.join(dir, `${name}.html`);
  fs.writeFileSync(md, markdown(results, r, chartDir) + '\n');
  fs.writeFileSync(page, html(results, r));
  return [md, page, path.join(dir, chartDir)];
}

module.exports = { buildReport, consoleReport, markdown, html, writeReport };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const expects = [];
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--expect' && i + 1 < argv.length) expects.push(argv[++i]);
    else if (argv[i].startsWith('--expect=')) expects.push(argv[i].slice('--expect='.length));
    else rest.push(argv[i]);
  }
  const [file, dir] = rest;
  if (!file || rest.length > 2 || rest.some((a) => a.startsWith('--'))) {
    process.stderr.write("usage: node bench/report <results.json> [out dir] [--expect 'A/B<=X' ...]\n");
    process.exit(2);
  }
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (expects.length) {
    const { parseExpectation } = require(path.join(__dirname, '..', '..', 'dist', 'cli', 'bench-args.js'));
    try {
      results.plan.expectations = expects.map((e) => parseExpectation(e));
      const cells = summarizeResults(results).cells;
      for (const e of results.plan.expectations) {
        if (!expectationCells(e, cells).length) throw new Error(`--expect: no cell of ${file} has both ${e.a} and ${e.b}${e.cell ? ` and starts with '${e.cell}'` : ''}`);
      }
    } catch (e) {
      process.stderr.write(`bench/report: ${e.message}\n`);
      process.exit(2);
    }
  }
  const out = dir || path.dirname(file);
  const written = writeReport(results, out, path.basename(file, '.json'));
  process.stdout.write(consoleReport(results) + `\n\nreport: ${written.join(', ')}\n`);
  process.exitCode = exitStatus(results);
}
