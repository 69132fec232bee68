/**
 * The windows mode (no speed assertions): one native generator keeps connections to several
 * servers and measures one at a time, draining it at the end of each window, so that a
 * server's CPU read between its windows belongs to exactly the echoes counted. Tested with
 * real servers, sockets and the generator: the plan's flag, the generator's stdin protocol and
 * drain (every frame a server echoed is counted in a window, none outside), a corrupted echo
 * caught in its window, a real run through the lab, and the A/A pair never a win or a loss.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectAaNoVerdict, runCli, usageError } from './support/lab';
import { parseBenchArgs } from '../src/cli/bench-args';

const ROOT = path.join(__dirname, '..');
const requireCjs = createRequire(__filename);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-bench-windows-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const { buildPlan } = requireCjs(path.join(ROOT, 'bench', 'lab', 'plan.js'));
const { windowed, windowsPerRound } = requireCjs(path.join(ROOT, 'bench', 'lab', 'windows.js'));
const { ensureLoadgen, BIN } = requireCjs(path.join(ROOT, 'bench', 'workloads', 'shared', 'loadgen.js'));
const plan = (argv: string[]) => buildPlan(parseBenchArgs(argv));

describe('windows mode in the plan', () => {
  it('serves echo and goim cells (not with --reconnect), leaves HTTP and broadcast to slices', () => {
    const p = plan(['--window-ms', '200', '--duration', '3']);
    expect(p.windowMs).toBe(200);
    expect(windowsPerRound(p)).toBe(15);
    const by = Object.fromEntries(p.cells.map((c: { id: string }) => [c.id, windowed(p, c)]));
    expect(by).toMatchObject({ 'c100-d1-p64': true, 'goim-c100-d1-p64': true, 'http-c100-d1': false, 'bcast-c2000-n50': false });
    const churn = plan(['--workload', 'echo', '--reconnect', '10', '--window-ms', '200']);
    expect(windowed(churn, churn.cells[0])).toBe(false);
    expect(plan(['--window-ms', '0']).windowMs).toBe(0);
    // The default and A/A presets measure echo and goim in windows; --quick keeps one window per run.
    const d = plan([]);
    expect(d.windowMs).toBe(250);
    expect(d.cells.filter((c: { id: string }) => windowed(d, c)).map((c: { id: string }) => c.id))
      .toEqual(['c100-d1-p64', 'c1000-d1-p64', 'c100-d16-p64', 'goim-c100-d1-p64']);
    expect(plan(['--preset', 'aa']).windowMs).toBe(250);
    expect(plan(['--quick']).windowMs).toBe(0);
    expect(plan(['--preset', 'echo']).windowMs).toBe(0);
    expect(usageError(plan, ['--window-ms', '-5'])).toMatchObject({ flag: '--window-ms' });
    expect(usageError(plan, ['--window-ms', 'soon'])).toMatchObject({ flag: '--window-ms' });
  });
});

/** A length-prefixed echo server counting the frames it echoed; CORRUPT=n flips a bit of echo n. */
const echoServer = (corrupt = 0) => `let frames = 0; let n = 0;
  const srv = require('net').createServer((c) => { let buf = Buffer.alloc(0);
    c.on('data', (d) => { buf = Buffer.concat([buf, d]); let off = 0;
      while (buf.length - off >= 4) { const len = buf.readUInt32BE(off); if (buf.length - off - 4 < len) break;
        const f = Buffer.from(buf.subarray(off, off + 4 + len)); if (++n === ${corrupt}) f[f.length - 1] ^= 1;
        c.write(f); frames++; off += 4 + len; }
      buf = buf.subarray(off); }); c.on('error', () => {}); });
  srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
  process.stdin.on('data', () => console.log('frames ' + frames));`;

function serve(source: string) {
  return new Promise<{ port: number; echoed: () => Promise<number>; stop: () => void }>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', source], { stdio: ['pipe', 'pipe', 'inherit'] });
    const waiting: Array<(n: number) => void> = [];
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (d: string) => {
      child.stdout.on('data', (l: string) => { for (const m of l.matchAll(/frames (\d+)/g)) waiting.shift()?.(Number(m[1])); });
      resolve({
        port: Number(d.trim()),
        echoed: () => new Promise((r) => { waiting.push(r); child.stdin.write('?\n'); }),
        stop: () => child.kill('SIGKILL'),
      });
    });
    child.on('error', reject);
  });
}

/** The generator in windows mode: send(line) -> the next JSON line it prints. */
function windowsGenerator(ports: number[], extra: string[]) {
  const child = spawn(BIN, ['--ports', ports.join(','), ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdin.on('error', () => {});   // it may have exited already (a refused flag)
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  const lines: string[] = [];
  const waiting: Array<(s: Record<string, number | string | number[]>) => void> = [];
  let rest = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop() as string;
    for (const p of parts) {
      const w = waiting.shift();
      if (w) w(JSON.parse(p)); else lines.push(p);
    }
  });
  const next = () => new Promise<Record<string, number | string | number[]>>((r) => {
    const l = lines.shift();
    if (l) r(JSON.parse(l)); else waiting.push(r);
  });
  return {
    next,
    send: (line: string) => { child.stdin.write(line + '\n'); return next(); },
    quit: () => { child.stdin.end('quit\n'); return exited; },
    stderr: () => stderr,
  };
}

