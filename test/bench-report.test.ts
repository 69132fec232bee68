/**
 * The lab's report, built from a fixed results file (test/fixtures/bench-results.json, a real
 * run covering echo, socket-flag variants, accept modes, HTTP and idle cells): the HTML page
 * and every SVG chart are well-formed XML, every cell and target appears, charts have
 * labelled axes, and the Markdown carries the same tables.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');
const requireCjs = createRequire(__filename);
const report = requireCjs(path.join(ROOT, 'bench', 'report', 'index.js'));
const results = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'bench-results.json'), 'utf8'));
const cellIds: string[] = results.plan.cells.map((c: { id: string }) => c.id);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function wellFormed(xml: string): void {
  const v = XMLValidator.validate(xml);
  expect(v === true ? true : JSON.stringify(v)).toBe(true);
}

describe('bench report from a fixed results file', () => {
  const built = report.buildReport(results);

  it('leads with the summary chart, then throughput, CPU per operation, latency, idle memory and per-worker balance charts', () => {
    expect(built.charts.map((c: { id: string }) => c.id)).toEqual([
      'summary', 'echo-throughput', 'echo-cpu', 'echo-latency', 'http-throughput', 'http-cpu', 'http-latency', 'idle-bytes',
      'balance-accepted', 'balance-cpu',
    ]);
  });

  it('every chart is well-formed SVG with a title and labelled x and y axes', () => {
    for (const c of built.charts) {
      wellFormed(c.svg);
      expect(c.svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" role="img"/);
      expect(c.svg).toMatch(/<title>[^<]+<\/title>/);
      expect(c.svg).toMatch(/class="axis-label y-label">[^<]+</);
      expect(c.svg).toMatch(/class="axis-label x-label">[^<]+</);
      expect(c.svg).not.toMatch(/NaN|undefined|Infinity/);
    }
  });

  it('every cell of the run is a group in its workload\'s charts; every target is in a legend', () => {
    for (const cell of results.plan.cells) {
      const ids = cell.workload === 'idle' ? ['idle-bytes'] : [`${cell.workload}-throughput`, `${cell.workload}-cpu`];
      for (const id of ids) {
        const svg = built.charts.find((c: { id: string }) => c.id === id).svg;
        expect(svg).toContain(`class="group">${esc(cell.id)}<`);
        for (const t of cell.targets) expect(svg).toContain(`class="legend">${esc(t.label)}<`);
      }
    }
    const balance = built.charts.find((c: { id: string }) => c.id === 'balance-accepted').svg;
    expect(balance).toContain('class="group">c16-d1-p64-r50-exclusive-w2 ringnet-epoll<');
    expect((balance.match(/class="bar"/g) || []).length).toBe(4);   // 2 cells x 2 workers
  });

  it('bar heights follow the medians: the faster target has the taller bar', () => {
    const svg: string = built.charts.find((c: { id: string }) => c.id === 'echo-throughput').svg;
    const height = (cell: string, target: string) => {
      const m = new RegExp(`height="([\\d.]+)" fill="[^"]+" fill-opacity="[^"]+"><title>${esc(cell)} · ${esc(target)}: `).exec(svg);
      return m ? Number(m[1]) : NaN;
    };
    const median = (cell: string, target: string) => built.summary.cells.find((c: { id: string }) => c.id === cell).targets[target].opsPerSec.median;
    const a = ['c20-d1-p64', 'ringnet-epoll'] as const;
    const b = ['c20-d1-p64', 'node:net'] as const;
    expect(Math.sign(height(...a) - height(...b))).toBe(Math.sign(median(...a) - median(...b)));
    expect(height(...a) / height(...b)).toBeCloseTo(median(...a) / median(...b), 1);
  });

  it('the HTML page is self-contained, well-formed, and lists every cell, target and machine fact', () => {
    const page: string = report.html(results, built);
    wellFormed(page.replace(/^<!DOCTYPE html>\n/, ''));
    expect(page).not.toMatch(/<script|<link|src="http|href="http/);
    expect((page.match(/<svg /g) || []).length).toBe(built.charts.length);
    for (const id of cellIds) expect(page).toContain(`<td>${esc(id)}</td>`);
    for (const t of ['ringnet-epoll', 'ringnet-io_uring', 'node:net', 'node:http']) expect(page).toContain(`<td>${esc(t)}</td>`);
    for (const fact of [results.machine.kernel, results.machine.node, results.machine.cpuModel, 'open-file limit', 'load average']) {
      expect(page).toContain(esc(String(fact)));
    }
    expect(page).not.toContain('Targets from the issues');
  });

  it('the ratios are paired round by round', () => {
    const pair = built.summary.ratios.find((r: { kind: string; cell: string }) => r.kind === 'pair' && r.cell === 'c20-d1-p64');
    const run = (round: number, target: string) => results.runs.find((r: { round: number; cell: string; target: string }) =>
      r.round === round && r.cell === 'c20-d1-p64' && r.target === target);
    const ratios = [1, 2].map((round) => run(round, 'ringnet-io_uring').serverCpuUsPerOp / run(round, 'ringnet-epoll').serverCpuUsPerOp);
    expect(pair.figures.serverCpuUsPerOp.min).toBeCloseTo(Math.min(...ratios), 10);
    expect(pair.figures.serverCpuUsPerOp.max).toBeCloseTo(Math.max(...ratios), 10);
  });

  it('writeReport writes Markdown, HTML and one SVG file per chart', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-report-'));
    try {
      report.writeReport(results, dir, 'r');
      const md = fs.readFileSync(path.join(dir, 'r.md'), 'utf8');
      for (const id of cellIds) expect(md).toContain(`| ${id.replace(/\|/g, '\\|')} |`);
      for (const c of built.charts) {
        expect(md).toContain(`(r-charts/${c.id}.svg)`);
        wellFormed(fs.readFileSync(path.join(dir, 'r-charts', `${c.id}.svg`), 'utf8'));
      }
      wellFormed(fs.readFileSync(path.join(dir, 'r.html'), 'utf8').replace(/^<!DOCTYPE html>\n/, ''));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
