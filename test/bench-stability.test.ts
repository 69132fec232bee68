/**
 * What "stable" means for --until-stable (bench/README.md, "Verdicts"), from a fixed results
 * file (test/fixtures/bench-stability.json: per-round ratios log-normal about a centre):
 * the spread (max - min over median) cannot settle a ratio whose rounds scatter more
 * than 5%, however many rounds run; the 95% interval of the ratio narrows as rounds are added
 * and settles it, and only then is it a verdict. The report prints both.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');
const requireCjs = createRequire(__filename);
const { summarizeResults, exitStatus } = requireCjs(path.join(ROOT, 'bench', 'lab', 'summary.js'));
const { unsettledCells } = requireCjs(path.join(ROOT, 'bench', 'lab', 'runner.js'));
const { ratioInterval, t975 } = requireCjs(path.join(ROOT, 'bench', 'lab', 'confidence.js'));
const { settled, roundsNeeded, comparisonVerdict, expectationVerdict, ratioStats } = requireCjs(path.join(ROOT, 'bench', 'lab', 'noise.js'));
const report = requireCjs(path.join(ROOT, 'bench', 'report', 'index.js'));

const FIXTURE = path.join(__dirname, 'fixtures', 'bench-stability.json');
const results = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));
type Run = { round: number; cell: string };
/** The results as they stood after `n` rounds. */
const upTo = (n: number) => ({ ...results, runs: results.runs.filter((r: Run) => r.round <= n) });
const ratioOf = (res: unknown, cell: string) =>
  summarizeResults(res).ratios.find((r: { cell: string }) => r.cell === cell).figures.serverCpuUsPerOp;

describe('the 95% interval of a ratio', () => {
  it('is Yuen\'s trimmed-mean interval on log ratios: symmetric in log, inverted with the ratio', () => {
    const xs = [0.9, 0.92, 0.88, 0.91, 0.89, 0.93, 0.87];
    const ci = ratioInterval(xs);
    expect(ci.df).toBe(4);   // 7 rounds, one trimmed at each end: 5 kept, 4 degrees of freedom
    expect(ci.lo).toBeLessThan(ci.centre);
    expect(ci.hi).toBeGreaterThan(ci.centre);
    expect(Math.log(ci.hi / ci.centre)).toBeCloseTo(Math.log(ci.centre / ci.lo), 10);
    const inv = ratioInterval(xs.map((x) => 1 / x));
    expect(inv.lo).toBeCloseTo(1 / ci.hi, 10);
    expect(inv.hi).toBeCloseTo(1 / ci.lo, 10);
    // Worked by hand: the kept logs' mean, the winsorized variance, t(4) = 2.776.
    const logs = xs.map(Math.log).sort((a, b) => a - b);
    const mean = logs.slice(1, 6).reduce((a, x) => a + x, 0) / 5;
    const w = logs.map((x) => Math.min(Math.max(x, logs[1]), logs[5]));
    const wm = w.reduce((a, x) => a + x, 0) / 7;
    const se = Math.sqrt((6 * (w.reduce((a, x) => a + (x - wm) ** 2, 0) / 6)) / (5 * 4));
    expect(ci.centre).toBeCloseTo(Math.exp(mean), 10);
    expect(ci.hi).toBeCloseTo(Math.exp(mean + 2.776 * se), 10);
  });

  it('needs 3 rounds; t quantiles follow the table and then the expansion', () => {
    expect(ratioInterval([0.9, 0.91])).toBeNull();
    expect(ratioInterval([0.9, 0.9, 0.9])).toMatchObject({ lo: 0.9, hi: 0.9, width: 0 });
    expect(t975(1)).toBeCloseTo(12.706, 3);
    expect(t975(30)).toBeCloseTo(2.042, 3);
    expect(t975(60)).toBeCloseTo(2.0003, 3);
    expect(t975(1e6)).toBeCloseTo(1.96, 3);
  });
});