describe('the generator in windows mode', () => {
  it('drives one server at a time and drains it: every echo a server sent is counted in its windows', async () => {
    ensureLoadgen();
    const a = await serve(echoServer());
    const b = await serve(echoServer());
    try {
      const gen = windowsGenerator([a.port, b.port], ['--connections', '10', '--depth', '4', '--payload', '64']);
      expect(await gen.next()).toMatchObject({ ready: true, targets: 2, connections: [10, 10], connectErrors: 0 });
      const counted = [0, 0];
      for (const k of [0, 1, 1, 0, 0]) {
        const w = await gen.send(`run ${k} 60`);
        expect(w).toMatchObject({ target: k, errors: 0, mismatches: 0 });
        expect(w.frames as number).toBeGreaterThan(0);
        expect(w.seconds as number).toBeGreaterThanOrEqual(0.06);
        counted[k] += w.frames as number;
        // Drained: the server echoed exactly what the windows counted, nothing is left in flight.
        expect([await a.echoed(), await b.echoed()]).toEqual(counted);
      }
      expect(await gen.send('run 2 50')).toMatchObject({ error: expect.stringMatching(/bad command/) });
      expect(await gen.send('run 0 5')).toMatchObject({ target: 0, errors: 0 });
      expect(await gen.quit()).toBe(0);
    } finally {
      a.stop();
      b.stop();
    }
  }, 60_000);

  it('catches a corrupted echo in the window it arrived in, and refuses flags it cannot honour', async () => {
    ensureLoadgen();
    const a = await serve(echoServer());
    const b = await serve(echoServer(50));
    try {
      const gen = windowsGenerator([a.port, b.port], ['--connections', '4', '--depth', '1', '--payload', '16']);
      await gen.next();
      expect(await gen.send('run 0 50')).toMatchObject({ target: 0, mismatches: 0 });
      const bad = await gen.send('run 1 200');
      expect(bad).toMatchObject({ target: 1, mismatches: 1 });
      expect(gen.stderr()).toContain('echoed payload differs from the message sent');
      await gen.quit();
    } finally {
      a.stop();
      b.stop();
    }
    const refused = windowsGenerator([1, 2], ['--reconnect', '5']);
    expect(await refused.quit()).toBe(2);
    expect(refused.stderr()).toMatch(/--ports \(windows mode\) takes none of/);
  }, 60_000);
});

describe('a windows-mode run through the lab', () => {
  it('measures every target in windows from one generator, alternating A B B A, and parses each window', async () => {
    const r = await runCli(['bench', '--workload', 'echo', '--targets', 'ringnet-epoll,node:net', '--connections', '10', '--depth', '1',
      '--rounds', '2', '--warmup', '0.2', '--duration', '0.4', '--window-ms', '100', '--progress=false', '--out', dir, '--name', 'windows']);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'windows.json'), 'utf8'));
    expect(results.runs).toHaveLength(4);
    for (const x of results.runs) {
      expect(x.error, `${x.round} ${x.target}`).toBeUndefined();
      expect(x).toMatchObject({ design: 'windows', windowMs: 100, errors: 0 });
      expect(x.slices).toHaveLength(4);
      expect(x.ops).toBe(x.slices.reduce((s: number, w: { ops: number }) => s + w.ops, 0));
      expect(x.serverCpuSec).toBeCloseTo(x.slices.reduce((s: number, w: { serverCpuSec: number }) => s + w.serverCpuSec, 0), 9);
      for (const w of x.slices) {
        expect(w.ops).toBeGreaterThan(0);
        expect(w.windowSec).toBeGreaterThanOrEqual(0.1);
        expect(w.serverCpuSec).toBeGreaterThan(0);
      }
    }
    const starts = (round: number) => results.runs.filter((x: { round: number }) => x.round === round)
      .flatMap((x: { target: string; slices: Array<{ atSec: number }> }) => x.slices.map((s) => [s.atSec, x.target] as const))
      .sort((p: readonly [number, string], q: readonly [number, string]) => p[0] - q[0]).map((e: readonly [number, string]) => e[1]);
    expect(starts(1)).toEqual(['ringnet-epoll', 'node:net', 'node:net', 'ringnet-epoll', 'ringnet-epoll', 'node:net', 'node:net', 'ringnet-epoll']);
    expect(starts(2)[0]).toBe('node:net');
    expect(r.stdout).toMatch(/one generator per cell and round, 4 windows of 100 ms per target/);
  }, 120_000);

  it('A/A in windows: the same server as two targets is never a win or a loss', async () => {
    const r = await runCli(['bench', '--preset', 'aa', '--workload', 'echo', '--connections', '20', '--rounds', '3', '--duration', '0.6',
      '--warmup', '0.3', '--window-ms', '100', '--progress=false', '--out', dir, '--name', 'aa-windows']);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'aa-windows.json'), 'utf8'));
    expect(results.runs.every((x: { design?: string; error?: string }) => x.design === 'windows' && !x.error)).toBe(true);
    expectAaNoVerdict(results, 3);
  }, 180_000);
});
