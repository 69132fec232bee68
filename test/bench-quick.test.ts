/**
 * `ringnet bench --quick` end to end, as CI runs it: the default matrix in its short form
 * (echo, HTTP hello keep-alive / pipelined / a new connection per request, goim and broadcast,
 * each on both backends and its Node reference) completes, and leaves a results JSON and a
 * Markdown + HTML report led by the summary chart. No speed assertions: only that every run
 * measured something, without errors, and that the files are complete and well-formed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/lab';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-bench-quick-'));

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = runCli;

describe('ringnet bench --quick', () => {
  it('runs the default matrix and writes results JSON, Markdown and HTML with charts', async () => {
    const r = await run(['bench', '--quick', '--out', dir, '--name', 'ci', '--progress=false']);
    expect(r.stderr).toMatch(/ringnet bench: preset default \(quick\)/);
    expect(r.code, r.stderr + r.stdout).toBe(0);

    const results = JSON.parse(fs.readFileSync(path.join(dir, 'ci.json'), 'utf8'));
    expect(results.schema).toBe('ringnet-bench/1');
    expect(results.machine).toMatchObject({ node: process.version, cpuCount: os.cpus().length });
    for (const k of ['kernel', 'cpuModel', 'openFileLimit', 'backends', 'loadAverageAtStart']) expect(results.machine[k]).toBeDefined();
    const cells = results.plan.cells.map((c: { id: string }) => c.id);
    expect(cells).toEqual(['c100-d1-p64', 'c100-d16-p64', 'http-c100-d1', 'http-c100-d16', 'http-c100-close', 'goim-c100-d1-p64', 'bcast-c2000-n10']);
    const measured = results.runs.filter((x: { skipped?: string }) => !x.skipped);
    // io_uring may be refused by a kernel, and the optional c-limit reference serves steady
    // connections only (not http-c100-close): those are skipped with a reason, nothing else.
    for (const x of results.runs.filter((y: { skipped?: string }) => y.skipped)) {
      expect(['ringnet-io_uring', 'c-limit'], `${x.cell} ${x.target}: ${x.skipped}`).toContain(x.target);
      if (x.target === 'c-limit') expect(x.cell).toBe('http-c100-close');
    }
    expect(measured.length).toBeGreaterThanOrEqual(14);
    // goim: heartbeats went back and forth beside the messages.
    for (const x of measured.filter((y: { cell: string }) => y.cell.startsWith('goim'))) expect(x.heartbeats).toBeGreaterThan(0);
    for (const x of measured) {
      expect(x.error, `${x.cell} ${x.target}`).toBeUndefined();
      expect(x.errors, `${x.cell} ${x.target}`).toBe(0);
      expect(x.ops).toBeGreaterThan(0);
      expect(x.serverCpuSec).toBeGreaterThan(0);
      expect(Number.isFinite(x.genCpuSec)).toBe(true);
      expect(x.rssBytes).toBeGreaterThan(0);
    }

    const md = fs.readFileSync(path.join(dir, 'ci.md'), 'utf8');
    const page = fs.readFileSync(path.join(dir, 'ci.html'), 'utf8');
    for (const id of cells) {
      expect(md).toContain(`| ${id} |`);
      expect(page).toContain(`<td>${id}</td>`);
    }
    expect(XMLValidator.validate(page.replace(/^<!DOCTYPE html>\n/, ''))).toBe(true);
    const charts = fs.readdirSync(path.join(dir, 'ci-charts'));
    expect(charts.sort()).toEqual(['broadcast', 'echo', 'goim', 'http'].flatMap((w) => ['cpu', 'latency', 'throughput'].map((k) => `${w}-${k}.svg`))
      .concat('summary.svg').sort());
    expect(page.indexOf('<figure id="chart-summary">')).toBeLessThan(page.indexOf('<figure id="chart-echo-throughput">'));
    for (const f of charts) expect(XMLValidator.validate(fs.readFileSync(path.join(dir, 'ci-charts', f), 'utf8'))).toBe(true);
    expect(r.stdout).toContain('Against the baseline (node:net, node:http; same round)');
    expect(r.stdout).not.toContain('Targets from the issues');
  }, 400_000);

  it('runs the websocket preset in its short form: echo, idle and broadcast over WebSocket against ws and the length echo', async () => {
    const r = await run(['bench', '--preset', 'websocket', '--quick', '--connections', '100', '--out', dir, '--name', 'ws', '--progress=false']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'ws.json'), 'utf8'));
    expect(results.plan.cells.map((c: { id: string }) => c.id)).toEqual(['ws-c100-d1-p64', 'ws-c100-d16-p64', 'idle-ws-c1000', 'bcast-ws-c100-n10']);
    for (const x of results.runs.filter((y: { skipped?: string }) => y.skipped)) expect(x.target).toMatch(/io_uring$/);
    const measured = results.runs.filter((x: { skipped?: string }) => !x.skipped);
    for (const cell of results.plan.cells) {
      for (const t of ['ws', 'ringnet-epoll']) expect(measured.some((x: { cell: string; target: string }) => x.cell === cell.id && x.target === t), `${cell.id} ${t}`).toBe(true);
    }
    for (const x of measured) {
      expect(x.error, `${x.cell} ${x.target}`).toBeUndefined();
      expect(x.errors, `${x.cell} ${x.target}`).toBe(0);
      expect(x.ops).toBeGreaterThan(0);
      // The echo cells: the length targets were driven with length frames, the others with WebSocket.
      if (x.cell.startsWith('ws-')) expect(x.wire, x.target).toBe(x.target.startsWith('ringnet-length') ? 'length' : 'ws');
      if (x.cell.startsWith('idle')) expect(Number.isFinite(x.bytesPerConn)).toBe(true);
      else expect(x.serverCpuSec).toBeGreaterThan(0);
    }
    expect(r.stdout).toContain('Against the baseline (ws; same round)');
    expect(r.stdout).toMatch(/ws-c100-d1-p64 +ringnet-epoll ÷ ringnet-length-epoll/);
  }, 400_000);

  it('a bad bench flag exits with status 2 before running anything', async () => {
    const r = await run(['bench', '--targets', 'ringnet-epoll:{"workers":2', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ringnet: --targets: unbalanced/);
  });
});
