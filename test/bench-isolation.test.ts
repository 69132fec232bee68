/**
 * Keeping the server's CPU for the measured server (no speed assertions): in a real sliced run
 * the lab itself runs on the generator's CPU and, while a generator runs, every live server but
 * the measured one is stopped (--park stop) or on the generator's CPU (--park move), as read
 * from /proc (state, Cpus_allowed_list) while the run goes on; the flags' argument errors; and
 * a lab interrupted (SIGTERM) or killed (SIGKILL) in a cluster cell leaves no node and no
 * private Redis behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { usageError } from './support/lab';
import { parseBenchArgs } from '../src/cli/bench-args';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const requireCjs = createRequire(__filename);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-bench-isolation-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const { buildPlan } = requireCjs(path.join(ROOT, 'bench', 'lab', 'plan.js'));
const { parker, runnerAffinity, allowedCpus } = requireCjs(path.join(ROOT, 'bench', 'lab', 'isolation.js'));
const { processTree } = requireCjs(path.join(ROOT, 'bench', 'lib', 'proc.js'));
const plan = (argv: string[]) => buildPlan(parseBenchArgs(argv));
const CPUS = os.availableParallelism();
const GEN = String(CPUS - 1);
const SERVER = CPUS === 2 ? '0' : `0-${CPUS - 2}`;

interface Task { pid: number; ppid: number; comm: string; state: string; cpus: string | null }
function task(pid: number): Task | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(f[1]), comm, state: f[0] ?? '?', cpus: allowedCpus(pid) };
  } catch {
    return null;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
function startLab(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string }> } {
  const child = spawn(process.execPath, [CLI, 'bench', '--progress=false', '--out', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  return { child, done: new Promise((r) => child.on('exit', (code, signal) => r({ code, signal, out }))) };
}

describe('isolation flags', () => {
  it('--park takes stop, move or off (default stop); --steer-irqs is a switch', () => {
    expect(plan([])).toMatchObject({ park: 'stop', steerIrqs: false });
    expect(plan(['--park', 'move', '--steer-irqs'])).toMatchObject({ park: 'move', steerIrqs: true });
    expect(plan(['--park=off'])).toMatchObject({ park: 'off' });
    expect(usageError(plan, ['--park', 'freeze'])).toMatchObject({ flag: '--park', message: expect.stringMatching(/stop, move, off/) });
  });
});

describe.skipIf(CPUS < 2)('parking real processes', () => {
  it('stop: SIGSTOP and SIGCONT of the process tree; move: its affinity to the generator CPU and back', async () => {
    // A server-like process with a child (a cluster server holds nodes and a broker).
    const child = spawn('taskset', ['-c', SERVER, process.execPath, '-e',
      "require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); setInterval(() => {}, 1000)"],
    { stdio: 'ignore' });
    try {
      const pid = child.pid!;
      let tree: number[] = [];
      for (let i = 0; i < 100 && tree.length < 2; i++) { await sleep(50); tree = processTree(pid); }
      expect(tree).toHaveLength(2);
      const handle = { pid };
      const stop = parker('stop', { serverCpus: SERVER, generatorCpus: GEN });
      stop.park(handle);
      await sleep(100);
      for (const p of tree) expect(task(p)?.state, `pid ${p}`).toBe('T');
      stop.unpark(handle);
      await sleep(100);
      for (const p of tree) expect(task(p)?.state).not.toBe('T');
      const move = parker('move', { serverCpus: SERVER, generatorCpus: GEN });
      move.park(handle);
      for (const p of tree) expect(allowedCpus(p)).toBe(GEN);
      move.releaseAll();
      for (const p of tree) expect(allowedCpus(p)).toBe(SERVER);
      // Unpinned cells: nothing to move to.
      expect(parker('move', { serverCpus: null, generatorCpus: null }).mode).toBe('off');
    } finally {
      for (const p of processTree(child.pid!).reverse()) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    }
  });

  it('busy seconds of a CPU set add up the CPUs of /proc/stat; an absent CPU is NaN', () => {
    const { cpusBusySeconds } = requireCjs(path.join(ROOT, 'bench', 'lib', 'proc.js'));
    const one = cpusBusySeconds('0');
    const all = cpusBusySeconds(`0-${CPUS - 1}`);
    expect(one).toBeGreaterThan(0);
    expect(all).toBeGreaterThanOrEqual(one);
    expect(cpusBusySeconds(`0,${CPUS - 1}`)).toBeGreaterThanOrEqual(one);
    expect(cpusBusySeconds(String(CPUS + 7))).toBeNaN();
  });

  it('the runner pins itself and restores what it had', () => {
    const self = runnerAffinity();
    const before = allowedCpus(process.pid);
    try {
      self.pin(GEN);
      expect(allowedCpus(process.pid)).toBe(GEN);
    } finally {
      self.restore();
    }
    expect(allowedCpus(process.pid)).toBe(before);
  });
});

/**
 * Samples the lab's process tree every 20 ms while it runs: for each moment a generator
 * (loadgen) was alive, the lab's own CPUs and each live server's state and CPUs.
 */
