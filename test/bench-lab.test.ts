/**
 * The lab without speed assertions: its plans (every protocol on both backends and its
 * reference; optional plugged-in targets; brought-along targets), argument errors, noise
 * labelling and --expect exit statuses from a fixed results file, and, end to end with real
 * processes and sockets, a brought-along server (a tiny node:net echo that serves from a
 * forked child: measured over the whole process tree) and a target that fails to start.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBenchArgs, parseByoTarget, parseExpectation } from '../src/cli/bench-args';
import { UsageError } from '../src/cli/args';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const requireCjs = createRequire(__filename);
const NOISE_FIXTURE = path.join(__dirname, 'fixtures', 'bench-noise.json');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-bench-lab-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Cell { id: string; workload: string; reference?: string; targets: Array<{ name: string; label: string; byo?: unknown; optional?: boolean }> }

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect((e as { code?: string }).code).toBe('ERR_USAGE');
    return e as UsageError;
  }
  throw new Error('expected a usage error');
}

function run(cmd: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, cmd, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('lab plans', () => {
  const { buildPlan } = requireCjs(path.join(ROOT, 'bench', 'lab', 'plan.js'));
  const plan = (argv: string[]) => buildPlan(parseBenchArgs(argv));
  const labels = (c: Cell) => c.targets.map((t) => t.label);

  it('the default preset runs every protocol on both backends against its Node reference', () => {
    const p = plan([]);
    expect(p.cells.map((c: Cell) => c.id)).toEqual([
      'c100-d1-p64', 'c1000-d1-p64', 'c100-d16-p64', 'http-c100-d1', 'http-c100-d16', 'http-c100-close', 'goim-c100-d1-p64', 'bcast-c2000-n50',
    ]);
    const refs: Record<string, string> = { echo: 'node:net', http: 'node:http', goim: 'node:net', broadcast: 'node:net' };
    for (const c of p.cells as Cell[]) {
      // bench/targets/c-limit.js (the C reference, issue 12) is optional: it joins echo and http cells.
      const optional = ['echo', 'http'].includes(c.workload) ? ['c-limit'] : [];
      expect(labels(c)).toEqual(['ringnet-epoll', 'ringnet-io_uring', refs[c.workload], ...optional]);
      expect(c.reference).toBe(refs[c.workload]);
    }
    expect(p.pairs).toEqual([['ringnet-io_uring', 'ringnet-epoll']]);
    expect(p.expectations).toEqual([]);
  });

  it('an optional plugged-in target (a C reference, say) joins every cell of the workloads it serves', () => {
    const plugins = fs.mkdtempSync(path.join(dir, 'targets-'));
    fs.writeFileSync(path.join(plugins, 'c-ref.js'), `module.exports = { name: 'c-ref', description: 'test', workloads: ['echo', 'http'],
      optional: true, stats: false, available: () => 'not built', server: () => ({ skip: 'never' }) };\n`);
    const script = `const { buildPlan } = require(${JSON.stringify(path.join(ROOT, 'bench', 'lab', 'plan.js'))});
      const { parseBenchArgs } = require(${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'bench-args.js'))});
      const p = buildPlan(parseBenchArgs(process.argv.slice(2)));
      process.stdout.write(JSON.stringify(p.cells.map((c) => [c.workload, c.targets.map((t) => t.label)])));`;
    const file = path.join(plugins, '..', 'plan-with-plugins.js');
    fs.writeFileSync(file, script);
    return Promise.all([
      run([file], { RINGNET_BENCH_TARGETS: plugins }),
      run([file, '--targets', 'ringnet-epoll'], { RINGNET_BENCH_TARGETS: plugins }),
    ]).then(([all, given]) => {
      for (const [w, ts] of JSON.parse(all.stdout) as Array<[string, string[]]>) {
        expect(ts.includes('c-ref'), w).toBe(w === 'echo' || w === 'http');
      }
      // An explicit --targets list is exactly what runs.
      for (const [, ts] of JSON.parse(given.stdout) as Array<[string, string[]]>) expect(ts).toEqual(['ringnet-epoll']);
    });
  });

  it('a brought-along target joins every bare-port workload of the run, or those it names', () => {
    const p = plan(['--target', 'bun=bun my-server.js {port}', '--target', 'uws@http=node uws.js --port {port}']);
    for (const c of p.cells as Cell[]) {
      expect(labels(c).includes('bun'), c.id).toBe(c.workload !== 'broadcast');
      expect(labels(c).includes('uws'), c.id).toBe(c.workload === 'http');
    }
    const bun = (p.cells as Cell[])[0].targets.find((t) => t.label === 'bun');
    expect(bun).toMatchObject({ name: 'bun', byo: { command: 'bun my-server.js {port}' } });
  });

  it('expectations are checked against the run\'s targets and cells', () => {
    const p = plan(['--expect', 'ringnet-io_uring/ringnet-epoll<=0.9', '--expect', 'throughput ringnet-epoll/node:http>=1.5 @http-c100-d1']);
    expect(p.expectations).toEqual([
      { text: 'ringnet-io_uring/ringnet-epoll<=0.9', figure: 'serverCpuUsPerOp', a: 'ringnet-io_uring', b: 'ringnet-epoll', op: '<=', value: 0.9 },
      { text: 'throughput ringnet-epoll/node:http>=1.5 @http-c100-d1', figure: 'opsPerSec', a: 'ringnet-epoll', b: 'node:http', op: '>=', value: 1.5, cell: 'http-c100-d1' },
    ]);
    expect(usageError(() => plan(['--expect', 'bun/ringnet-epoll<=1'])).message).toMatch(/'bun' in 'bun\/ringnet-epoll<=1' is not a target of this run/);
    expect(usageError(() => plan(['--expect', 'ringnet-epoll/node:http<=1 @c100'])).message).toMatch(/no cell of this run has both/);
  });

  it('the websocket preset: echo cells on both backends against ws and ringnet\'s length echo; idle and broadcast WebSocket cells against ws', () => {
    const p = plan(['--preset', 'websocket']);
    const echo = ['ws-c100-d1-p64', 'ws-c100-d1-p4096', 'ws-c100-d16-p64', 'ws-c100-d16-p4096', 'ws-c1000-d1-p64', 'ws-c1000-d1-p4096'];
    expect(p.cells.map((c: Cell) => c.id)).toEqual([...echo, 'idle-ws-c10000', 'bcast-ws-c10000-n20']);
    for (const c of p.cells as Array<Cell & { protocol?: string }>) {
      expect(c.reference, c.id).toBe('ws');
      if (c.workload === 'websocket') {
        expect(labels(c)).toEqual(['ringnet-epoll', 'ringnet-io_uring', 'ws', 'ringnet-length-epoll', 'ringnet-length-io_uring']);
      } else {
        expect(labels(c)).toEqual(['ringnet-epoll', 'ringnet-io_uring', 'ws']);
        expect(c.protocol).toBe('websocket');
      }
    }
    expect(p.pairs).toEqual([['ringnet-epoll', 'ringnet-length-epoll'], ['ringnet-io_uring', 'ringnet-length-io_uring'], ['ringnet-io_uring', 'ringnet-epoll']]);
    // The TCP cells of the same workloads keep node:net as their reference.
    const tcp = plan(['--workload', 'idle,broadcast']).cells as Array<Cell & { protocol?: string }>;
    expect(tcp.map((c) => [c.id, c.reference, c.protocol])).toEqual([['bcast-c2000-n50', 'node:net', 'tcp'], ['idle-c10000', 'node:net', 'tcp']]);
    expect(plan(['--preset', 'websocket', '--quick', '--connections', '100']).cells.map((c: Cell) => c.id))
      .toEqual(['ws-c100-d1-p64', 'ws-c100-d16-p64', 'idle-ws-c1000', 'bcast-ws-c100-n10']);
  });

  it('--until-stable sets a cap above the planned rounds', () => {
    expect(plan(['--until-stable'])).toMatchObject({ untilStable: true, rounds: 3, maxRounds: 12 });
    expect(plan(['--until-stable', '--max-rounds', '5', '--rounds', '2'])).toMatchObject({ rounds: 2, maxRounds: 5 });
    expect(plan([])).toMatchObject({ untilStable: false, maxRounds: 3 });
  });
});

describe('lab argument errors', () => {
  const { buildPlan } = requireCjs(path.join(ROOT, 'bench', 'lab', 'plan.js'));
  const plan = (argv: string[]) => buildPlan(parseBenchArgs(argv));

  it.each<[string[], string, RegExp]>([
    [['--target', 'bun'], '--target', /expects 'NAME=COMMAND \{port\}'/],
    [['--target', 'bun=bun server.js'], '--target', /must contain \{port\}/],
    [['--target', 'b/n=x {port}'], '--target', /target name/],
    [['--target', 'a=x {port}', '--target', 'a=y {port}'], '--target', /given twice/],
    [['--expect', 'a<=0.9'], '--expect', /expects e\.g\./],
    [['--expect', 'a/a<=0.9'], '--expect', /itself/],
    [['--expect', 'a/b<=0'], '--expect', /above 0/],
    [['--expect', 'speed a/b<=1'], '--expect', /expects e\.g\./],
    [['--max-rounds', '9'], '--max-rounds', /only applies with --until-stable/],
  ])('%j is refused (%s)', (argv, flag, msg) => {
    const e = usageError(() => parseBenchArgs(argv));
    expect(e.flag).toBe(flag);
    expect(e.message).toMatch(msg);
  });

  it('plan-level errors name the flag', () => {
    expect(usageError(() => plan(['--target', 'ringnet-epoll=x {port}'])).message).toMatch(/already a target name/);
    expect(usageError(() => plan(['--target', 'x@grpc=x {port}'])).message).toMatch(/unknown workload 'grpc'/);
    expect(usageError(() => plan(['--target', 'x@broadcast=x {port}'])).message).toMatch(/not a bare port/);
    expect(usageError(() => plan(['--workload', 'echo', '--target', 'x@http=x {port}'])).message).toMatch(/serves none of this run's workloads \(echo\)/);
  });

  it('parses the documented forms', () => {
    expect(parseByoTarget("bun=bun my-server.js {port}")).toEqual({ name: 'bun', command: 'bun my-server.js {port}' });
    expect(parseByoTarget('uws@http,echo=node uws.js {port}')).toEqual({ name: 'uws', command: 'node uws.js {port}', workloads: ['http', 'echo'] });
    expect(parseExpectation('p99 node:net / ringnet-epoll > 2')).toMatchObject({ figure: 'p99Us', a: 'node:net', b: 'ringnet-epoll', op: '>', value: 2 });
  });

  it('the CLI exits with status 2 before running anything', async () => {
    const r = await run([CLI, 'bench', '--target', 'bun=bun s.js', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ringnet: --target: the command of 'bun' must contain \{port\}/);
  });
});

describe('noise labelling and --expect from a fixed results file', () => {
  const report = requireCjs(path.join(ROOT, 'bench', 'report', 'index.js'));
  const { exitStatus } = requireCjs(path.join(ROOT, 'bench', 'lab', 'summary.js'));
  const results = JSON.parse(fs.readFileSync(NOISE_FIXTURE, 'utf8'));
  const built = report.buildReport(results);
  const ratio = (cell: string, a: string) => built.summary.ratios.find((r: { kind: string; cell: string; a: string }) =>
    r.kind === 'baseline' && r.cell === cell && r.a === a).figures.serverCpuUsPerOp;

  it('a clear difference is a verdict; the one disturbed round of five is dropped', () => {
    const r = ratio('clear', 'ringnet-epoll');
    expect(r).toMatchObject({ n: 3, rounds: 5, verdict: 'lower' });
    expect(r.min).toBeCloseTo(0.8, 10);
    expect(r.max).toBeCloseTo(0.81, 10);
    expect(r.spread).toBeCloseTo(0.01 / 0.8, 10);
    expect(ratio('higher', 'ringnet-epoll').verdict).toBe('higher');
  });

  it('a spread that covers 1.0 or exceeds 5% is within noise', () => {
    const covers = ratio('covers', 'ringnet-epoll');
    expect(covers.verdict).toBe('within noise');
    expect([covers.min, covers.max].map((x: number) => x.toFixed(2))).toEqual(['0.99', '1.01']);
    expect(ratio('covers', 'ringnet-io_uring').verdict).toBe('lower');   // 0.89–0.91: same spread, not covering 1
    const wide = ratio('wide', 'ringnet-epoll');
    expect(wide.max).toBeLessThan(1);
    expect(wide.spread).toBeCloseTo(0.125, 10);
    expect(wide.verdict).toBe('within noise');
  });

  it('the report prints each spread and never calls a noisy ratio a win or a loss', () => {
    const text: string = report.consoleReport(results);
    const row = (cell: string, what: string) => text.split('\n').find((l) => l.startsWith(`${cell} `) && l.includes(what)) ?? '';
    expect(row('wide', 'ringnet-epoll ÷ node:net')).toMatch(/12\.5%\s+within noise/);
    expect(row('covers', 'ringnet-epoll ÷ node:net')).toMatch(/2\.0%\s+within noise/);
    expect(row('clear', 'ringnet-epoll ÷ node:net')).toMatch(/1\.3%\s+lower CPU/);
    expect(text).toContain('OTHER LOAD: 12 of 60 runs');
  });

  const judge = (expects: string[], file = NOISE_FIXTURE) =>
    run([path.join(ROOT, 'bench', 'report', 'index.js'), file, fs.mkdtempSync(path.join(dir, 'judge-')), ...expects.flatMap((e) => ['--expect', e])]);

  it.each<[string[], number, string]>([
    [['ringnet-epoll/node:net<=0.9 @clear'], 0, 'met'],
    [['ringnet-epoll/node:net<=0.7 @clear'], 3, 'missed'],
    [['ringnet-epoll/node:net<=1 @covers'], 4, 'within noise'],
    [['ringnet-epoll/node:net<=0.9 @wide'], 4, 'within noise'],
    [['ringnet-io_uring/ringnet-epoll<=0.95'], 0, 'met'],
    [['ringnet-epoll/node:net<=0.9 @clear', 'ringnet-epoll/node:net<=0.7 @clear', 'ringnet-epoll/node:net<=1 @covers'], 3, 'missed'],
  ])('--expect %j exits %i (%s)', async (expects, code, verdict) => {
    const r = await judge(expects);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stdout).toMatch(new RegExp(`Your expectations[\\s\\S]*${verdict}`));
  });

  it('a failed run exits 1 whatever the expectations say; an unknown target is a usage error', async () => {
    const broken = structuredClone(results);
    broken.runs[0].error = 'server did not start';
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, JSON.stringify(broken));
    expect(exitStatus(broken)).toBe(1);
    expect((await judge(['ringnet-epoll/node:net<=0.9 @clear'], file)).code).toBe(1);
    const r = await judge(['bun/node:net<=0.9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no cell of .* has both bun and node:net/);
  });

  it('the summary chart leads the report: CPU/op relative to the baseline per cell, whiskers, a line at 1.0', () => {
    const lead = built.charts[0];
    expect(lead.id).toBe('summary');
    expect(XMLValidator.validate(lead.svg)).toBe(true);
    expect(lead.svg).toContain('class="ref-line"');
    for (const c of ['clear', 'covers', 'wide', 'higher']) expect(lead.svg).toContain(`class="group">${c} ÷ node:net<`);
    expect((lead.svg.match(/class="bar"/g) || []).length).toBe(8);
    expect((lead.svg.match(/<path d="M/g) || []).length).toBe(8);       // a whisker per bar
    expect(lead.svg).toMatch(/wide ÷ node:net · ringnet-epoll: 0\.8 \[0\.75–0\.85\] \(spread 12\.5%, within noise\)/);
    const page: string = report.html(results, built);
    expect(page.indexOf('<figure id="chart-summary">')).toBeLessThan(page.indexOf('<ul>'));
    expect(page).not.toContain('Targets from the issues');
    const md: string = report.markdown(results, built, 'r-charts');
    expect(md.split('\n')[2]).toBe(`![${lead.title}](r-charts/summary.svg)`);
  });
});

describe('bring your own target, end to end', () => {
  // A tiny node:net echo (4-byte length + payload) that serves from a forked child, so only
  // measuring the whole process tree sees its CPU.
  const server = path.join(dir, 'byo-server.js');
  fs.writeFileSync(server, `'use strict';
const net = require('node:net');
const { fork } = require('node:child_process');
if (process.argv[3] !== 'child') {
  const child = fork(__filename, [process.argv[2], 'child'], { stdio: 'inherit' });
  process.on('SIGTERM', () => { child.kill('SIGTERM'); process.exit(0); });
} else {
  net.createServer((s) => {
    s.setNoDelay(true);
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      let end = 0;
      while (buf.length - end >= 4 && buf.length - end - 4 >= buf.readUInt32BE(end)) end += 4 + buf.readUInt32BE(end);
      if (end) { s.write(buf.subarray(0, end)); buf = buf.subarray(end); }
    });
    s.on('error', () => {});
  }).listen(Number(process.argv[2]), '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
}
`);

  it('is measured like any target; one that fails to start is reported and fails the run', async () => {
    const r = await run([CLI, 'bench', '--workload', 'echo', '--targets', 'node:net', '--connections', '20', '--depth', '1',
      '--rounds', '2', '--warmup', '0.3', '--duration', '1', '--progress=false', '--out', dir, '--name', 'byo',
      '--target', `mine=${process.execPath} ${server} {port}`,
      '--target', 'broken=sh -c "echo cannot bind >&2; exit 3" {port}',
      '--expect', 'mine/node:net<=100']);
    expect(r.code, r.stderr).toBe(1);   // "broken" failed: the run fails, whatever the expectation says
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'byo.json'), 'utf8'));
    const mine = results.runs.filter((x: { target: string }) => x.target === 'mine');
    expect(mine).toHaveLength(2);
    for (const x of mine) {
      expect(x.error).toBeUndefined();
      expect(x.errors).toBe(0);
      expect(x.ops).toBeGreaterThan(0);
      expect(x.serverCpuSec).toBeGreaterThan(0);      // the forked child's CPU: the process tree is measured
      expect(x.rssBytes).toBeGreaterThan(0);
      expect(x.p99Us).toBeGreaterThan(0);
    }
    const broken = results.runs.filter((x: { target: string }) => x.target === 'broken');
    expect(broken).toHaveLength(2);
    for (const x of broken) expect(x.error).toMatch(/server did not start: .*code 3.*cannot bind/);
    expect(r.stdout).toMatch(/broken .*FAILED 2\/2: server did not start/);
    expect(r.stdout).toMatch(/mine ÷ node:net/);
    expect(r.stdout).toMatch(/mine\/node:net<=100 +c20-d1-p64/);
  }, 120_000);
});

/**
 * The native generator's WebSocket side against real servers: the ws package echoing (every
 * byte checked: a server that flips one bit of one message is caught), and a server whose 101
 * carries a wrong Sec-WebSocket-Accept (no connection is counted as upgraded).
 */
