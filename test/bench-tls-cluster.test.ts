/**
 * The lab's TLS and cluster workloads, without speed assertions: their plans (HTTPS hello with
 * wrk keep-alive and a full handshake per request against node:https; TLS framed echo against
 * node:tls; the cross-node cluster against one node), argument errors, and a short real run of
 * each (real servers, real TLS, a real private Redis), plus a brought-along TLS echo given the
 * lab's certificate through {key} and {cert}.
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
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-bench-tls-cluster-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const { buildPlan } = requireCjs(path.join(ROOT, 'bench', 'lab', 'plan.js'));
const plan = (argv: string[]) => buildPlan(parseBenchArgs(argv));
interface Cell { id: string; workload: string; reference?: string; tls?: boolean; nodes?: number; targets: Array<{ label: string }> }
const labels = (c: Cell) => c.targets.map((t) => t.label);

const usage = (argv: string[]) => usageError(plan, argv);

const run = runCli;

interface Run { cell: string; target: string; error?: string; skipped?: string; errors: number; ops: number; serverCpuSec: number; opsPerSec: number }
const load = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as { runs: Run[] };

describe('TLS and cluster plans', () => {
  it('the tls preset: HTTPS keep-alive and a handshake per request, TLS echo, idle TLS RSS; both backends against node:https / node:tls', () => {
    const p = plan(['--preset', 'tls']);
    expect(p.cells.map((c: Cell) => [c.id, c.reference])).toEqual([
      ['https-c100-d1', 'node:https'], ['https-c20-close', 'node:https'], ['tls-c100-d1-p64', 'node:tls'], ['tls-c100-d16-p64', 'node:tls'],
      ['idle-tls-c10000', 'node:tls'],
    ]);
    expect(plan(['--preset', 'tls', '--idle-connections', '500']).cells[4].id).toBe('idle-tls-c500');
    for (const c of p.cells as Cell[]) {
      const ref = c.workload === 'http' ? 'node:https' : 'node:tls';
      // c-limit (optional, in plain HTTP cells) stays out: it speaks no TLS.
      expect(labels(c)).toEqual(['ringnet-epoll', 'ringnet-io_uring', ref]);
    }
    expect(p.pairs).toEqual([['ringnet-io_uring', 'ringnet-epoll']]);
  });

  it('--tls turns the HTTP cells of any preset into HTTPS cells against node:https', () => {
    const p = plan(['--workload', 'http', '--tls']);
    expect(p.cells.map((c: Cell) => c.id)).toEqual(['https-c100-d1', 'https-c100-d16', 'https-c100-close']);
    for (const c of p.cells as Cell[]) {
      expect(c.tls).toBe(true);
      expect(c.reference).toBe('node:https');
      expect(labels(c)).toEqual(['ringnet-epoll', 'ringnet-io_uring', 'node:https']);
    }
    expect(usage(['--workload', 'echo', '--tls'])).toMatchObject({ flag: '--tls', message: expect.stringMatching(/HTTP cells/) });
  });

  it('the cluster preset: 3 nodes + Redis on both backends against one node; the cross-node push rate on both backends', () => {
    const p = plan(['--preset', 'cluster']);
    expect(p.cells).toHaveLength(2);
    expect(p.cells[0]).toMatchObject({ id: 'cluster-x3-c10000-n20', nodes: 3, reference: 'ringnet-one-node' });
    expect(labels(p.cells[0])).toEqual(['ringnet-epoll', 'ringnet-io_uring', 'ringnet-one-node']);
    expect(p.cells[1]).toMatchObject({ id: 'burst-x2-n20000', workload: 'cluster-burst', pushes: 20000 });
    expect(labels(p.cells[1])).toEqual(['ringnet-epoll', 'ringnet-io_uring']);
    expect(p.pairs).toEqual([['ringnet-io_uring', 'ringnet-epoll']]);
    expect(plan(['--preset', 'cluster', '--quick']).cells.map((c: Cell) => c.id)).toEqual(['cluster-x3-c2000-n10', 'burst-x2-n5000']);
    expect(usage(['--target', 'x@cluster-burst=x {port}']).message).toMatch(/not a bare port/);
    // The cluster needs the lab's control lines: a bare port cannot serve it.
    expect(usage(['--target', 'x@cluster=x {port}']).message).toMatch(/not a bare port/);
    const bring = plan(['--preset', 'tls', '--target', 'mine=x {port} {key} {cert}']);
    expect(bring.cells.every((c: Cell) => labels(c).includes('mine'))).toBe(true);
  });
});

describe('TLS and cluster runs end to end', () => {
  it('HTTPS (keep-alive, a full handshake per request) and TLS echo measure every target without errors', async () => {
    const r = await run(['bench', '--preset', 'tls', '--quick', '--connections', '10', '--duration', '1', '--warmup', '0.3',
      '--idle-connections', '300', '--progress=false', '--out', dir, '--name', 'tls']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const { runs } = load('tls');
    expect(runs.filter((y) => y.skipped)).toEqual([]);
    expect(new Set(runs.map((x) => `${x.cell} ${x.target}`))).toEqual(new Set([
      ...['https-c10-d1', 'https-c10-close', 'tls-c10-d1-p64', 'tls-c10-d16-p64', 'idle-tls-c300'].flatMap((c) =>
        ['ringnet-epoll', 'ringnet-io_uring', c.startsWith('https') ? 'node:https' : 'node:tls'].map((t) => `${c} ${t}`)),
    ]));
    // Idle TLS: every connection open (handshake and one echoed frame) and held while the server's RSS is read.
    const idle = runs.filter((x) => x.cell.startsWith('idle-'));
    for (const x of idle as Array<Run & { bytesPerConn: number; rssBytes: number }>) {
      expect(x.error, `${x.cell} ${x.target}`).toBeUndefined();
      expect(x.errors, x.target).toBe(0);
      expect(x.ops, x.target).toBe(300);
      expect(Number.isFinite(x.bytesPerConn)).toBe(true);
      expect(x.rssBytes).toBeGreaterThan(0);
    }
    expect(r.stdout).toMatch(/idle-tls-c300 +ringnet-epoll ÷ node:tls/);
    for (const x of runs.filter((y) => !y.cell.startsWith('idle-'))) {
      expect(x.error, `${x.cell} ${x.target}`).toBeUndefined();
      expect(x.errors, `${x.cell} ${x.target}`).toBe(0);
      expect(x.ops, `${x.cell} ${x.target}`).toBeGreaterThan(0);
      expect(x.serverCpuSec).toBeGreaterThan(0);
    }
    expect(r.stdout).toMatch(/https-c10-close +ringnet-epoll ÷ node:https/);
  }, 360_000);

  it('a brought-along TLS echo gets the lab\'s certificate as {key} and {cert}', async () => {
    const echo = path.join(ROOT, 'bench', 'servers', 'node-net-echo.js');
    const r = await run(['bench', '--workload', 'tls-echo', '--targets', 'node:tls', '--connections', '5', '--rounds', '1', '--duration', '0.5',
      '--warmup', '0.2', '--progress=false', '--out', dir, '--name', 'tls-byo',
      '--target', `mine=${process.execPath} ${echo} {port} 127.0.0.1 '{"tls":{"key":"{key}","cert":"{cert}"}}'`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const mine = load('tls-byo').runs.find((x) => x.target === 'mine');
    expect(mine).toMatchObject({ errors: 0 });
    expect(mine?.error).toBeUndefined();
    expect(mine?.ops).toBeGreaterThan(0);
  }, 120_000);

  it('the cluster: pushes cross a private Redis to every member on 3 nodes; one node alone as the reference', async () => {
    const r = await run(['bench', '--preset', 'cluster', '--quick', '--connections', '300', '--pushes', '3',
      '--progress=false', '--out', dir, '--name', 'cluster']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const { runs } = load('cluster');
    expect(runs.map((x) => `${x.cell} ${x.target}`)).toEqual(['cluster-x3-c300-n3 ringnet-epoll', 'cluster-x3-c300-n3 ringnet-io_uring',
      'cluster-x3-c300-n3 ringnet-one-node', 'burst-x2-n3 ringnet-epoll', 'burst-x2-n3 ringnet-io_uring']);
    for (const x of runs) {
      expect(x.error, x.target).toBeUndefined();
      expect(x.errors, x.target).toBe(0);
      // Cluster: every delivery to every member; burst: every push reached the member on the other node.
      expect(x.ops).toBe(x.cell.startsWith('burst') ? 3 : 300 * 3);
      expect(x.serverCpuSec).toBeGreaterThan(0);
      expect(x.opsPerSec).toBeGreaterThan(0);
    }
    expect(r.stdout).toMatch(/cluster-x3-c300-n3 +ringnet-epoll ÷ ringnet-one-node/);
    expect(r.stdout).toMatch(/burst-x2-n3 +ringnet-io_uring ÷ ringnet-epoll/);
  }, 360_000);   // 25-45 s alone; a full suite on the shared 2-core machine (load average 20+) took longer than 180 s
});