async function watch(lab: ChildProcess, until: Promise<unknown>) {
  const seen: Array<{ lab: string | null; servers: Task[] }> = [];
  let over = false;
  void until.then(() => { over = true; });
  while (!over) {
    const tree = processTree(lab.pid!).slice(1).map(task).filter((t: Task | null): t is Task => t !== null);
    if (tree.some((t: Task) => t.comm === 'loadgen' && t.state !== 'Z')) {
      // The servers: node processes the lab started itself (ringnet serve, node:net's script).
      seen.push({ lab: allowedCpus(lab.pid!), servers: tree.filter((t: Task) => t.ppid === lab.pid && t.comm === 'node') });
    }
    await sleep(20);
  }
  return seen;
}

describe.skipIf(CPUS < 2)('a sliced run keeps the server CPU for the measured server', () => {
  const args = (name: string, park: string) => ['--workload', 'echo', '--targets', 'ringnet-epoll,ringnet-io_uring,node:net', '--connections', '10',
    '--depth', '1', '--payload', '64', '--rounds', '1', '--duration', '2', '--warmup', '0.3', '--slices', '2', '--window-ms', '0', '--park', park, '--name', name];

  it('--park stop: while a generator runs, the lab is on the generator CPU and only the measured server is not stopped', async () => {
    const lab = startLab(args('park-stop', 'stop'));
    const seen = await watch(lab.child, lab.done);
    const r = await lab.done;
    expect(r.code, r.out).toBe(0);
    expect(seen.length).toBeGreaterThan(5);
    for (const s of seen) {
      expect(s.lab).toBe(GEN);
      expect(s.servers.filter((t) => t.state !== 'T'), JSON.stringify(s.servers)).toHaveLength(1);
      expect(s.servers.every((t) => t.cpus === SERVER)).toBe(true);
    }
    // Over the run, every server was the measured one at some point (3 targets).
    expect(new Set(seen.flatMap((s) => s.servers.filter((t) => t.state !== 'T').map((t) => t.pid))).size).toBe(3);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'park-stop.json'), 'utf8'));
    expect(results.isolation).toMatchObject({ runner: GEN, park: 'stop' });
    for (const x of results.runs) {
      expect(x.error, x.target).toBeUndefined();
      expect(x.parked).toBe('stop');
      // Others on the pinned server's CPU: its busy time beyond the server's own, a share of the window.
      expect(x.serverCpuOthers, x.target).toBeGreaterThanOrEqual(0);
      expect(x.serverCpuOthers, x.target).toBeLessThanOrEqual(1.05);
    }
    // The lab's own CPUs are back to what they were once it is done (it exited with them).
  }, 180_000);

  it('--park move: the other servers sit on the generator CPU while a generator runs', async () => {
    const lab = startLab(args('park-move', 'move'));
    const seen = await watch(lab.child, lab.done);
    const r = await lab.done;
    expect(r.code, r.out).toBe(0);
    expect(seen.length).toBeGreaterThan(5);
    for (const s of seen) {
      expect(s.lab).toBe(GEN);
      expect(s.servers.every((t) => t.state !== 'T')).toBe(true);
      expect(s.servers.filter((t) => t.cpus === SERVER), JSON.stringify(s.servers)).toHaveLength(1);
      expect(s.servers.filter((t) => t.cpus === GEN)).toHaveLength(s.servers.length - 1);
    }
  }, 180_000);
});

