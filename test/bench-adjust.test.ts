/**
 * The speed-adjusted CPU/op ratio (lab/adjust.js), from fixed results: the lab's probe times a
 * fixed burst of arithmetic in every window, and where the machine's speed moves the server's
 * CPU per operation, the adjusted ratio settles what the plain one cannot, and decides the
 * verdict, printed as such with the plain ratio beside it. Where the probe and the server move
 * independently, or the probe tells the targets apart, the plain ratio decides: the adjustment
 * must not manufacture a verdict. And the generator's CPU per operation, centred per target
 * (the tempting covariate), is shown to do exactly that on an A/A split of real windows.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');
const requireCjs = createRequire(__filename);
const { summarizeResults, exitStatus } = requireCjs(path.join(ROOT, 'bench', 'lab', 'summary.js'));
const { figureTables } = requireCjs(path.join(ROOT, 'bench', 'report', 'tables.js'));
const { unsettledCells } = requireCjs(path.join(ROOT, 'bench', 'lab', 'runner.js'));
const { combineSlices } = requireCjs(path.join(ROOT, 'bench', 'lab', 'slices.js'));
const { candidates, aggregate } = requireCjs(path.join(ROOT, 'bench', 'tools', 'verdict-candidates.js'));

// A deterministic stream in [0, 1).
function stream(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

interface Window { windowSec: number; ops: number; serverCpuSec: number; serverCpuUsPerOp: number; genCpuSec: number; probeUs: number; errors: number }

/**
 * Six rounds of two targets, four windows each. `speed(r)` is the machine's slowness in a
 * window (1 = nominal); the server's CPU/op is base × slowness^serverExp × own noise, the
 * probe's time 20 µs × slowness^probeExp × its own noise (and × probeBias for target a).
 */
function results({ seed = 7, serverExp = 1, probeExp = 1, probeBias = 1, ownNoise = 0.004, speedSwing = 0.3 } = {}) {
  const rnd = stream(seed);
  const base: Record<string, number> = { a: 9, b: 10 };
  const runs = [];
  for (let round = 1; round <= 6; round++) {
    for (const target of ['a', 'b']) {
      const slices: Window[] = [];
      for (let k = 0; k < 4; k++) {
        const slow = 1 + speedSwing * (rnd() - 0.5);
        const serverSlow = serverExp === 0 ? 1 + speedSwing * (rnd() - 0.5) : slow ** serverExp;
        const probeSlow = probeExp === 0 ? 1 + 0.05 * (rnd() - 0.5) : slow ** probeExp;
        const cpuUs = base[target] * serverSlow * (1 + ownNoise * (rnd() - 0.5));
        const ops = 1e5;
        slices.push({ windowSec: 0.75, ops, serverCpuSec: (cpuUs * ops) / 1e6, serverCpuUsPerOp: cpuUs, genCpuSec: 0.7 * slow,
          probeUs: 20 * probeSlow * (target === 'a' ? probeBias : 1) * (1 + 0.002 * (rnd() - 0.5)), errors: 0 });
      }
      runs.push({ round, cell: 'c1', target, ...combineSlices(slices) });
    }
  }
  return {
    plan: { cells: [{ id: 'c1', workload: 'echo', targets: [{ label: 'a' }, { label: 'b' }] }], pairs: [['a', 'b']], rounds: 6,
      expectations: [{ text: 'a/b<=0.95', figure: 'serverCpuUsPerOp', a: 'a', b: 'b', op: '<=', value: 0.95 }] },
    runs,
  };
}
const cpuRatio = (r: object) => summarizeResults(r).ratios.find((x: { kind: string }) => x.kind === 'pair').figures.serverCpuUsPerOp;

