/**
 * The generator-corrected CPU per operation (a second figure beside the plain one, from a
 * fixed set of runs): each run's server CPU/op scaled by its generator's CPU/op relative to
 * that target's median. Runs whose whole machine was faster or slower (server and generator
 * alike) spread the plain ratio but not the corrected one; verdicts and expectations still
 * judge the plain ratio only, and the report prints both, labelled.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');
const requireCjs = createRequire(__filename);
const { summarizeResults, exitStatus } = requireCjs(path.join(ROOT, 'bench', 'lab', 'summary.js'));
const { figureTables } = requireCjs(path.join(ROOT, 'bench', 'report', 'tables.js'));

// Round r: the machine runs at speed[r] for both targets' runs (server and generator alike);
// target a costs 0.9 of b on the server.
const speed = [1, 1.15, 0.9, 1.08, 0.95];
const speedB = [1.1, 0.95, 1, 0.9, 1.12];
const run = (round: number, target: string, serverUs: number, s: number) => ({
  round, cell: 'c1', target, ops: 1e6, windowSec: 1, serverCpuSec: serverUs * s, serverCpuUsPerOp: serverUs * s,
  genCpuSec: 2 * s, opsPerSec: 1e6, errors: 0,
});
const results = {
  plan: { cells: [{ id: 'c1', workload: 'echo', targets: [{ label: 'a' }, { label: 'b' }] }], pairs: [['a', 'b']], rounds: 5,
    expectations: [{ text: 'a/b<=0.95', figure: 'serverCpuUsPerOp', a: 'a', b: 'b', op: '<=', value: 0.95 }] },
  runs: speed.flatMap((s, i) => [run(i + 1, 'a', 9, s), run(i + 1, 'b', 10, speedB[i] ?? 1)]),
};

describe('generator-corrected CPU per operation', () => {
  const summary = summarizeResults(results);
  const pair = summary.ratios.find((r: { kind: string }) => r.kind === 'pair');

  it('cancels a machine that is faster or slower on both CPUs in a run; the plain ratio keeps that spread', () => {
    expect(pair.figures.serverCpuUsPerOp.spread).toBeGreaterThan(0.05);
    expect(pair.figures.serverCpuUsPerOp.verdict).toBe('within noise');
    expect(pair.figures.serverCpuUsPerOpGenAdj.median).toBeCloseTo(0.9, 9);
    expect(pair.figures.serverCpuUsPerOpGenAdj.spread).toBeCloseTo(0, 9);
  });

  it('decides nothing: expectations and the exit status judge the plain ratio', () => {
    expect(summary.expectations[0].verdict).toBe('within noise');
    expect(exitStatus(results)).toBe(4);
  });

  it('the pairs table shows it in its own labelled column', () => {
    const table = figureTables({ ...results, machine: {} }, summary).find((t: { title: string }) => t.title.startsWith('Pairs'));
    const col = table.header.indexOf('gen-corrected CPU/op, spread');
    expect(col).toBeGreaterThan(0);
    expect(table.rows[0][col]).toMatch(/^0\.90x \[0\.90–0\.90\] 0\.0%$/);
    expect(table.note).toMatch(/gen-corrected: .*never a verdict/);
  });

  it('runs without generator CPU (no generator process) have no corrected figure', () => {
    const s = summarizeResults({ ...results, runs: results.runs.map((r) => ({ ...r, genCpuSec: NaN })) });
    expect(s.ratios[0].figures.serverCpuUsPerOpGenAdj).toBeUndefined();
  });
});
