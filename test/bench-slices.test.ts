/**
 * How the lab measures a round (no speed assertions): rounds in slices (the generator
 * alternating A B B A between live servers, a target's round the sum of its slices), the
 * counterbalanced target order of rounds, the server's CPU from schedstat with its run-queue
 * wait, and the wall-time bound of --until-stable (--max-minutes), end to end with real
 * servers and the native generator.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, usageError } from './support/lab';
import { parseBenchArgs } from '../src/cli/bench-args';

const ROOT = path.join(__dirname, '..');
const requireCjs = createRequire(__filename);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-bench-slices-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const { buildPlan, cellSlices } = requireCjs(path.join(ROOT, 'bench', 'lab', 'plan.js'));
const { slotOrder, combineSlices } = requireCjs(path.join(ROOT, 'bench', 'lab', 'slices.js'));
const { roundOrder } = requireCjs(path.join(ROOT, 'bench', 'lab', 'runner.js'));
const plan = (argv: string[]) => buildPlan(parseBenchArgs(argv));

const usage = (argv: string[]) => usageError(plan, argv);

const run = runCli;

describe('slices and bounds in the plan', () => {
  it('the default preset measures echo, goim and HTTP in slices; broadcast and --quick in one window', () => {
    const p = plan([]);
    expect(p.slices).toBe(4);
    const per = Object.fromEntries(p.cells.map((c: { id: string }) => [c.id, cellSlices(p, c)]));
    expect(per).toMatchObject({ 'c100-d1-p64': 4, 'goim-c100-d1-p64': 4, 'http-c100-d1': 3, 'http-c100-close': 3, 'bcast-c2000-n50': 1 });
    expect(plan(['--quick']).slices).toBe(1);
    expect(plan(['--slices', '1']).slices).toBe(1);
    expect(plan(['--preset', 'echo']).slices).toBe(1);
    expect(plan(['--preset', 'echo', '--slices', '3']).slices).toBe(3);
    // wrk counts whole seconds: never more HTTP slices than measured seconds.
    const short = plan(['--workload', 'http', '--duration', '2', '--slices', '8']);
    expect(cellSlices(short, short.cells[0])).toBe(2);
  });

  it('--until-stable is bounded in rounds and in wall time', () => {
    expect(plan(['--until-stable'])).toMatchObject({ maxRounds: 12, maxMinutes: 18 });
    expect(plan(['--until-stable', '--max-minutes', '7.5'])).toMatchObject({ maxMinutes: 7.5 });
    expect(plan([])).toMatchObject({ maxMinutes: null });
    expect(usage(['--max-minutes', '5'])).toMatchObject({ flag: '--max-minutes', message: expect.stringMatching(/only applies with --until-stable/) });
    expect(usage(['--until-stable', '--max-minutes', '0'])).toMatchObject({ flag: '--max-minutes' });
    expect(usage(['--slices', '0'])).toMatchObject({ flag: '--slices' });
    expect(usage(['--slices', 'many'])).toMatchObject({ flag: '--slices' });
  });

  it('orders: rounds alternate A B C / C B A, slices A B C C B A A B C', () => {
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 2)).toEqual(['c', 'b', 'a']);
    expect(slotOrder(['a', 'b', 'c'], 3).map(([, t]: [number, string]) => t).join('')).toBe('abccbaabc');
  });

  it('a round of slices adds up CPU, operations and time, as one window would', () => {
    const s = (ops: number, cpu: number, win: number, extra = {}) => ({ ops, serverCpuSec: cpu, windowSec: win, genCpuSec: win / 2,
      otherCores: 0.1, serverWaitShare: 0, p50Us: ops / 10, p99Us: ops, p999Us: ops, maxUs: ops * 2, errors: 0, rssBytes: ops * 1000,
      serverCpuSource: 'schedstat', ...extra });
    const r = combineSlices([s(100, 1, 1), s(300, 2, 1), s(200, 1.5, 2)]);
    expect(r).toMatchObject({ ops: 600, serverCpuSec: 4.5, windowSec: 4, opsPerSec: 150, genCores: 0.5, serverCpuSource: 'schedstat',
      p50Us: 20, p99Us: 200, maxUs: 600, rssBytes: 300000, errors: 0 });
    expect(r.serverCpuUsPerOp).toBeCloseTo(4.5e6 / 600, 6);
    expect(r.slices).toHaveLength(3);
    // A failed slice fails the round; what was measured stays in the record.
    const bad = combineSlices([s(100, 1, 1), { error: 'server exited during the run (code 1)' }]);
    expect(bad.slices[1].error).toMatch(/server exited/);
    expect(combineSlices([{ error: 'loadgen exit 1' }])).toMatchObject({ error: 'loadgen exit 1' });
  });
});

describe('a sliced, bounded run end to end', () => {
  it('alternates the generator between live servers, measures CPU by schedstat, and stops at --max-minutes', async () => {
    const r = await run(['bench', '--workload', 'echo', '--targets', 'ringnet-epoll,node:net', '--connections', '10', '--depth', '1',
      '--rounds', '2', '--warmup', '0.2', '--duration', '1', '--slices', '2', '--window-ms', '0', '--until-stable', '--max-minutes', '0.1',
      '--progress=false', '--out', dir, '--name', 'sliced']);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'sliced.json'), 'utf8'));
    expect(results.runs).toHaveLength(4);
    for (const x of results.runs) {
      expect(x.error, `${x.round} ${x.target}`).toBeUndefined();
      expect(x.slices).toHaveLength(2);
      expect(x.ops).toBe(x.slices[0].ops + x.slices[1].ops);
      expect(x.serverCpuSec).toBeCloseTo(x.slices[0].serverCpuSec + x.slices[1].serverCpuSec, 9);
      expect(x.serverCpuSource).toBe(fs.existsSync('/proc/self/schedstat') ? 'schedstat' : 'ticks');
      expect(x.serverWaitShare).toBeGreaterThanOrEqual(0);
      expect(x.rssBytes).toBeGreaterThan(0);
    }
    // Round 1: epoll, node:net, node:net, epoll (A B B A); round 2 starts with node:net.
    const starts = (round: number) => results.runs.filter((x: { round: number }) => x.round === round)
      .flatMap((x: { target: string; slices: Array<{ atSec: number }> }) => x.slices.map((s) => [s.atSec, x.target] as const))
      .sort((a: readonly [number, string], b: readonly [number, string]) => a[0] - b[0]).map((e: readonly [number, string]) => e[1]);
    expect(starts(1)).toEqual(['ringnet-epoll', 'node:net', 'node:net', 'ringnet-epoll']);
    expect(starts(2)).toEqual(['node:net', 'ringnet-epoll', 'ringnet-epoll', 'node:net']);
    // Two rounds take longer than 6 s: no round is added past the bound, and the report says so.
    expect(results.stability).toMatchObject({ rounds: 2, maxMinutes: 0.1 });
    expect(['stable', 'max-minutes']).toContain(results.stability.stoppedBy);
    if (!results.stability.stable) expect(r.stdout).toMatch(/wall-time bound of 0\.1 min reached/);
    expect(r.stdout).toMatch(/in 2 windows per target per round/);
  }, 120_000);
});