describe('speed-adjusted CPU per operation', () => {
  it('settles a ratio the machine\'s speed spreads, and decides its verdict; the plain ratio stays beside it, within noise', () => {
    const r = results();
    const f = cpuRatio(r);
    expect(f.statistic).toBe('speed-adjusted');
    expect(f.raw.verdict).toBe('within noise');
    expect(f.raw.ci.width).toBeGreaterThan(0.05);
    expect(f.ci.width).toBeLessThanOrEqual(0.05);
    expect(Math.abs(f.ci.centre - 0.9)).toBeLessThan(0.01);   // a costs 0.9 of b
    expect(f.verdict).toBe('lower');
    expect(f.adjustment.theta).toBeGreaterThan(0.8);
    expect(f.adjustment.theta).toBeLessThan(1.2);
    // --expect and --until-stable judge the same statistic.
    expect(summarizeResults(r).expectations[0].verdict).toBe('met');
    expect(exitStatus(r)).toBe(0);
    expect(unsettledCells({ ...r, plan: r.plan }).cells).toEqual([]);
  });

  it('the pairs table says which statistic decided and shows the plain ratio beside it', () => {
    const r = results();
    const table = figureTables({ ...r, machine: {} }, summarizeResults(r)).find((t: { title: string }) => t.title.startsWith('Pairs'));
    const row = table.rows[0];
    expect(row[table.header.indexOf('verdict by')]).toMatch(/^speed-adjusted \(θ \d\.\d\d\)$/);
    expect(row[table.header.indexOf('raw CPU/op, CI, spread')]).toMatch(/^0\.\d\dx, 0\.\d{3}–0\.\d{3} \(\d+\.\d%\), \d+\.\d%$/);
    expect(table.note).toMatch(/verdict by: .*"raw"/);
  });

  it('manufactures nothing where the probe and the server move independently: the plain ratio decides', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const f = cpuRatio(results({ seed, serverExp: 0 }));
      expect(f.statistic).toBe('raw');
      expect(f.notAdjusted).toMatch(/does not explain/);
      expect(f.verdict).toBe(f.raw.verdict);
      expect(f.ci).toEqual(f.raw.ci);
    }
  });

  it('falls back to the plain ratio when the probe tells the targets apart (the server reaching the probe\'s CPU)', () => {
    const f = cpuRatio(results({ probeBias: 1.15 }));
    expect(f.statistic).toBe('raw');
    expect(f.notAdjusted).toMatch(/probe differs between the targets/);
  });

  it('runs without a probe (older results files) are judged by the plain ratio, as before', () => {
    const r = results();
    const stripped = { ...r, runs: r.runs.map((x: { slices: object[] }) => ({ ...x, probeUs: undefined, slices: x.slices.map((s) => ({ ...s, probeUs: undefined })) })) };
    const f = cpuRatio(stripped);
    expect(f.statistic).toBe('raw');
    expect(f.verdict).toBe('within noise');
  });
});

describe('why not the generator\'s CPU per operation, centred per target', () => {
  // An A/A split: the same server's windows, halved at random per round, as "a" and "b". Their
  // CPU/op and the generator's move together by window (the pair's shared state), as on the VM.
  function aaSplits(n: number) {
    const rnd = stream(11);
    let centredMiss = 0;
    let rawMiss = 0;
    for (let k = 0; k < n; k++) {
      const pairs = [];
      for (let round = 0; round < 6; round++) {
        const ws = Array.from({ length: 4 }, () => {
          const regime = 1 + 0.3 * (rnd() - 0.5);
          const cpu = 10 * regime * (1 + 0.05 * (rnd() - 0.5));
          return { windowSec: 0.75, ops: 1e5, serverCpuSec: cpu / 10, serverCpuUsPerOp: cpu, genCpuSec: 0.7 * regime, probeUs: NaN };
        });
        pairs.push({ a: aggregate(ws.slice(0, 2)), b: aggregate(ws.slice(2)) });
      }
      const c = candidates(pairs, [pairs.flatMap((p) => p.a.windows), pairs.flatMap((p) => p.b.windows)]);
      if (c['gen-centred'].lo > 1 || c['gen-centred'].hi < 1) centredMiss++;
      if (c.raw.lo > 1 || c.raw.hi < 1) rawMiss++;
    }
    return { centred: centredMiss / n, raw: rawMiss / n };
  }

  it('its interval leaves out 1.00 in far more than 5% of A/A splits; the plain ratio\'s about 5%', () => {
    const rate = aaSplits(400);
    expect(rate.raw).toBeLessThan(0.1);
    expect(rate.centred).toBeGreaterThan(0.2);
  });
});
