/**
 * Before/after benchmarking (issue 10): bench/http.js and the lab each run a
 * target from another checkout (here: this one, named by path) beside the
 * usual one, and both measure. No speed assertions, only that every run
 * served requests or frames without errors.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-bench-compare-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function node(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('before/after targets', () => {
  it('bench/http.js: ringnet@DIR serves beside ringnet-epoll', async () => {
    const json = path.join(dir, 'http.json');
    const r = await node(['bench/http.js', '--rounds', '1', '--duration', '1', '--warmup', '1', '--only', 'p1',
      '--tools', 'autocannon', '--connections', '10', '--targets', `ringnet-epoll,ringnet@${ROOT}`, '--json', json]);
    expect(r.code, r.out).toBe(0);
    const runs = JSON.parse(fs.readFileSync(json, 'utf8')).runs as Array<{ target: string; requests: number; error?: string }>;
    expect(runs.map((x) => x.target)).toEqual(['ringnet-epoll', `ringnet@${ROOT}`]);
    for (const run of runs) {
      expect(run.error).toBeUndefined();
      expect(run.requests).toBeGreaterThan(0);
    }
  }, 120_000);

  it('bench/http.js: a DIR without a build is refused before anything runs', async () => {
    const r = await node(['bench/http.js', '--targets', `ringnet@${dir}`]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('not found');
  });

  it('the lab: ringnet-at:{"root": DIR} echoes beside ringnet-epoll; without a root it is skipped, saying why', async () => {
    const at = `ringnet-at:{"root":"${ROOT}"}`;
    const r = await node(['dist/cli/main.js', 'bench', '--quick', '--workload', 'echo', '--connections', '10', '--depth', '1',
      '--payload', '64', '--targets', `ringnet-epoll,${at},ringnet-at`, '--out', dir, '--name', 'compare', '--progress=false']);
    expect(r.code, r.out).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'compare.json'), 'utf8'));
    const byTarget = new Map<string, { ops?: number; errors?: number; error?: string; skipped?: string }>(
      results.runs.map((x: { target: string }) => [x.target, x]));
    for (const name of ['ringnet-epoll', at]) {
      expect(byTarget.get(name)?.error, name).toBeUndefined();
      expect(byTarget.get(name)?.ops, name).toBeGreaterThan(0);
      expect(byTarget.get(name)?.errors, name).toBe(0);
    }
    expect(byTarget.get('ringnet-at')?.skipped).toMatch(/needs options \{"root"/);
  }, 120_000);
});
