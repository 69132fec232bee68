/**
 * The A/A check, end to end with real servers, sockets and the native generator: the same
 * server (this checkout's ringnet-epoll, once as itself and once as ringnet-at of this very
 * tree) measured as two targets by the aa preset. No speed is asserted; what is asserted is
 * what a user relies on: the lab never calls a server faster or slower than itself.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectAaNoVerdict } from './support/lab';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const requireCjs = createRequire(__filename);
const { AA_LABEL } = requireCjs(path.join(ROOT, 'bench', 'lab', 'presets.js'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-bench-aa-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('A/A: the same server as two targets', () => {
  it('is measured on both sides and its CPU/op ratio is never a win or a loss', () => {
    const r = spawnSync(process.execPath, [CLI, 'bench', '--preset', 'aa', '--workload', 'echo', '--connections', '20', '--rounds', '3',
      '--duration', '1', '--warmup', '0.5', '--slices', '2', '--window-ms', '0', '--progress=false', '--out', dir, '--name', 'aa'], { encoding: 'utf8', timeout: 180_000 });
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'aa.json'), 'utf8'));
    expect(results.runs.filter((x: { error?: string; skipped?: string }) => x.error || x.skipped)).toEqual([]);
    expect(new Set(results.runs.map((x: { target: string }) => x.target))).toEqual(new Set(['ringnet-epoll', AA_LABEL]));
    expectAaNoVerdict(results, 3);
    // The report prints the A/A pair with the statistic that judged it.
    expect(fs.readFileSync(path.join(dir, 'aa.md'), 'utf8')).toMatch(new RegExp(`${AA_LABEL} ÷ ringnet-epoll.*\\| (speed-adjusted \\(θ [-\\d.]+\\)|raw) \\|`));
  }, 200_000);
});