describe('the native generator speaks WebSocket', () => {
  const { ensureLoadgen, BIN } = requireCjs(path.join(ROOT, 'bench', 'workloads', 'shared', 'loadgen.js'));
  const serve = (source: string) => new Promise<{ port: number; stop: () => void }>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
    child.stdout.once('data', (d) => resolve({ port: Number(String(d).trim()), stop: () => child.kill('SIGKILL') }));
    child.on('error', reject);
  });
  const loadgen = (port: number, extra: string[]) => new Promise<{ code: number | null; result: Record<string, unknown>; stderr: string }>((resolve) => {
    const child = spawn(BIN, ['--protocol', 'ws', '--port', String(port), '--duration', '0.5', '--warmup', '0.1', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, result: JSON.parse(stdout.trim().split('\n').pop() || '{}'), stderr }));
  });
  // A ws echo server; with CORRUPT=n, message number n has one bit flipped.
  const wsEcho = (corrupt: number) => `const { WebSocketServer } = require('ws'); let n = 0;
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' }, () => console.log(wss.address().port));
    wss.on('connection', (ws) => ws.on('message', (d, binary) => { if (++n === ${corrupt}) d[d.length - 1] ^= 1; ws.send(d, { binary }); }));`;

  it('echoes over ws, 64 B to 70 KB (7-, 16- and 64-bit lengths), every byte checked', async () => {
    ensureLoadgen();
    const s = await serve(wsEcho(0));
    try {
      for (const payload of ['64', '4096', '70000']) {
        const r = await loadgen(s.port, ['--connections', '20', '--depth', '4', '--payload', payload]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.result).toMatchObject({ protocol: 'ws', errors: 0, mismatches: 0, upgradeErrors: 0, connections: 20 });
        expect(r.result.frames as number).toBeGreaterThan(0);
      }
    } finally {
      s.stop();
    }
  }, 60_000);

  it('catches one flipped bit in one echoed message', async () => {
    ensureLoadgen();
    const s = await serve(wsEcho(300));
    try {
      const r = await loadgen(s.port, ['--connections', '10', '--depth', '2', '--payload', '64']);
      expect(r.result.mismatches).toBe(1);
      expect(r.stderr).toContain('echoed payload differs from the message sent');
    } finally {
      s.stop();
    }
  }, 60_000);

  it('refuses a 101 whose Sec-WebSocket-Accept is wrong', async () => {
    ensureLoadgen();
    const s = await serve(`const net = require('net'); const srv = net.createServer((c) => c.once('data', () => c.write(
      'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\\r\\n\\r\\n')))
      .listen(0, '127.0.0.1', () => console.log(srv.address().port));`);
    try {
      const r = await loadgen(s.port, ['--connections', '3']);
      expect(r.code).toBe(1);
      expect(r.result).toMatchObject({ established: 0, upgradeErrors: 3 });
      expect(r.stderr).toContain('wrong Sec-WebSocket-Accept');
    } finally {
      s.stop();
    }
  }, 60_000);
});