const hasRedis = (process.env.PATH || '').split(':').some((d) => d && fs.existsSync(path.join(d, 'redis-server')));

describe.skipIf(!hasRedis)('an interrupted lab leaves no cluster behind', () => {
  /** Starts a cluster cell and resolves the lab's descendants once its Redis runs. */
  async function clusterUp(name: string) {
    const lab = startLab(['--preset', 'cluster', '--quick', '--connections', '300', '--pushes', '200', '--rounds', '3', '--name', name]);
    for (let i = 0; i < 600; i++) {
      const tree = processTree(lab.child.pid!);
      if (tree.some((p: number) => task(p)?.comm === 'redis-server')) return { lab, tree: tree.slice(1) as number[] };
      if (lab.child.exitCode !== null) break;
      await sleep(50);
    }
    lab.child.kill('SIGKILL');
    throw new Error(`no redis-server under the lab: ${(await lab.done).out}`);
  }
  async function gone(pids: number[]) {
    for (let i = 0; i < 100 && pids.some(alive); i++) await sleep(50);
    return pids.filter(alive).map((p) => task(p));
  }

  it('SIGTERM: the lab stops its servers (nodes and Redis) and exits 143', async () => {
    const { lab, tree } = await clusterUp('cluster-term');
    lab.child.kill('SIGTERM');
    const r = await lab.done;
    expect(r.code, r.out).toBe(143);
    expect(await gone(tree)).toEqual([]);
  }, 120_000);

  it('SIGKILL: the cluster server sees its stdin close and takes its nodes and Redis with it', async () => {
    const { lab, tree } = await clusterUp('cluster-kill');
    lab.child.kill('SIGKILL');
    await lab.done;
    // The generator's clients (the lab's direct children besides servers) end with their stdin too.
    expect(await gone(tree)).toEqual([]);
  }, 120_000);
});

const irqAffinities = (): Record<string, string> => Object.fromEntries(fs.readdirSync('/proc/irq').filter((n) => /^\d+$/.test(n))
  .flatMap((n) => { try { return [[n, fs.readFileSync(`/proc/irq/${n}/smp_affinity_list`, 'utf8').trim()]]; } catch { return []; } }));

describe.skipIf(CPUS < 2 || process.getuid?.() !== 0 || !fs.existsSync('/proc/irq'))('--steer-irqs (root)', () => {
  it('puts every movable IRQ on the generator CPU while the lab runs and restores each one after', async () => {
    const before = irqAffinities();
    const lab = startLab(['--workload', 'echo', '--targets', 'node:net', '--connections', '5', '--depth', '1', '--payload', '64',
      '--rounds', '1', '--duration', '0.5', '--warmup', '0.2', '--steer-irqs', '--name', 'irqs']);
    let during: Record<string, string> | null = null;
    while (lab.child.exitCode === null && !during) {
      if (processTree(lab.child.pid!).some((p: number) => task(p)?.comm === 'loadgen')) during = irqAffinities();
      await sleep(20);
    }
    const r = await lab.done;
    expect(r.code, r.out).toBe(0);
    const moved: number[] = JSON.parse(fs.readFileSync(path.join(dir, 'irqs.json'), 'utf8')).isolation.irqsMoved;
    expect(moved.length).toBeGreaterThan(0);
    expect(during).not.toBeNull();
    for (const irq of moved) expect(during![irq], `irq ${irq}`).toBe(GEN);
    const after = irqAffinities();
    for (const irq of moved) expect(after[irq], `irq ${irq}`).toBe(before[irq]);
  }, 120_000);
});