describe('--until-stable\'s rule from a fixed results file', () => {
  it('rounds scattering +-4% never settle by the spread, and do by the interval once enough have run', () => {
    const widths: number[] = [];
    for (const n of [5, 8, 12, 20, 30]) {
      const r = ratioOf(upTo(n), 'settles');
      expect(r.spread, `spread after ${n} rounds`).toBeGreaterThan(0.05);
      widths.push(r.ci.width);
    }
    expect([...widths].sort((a, b) => b - a)).toEqual(widths);   // narrows as rounds are added
    expect(settled(ratioOf(upTo(12), 'settles'))).toBe(false);
    expect(settled(ratioOf(upTo(20), 'settles'))).toBe(true);
    expect(unsettledCells(upTo(12)).cells.map((c: { id: string }) => c.id)).toEqual(['settles', 'noisy']);
    expect(unsettledCells(upTo(20)).cells.map((c: { id: string }) => c.id)).toEqual(['noisy']);
  });

  it('a settled interval on one side of 1.0 is a verdict; an unsettled one is within noise', () => {
    const early = ratioOf(upTo(8), 'settles');
    expect(early.ci.hi).toBeLessThan(1);
    expect(early.verdict).toBe('within noise');   // below 1 throughout, but 7.4% wide: not known well enough
    const late = ratioOf(results, 'settles');
    expect(late).toMatchObject({ rounds: 30, verdict: 'lower' });
    expect(late.ci.width).toBeLessThanOrEqual(0.05);
    expect(ratioOf(results, 'noisy').verdict).toBe('within noise');
  });

  it('expectations are judged by the same settled range', () => {
    const late = ratioOf(results, 'settles');
    expect(expectationVerdict(late, '<=', 0.95)).toBe('met');
    expect(expectationVerdict(late, '<=', 0.85)).toBe('missed');
    expect(expectationVerdict(late, '<=', 0.9)).toBe('within noise');   // inside the interval
    expect(expectationVerdict(ratioOf(upTo(8), 'settles'), '<=', 0.95)).toBe('within noise');
  });

  it('the issue\'s rule still decides where the rounds agree within 5%', () => {
    const tight = ratioStats([0.9, 0.91]);
    expect(tight.ci).toBeNull();
    expect(comparisonVerdict(tight)).toBe('lower');
    expect(comparisonVerdict(ratioStats([0.99, 1.01, 1.0]))).toBe('within noise');   // covers 1.0
  });

  it('rounds that agree by chance below 1.0 are no verdict while their interval covers 1.0 (an A/A case)', () => {
    // Three rounds within 5% of each other, all below 1: the spread alone would call it
    // 'lower'; the 95% interval of three rounds (t = 4.3) still reaches past 1.0.
    const chance = ratioStats([0.955, 0.975, 0.998]);
    expect(chance.spread).toBeLessThanOrEqual(0.05);
    expect(chance.ci.hi).toBeGreaterThan(1);
    expect(comparisonVerdict(chance)).toBe('within noise');
    expect(expectationVerdict(chance, '<', 1)).toBe('within noise');
    // The same agreement further from 1.0: the interval lies below it too, a verdict.
    const real = ratioStats([0.855, 0.875, 0.898]);
    expect(real.ci.hi).toBeLessThan(1);
    expect(comparisonVerdict(real)).toBe('lower');
  });

  it('projects the rounds an unsettled interval would need at the noise seen so far', () => {
    const r = ratioOf(upTo(8), 'settles');
    const need = roundsNeeded(r);
    expect(need).toBeGreaterThan(8);
    expect(need).toBeLessThan(40);
    expect(roundsNeeded(ratioOf(results, 'noisy'))).toBeGreaterThan(need);
    expect(roundsNeeded(ratioOf(results, 'settles'))).toBe(30);   // already settled
  });

  it('the report prints the interval beside the spread and says what was not settled', () => {
    const text: string = report.consoleReport(results);
    const row = text.split('\n').find((l) => l.startsWith('settles ') && l.includes('ringnet-epoll ÷ node:net')) ?? '';
    expect(row).toMatch(/0\.886–0\.915 \(3\.2%\)\s+6\.3%\s+lower CPU/);
    expect(text).toMatch(/--until-stable: cap of 30 rounds reached; 1 ratio\(s\) not settled \(settled = spread or 95% CI width at most 5%.*noisy ringnet-epoll ÷ node:net 30\.0% \/ 25\.0%, ~150 rounds/);
    expect(exitStatus(results)).toBe(0);
  });
});
