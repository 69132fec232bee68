/**
 * The `ringnet` command line: serve flags map to createServer() options and
 * every mistake is a UsageError naming the flag (rules reused from
 * options.ts); `ringnet serve` answers over a real socket; bench flags,
 * including target lists with JSON options, and the lab's plan validation.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { splitTopLevel, UsageError } from '../src/cli/args';
import { parseBenchArgs, parseSocketFlagVariants } from '../src/cli/bench-args';
import { parseServeArgs } from '../src/cli/serve-options';
import { connect, lengthFrame, readBytes } from './support/net';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const requireCjs = createRequire(__filename);

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    // by name: the lab (bench/) loads the compiled class from dist/, these tests the source one
    expect((e as Error).name).toBe(UsageError.name);
    expect((e as UsageError).code).toBe('ERR_USAGE');
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('ringnet serve: flags -> options', () => {
  it('maps server, framing and every socket option flag', () => {
    const cfg = parseServeArgs([
      '--port', '0', '--backend', 'epoll', '--workers', '2', '--inline-worker=false', '--accept-mode', 'reuseport',
      '--no-delay', '--cork=false', '--quick-ack', '--keep-alive', '60,10,5', '--linger', '0', '--sndbuf', '64k',
      '--rcvbuf', '1m', '--busy-poll', '50', '--user-timeout', '3000', '--not-sent-lowat', '16k', '--tos', '16',
      '--priority', '3', '--backlog', '1024', '--defer-accept', '2', '--fast-open', '16', '--max-frame', '1m',
    ]);
    expect(cfg.options).toEqual({
      backend: 'epoll', workers: 2, inlineWorker: false, acceptMode: 'reuseport',
      framing: { type: 'length', maxFrameLength: 1 << 20 },
      connection: {
        noDelay: true, cork: false, quickAck: true, keepAlive: { idle: 60, interval: 10, count: 5 }, linger: 0,
        sendBuffer: 65536, recvBuffer: 1 << 20, busyPoll: 50, userTimeout: 3000, notSentLowat: 16384, tos: 16, priority: 3,
      },
      server: { backlog: 1024, deferAccept: 2, fastOpen: 16 },
    });
    expect(cfg.listen).toEqual({ port: 0, host: '127.0.0.1' });
    expect(cfg.handler).toBe('echo');
  });

  it('fixed handler decodes escapes in --response; delimiter framing decodes --delimiter', () => {
    const cfg = parseServeArgs(['--handler', 'fixed', '--response', 'HTTP/1.1 200 OK\\r\\n\\x41', '--framing', 'delimiter', '--delimiter', '\\r\\n\\r\\n']);
    expect(cfg.response.toString('latin1')).toBe('HTTP/1.1 200 OK\r\nA');
    expect(cfg.options.framing).toEqual({ type: 'delimiter', delimiter: Buffer.from('\r\n\r\n') });
  });

  it('--options JSON is the base; flags override it', () => {
    const cfg = parseServeArgs(['--options', '{"workers":3,"connection":{"noDelay":false,"tos":8}}', '--no-delay']);
    expect(cfg.options.workers).toBe(3);
    expect(cfg.options.connection).toEqual({ noDelay: true, tos: 8 });
  });

  const bad: Array<[string[], string, RegExp]> = [
    [['--nodelay'], '--nodelay', /unknown flag.*--no-delay/],
    [['--workers', '0'], '--workers', /between 1 and 256/],
    [['--workers', 'two'], '--workers', /whole number/],
    [['--backend', 'kqueue'], '--backend', /one of 'epoll', 'io_uring', 'auto'/],
    [['--accept-mode', 'random'], '--accept-mode', /one of/],
    [['--keep-alive', '60,10'], '--keep-alive', /IDLE,INTERVAL,COUNT/],
    [['--keep-alive', '60,10,500'], '--keep-alive', /between 1 and 127/],
    [['--linger', 'soon'], '--linger', /whole number/],
    [['--sndbuf', '4x'], '--sndbuf', /size such as/],
    [['--tos', '300'], '--tos', /between 0 and 255/],
    [['--cork=maybe'], '--cork', /true or false/],
    [['--port'], '--port', /needs a value/],
    [['--port', '70000'], '--port', /between 0 and 65535/],
    [['--framing', 'fixed'], '--framing', /needs --frame-length/],
    [['--length-field', '2', '--framing', 'raw'], '--length-field', /only applies to --framing length/],
    [['--length-field', '5'], '--length-field', /1, 2, 3, 4 or 8/],
    [['--response', 'x'], '--response', /only applies to --handler fixed/],
    [['--echo-writes', '2', '--framing', 'raw'], '--echo-writes', /length framing/],
    [['--unix', '/tmp/x', '--port', '1'], '--unix', /cannot be combined/],
    [['--options', '{bad'], '--options', /not valid JSON/],
    [['--options', '{"bogus":1}'], '--options', /options.bogus: unknown option/],
    [['--workers', '1', '--workers', '2'], '--workers', /given twice/],
  ];
  it.each(bad)('rejects %j naming %s', (argv, flag, message) => {
    const e = usageError(() => parseServeArgs(argv));
    expect(e.flag).toBe(flag);
    expect(e.message).toMatch(message);
  });
});

describe('ringnet serve: the process', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  function serve(args: string[]): Promise<{ port: number; lines: AsyncIterator<string> }> {
    child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--json', ...args]);
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return lines.next().then((first) => {
      const ready = JSON.parse(first.value as string);
      expect(ready).toMatchObject({ ready: true, pid: child!.pid });
      return { port: ready.port, lines };
    });
  }

  it('echoes frames and reports per-worker stats on "stats"', async () => {
    const { port, lines } = await serve(['--workers', '2', '--inline-worker=false', '--no-delay', '--keep-alive', '30,5,3']);
    const s = await connect(port);
    s.write(lengthFrame('hello'));
    expect((await readBytes(s, 9)).toString('latin1')).toBe('\0\0\0\x05hello');
    child!.stdin.write('stats\n');
    const stats = JSON.parse((await lines.next()).value as string).stats;
    expect(stats.workers).toHaveLength(2);
    expect(stats.workers.reduce((a: number, w: { accepted: number }) => a + w.accepted, 0)).toBe(1);
    s.destroy();
  });

  it('the fixed handler answers every frame with --response (framed by send())', async () => {
    const { port } = await serve(['--handler', 'fixed', '--response', 'pong', '--framing', 'delimiter']);
    const s = await connect(port);
    s.write('a\nb\n');
    expect((await readBytes(s, 10)).toString()).toBe('pong\npong\n');
    s.destroy();
  });

  it('--echo-writes 2 still returns each frame byte for byte', async () => {
    const { port } = await serve(['--echo-writes', '2']);
    const s = await connect(port);
    s.write(Buffer.concat([lengthFrame('abc'), lengthFrame('defgh')]));
    expect((await readBytes(s, 16)).toString('latin1')).toBe('\0\0\0\x03abc\0\0\0\x05defgh');
    s.destroy();
  });

  it('a bad flag exits with status 2 and one clear line', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--keep-alive', 'sometimes'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("ringnet: --keep-alive: expects on, off or IDLE,INTERVAL,COUNT (e.g. 60,10,5), got 'sometimes'");
  });

  it('--help lists the socket flags', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const f of ['--no-delay', '--cork', '--quick-ack', '--keep-alive', '--linger', '--sndbuf', '--rcvbuf', '--busy-poll']) {
      expect(r.stdout).toContain(f);
    }
  });
});

describe('ringnet bench: flags', () => {
  it('splits target lists at top level only: commas inside JSON options stay', () => {
    expect(splitTopLevel('--targets', 'node:net,ringnet-epoll:{"workers":2,"acceptMode":"reuseport"},x:{"s":"a,}b"}')).toEqual([
      'node:net', 'ringnet-epoll:{"workers":2,"acceptMode":"reuseport"}', 'x:{"s":"a,}b"}',
    ]);
    const req = parseBenchArgs(['--targets', 'node:net,ringnet-epoll:{"workers":2,"acceptMode":"reuseport"}']);
    expect(req.targets).toEqual([
      { name: 'node:net' },
      { name: 'ringnet-epoll', options: { workers: 2, acceptMode: 'reuseport' }, label: 'ringnet-epoll:{"workers":2,"acceptMode":"reuseport"}' },
    ]);
  });

  it('parses lists, sizes and durations', () => {
    const req = parseBenchArgs(['--connections', '100,1000', '--depth', '1,16', '--payload', '64,4k', '--accept-mode', 'dispatch,exclusive',
      '--rounds', '5', '--duration', '2.5', '--warmup', '0', '--quick', '--reconnect', '0,1', '--http-generator', 'autocannon,wrk']);
    expect(req).toMatchObject({ httpGenerators: ['autocannon', 'wrk'], connections: [100, 1000], depth: [1, 16], payload: [64, 4096], acceptModes: ['dispatch', 'exclusive'],
      rounds: 5, duration: 2.5, warmup: 0, quick: true, reconnect: [0, 1] });
  });

  it('socket-flag variants are checked by the serve parser', () => {
    expect(parseSocketFlagVariants('default;--no-delay=false;--sndbuf 4k --rcvbuf 8k')).toEqual([
      { name: 'default', connection: {} },
      { name: '--no-delay=false', connection: { noDelay: false } },
      { name: '--sndbuf 4k --rcvbuf 8k', connection: { sendBuffer: 4096, recvBuffer: 8192 } },
    ]);
    expect(usageError(() => parseSocketFlagVariants('--sndbuf lots')).message).toMatch(/--socket-flags: in '--sndbuf lots': --sndbuf/);
    expect(usageError(() => parseSocketFlagVariants('--workers 2')).message).toMatch(/more than socket options/);
  });

  const bad: Array<[string[], string]> = [
    [['--targets', 'a,{"x":1'], '--targets'],
    [['--targets', 'ringnet-epoll:{nope}'], '--targets'],
    [['--connections', '0'], '--connections'],
    [['--depth', '1,,2'], '--depth'],
    [['--accept-mode', 'lifo'], '--accept-mode'],
    [['--http-generator', 'ab'], '--http-generator'],
    [['--duration', 'long'], '--duration'],
    [['--rounds', '0'], '--rounds'],
    [['--preset', 'echo', '--config', 'x.json'], '--config'],
    [['--name', '../x'], '--name'],
    [['--bogus'], '--bogus'],
  ];
  it.each(bad)('rejects %j naming %s', (argv, flag) => {
    expect(usageError(() => parseBenchArgs(argv)).flag).toBe(flag);
  });
});

describe('ringnet bench: the plan', () => {
  const { buildPlan } = requireCjs(path.join(ROOT, 'bench', 'lab', 'plan.js'));
  const plan = (argv: string[]) => buildPlan(parseBenchArgs(argv));

  it('the echo preset is 8 cells x 3 targets (plus the optional c-limit reference) with the io_uring/epoll pair and node:net as each cell\'s reference', () => {
    const p = plan(['--preset', 'echo']);
    expect(p.cells.map((c: { id: string }) => c.id)).toEqual([
      'c100-d1-p64', 'c100-d1-p4096', 'c100-d16-p64', 'c100-d16-p4096',
      'c1000-d1-p64', 'c1000-d1-p4096', 'c1000-d16-p64', 'c1000-d16-p4096',
    ]);
    for (const c of p.cells) expect(c.targets.map((t: { label: string }) => t.label)).toEqual(['ringnet-epoll', 'ringnet-io_uring', 'node:net', 'c-limit']);
    expect(p.baseline).toBeNull();
    for (const c of p.cells) expect(c.reference).toBe('node:net');
    expect(p.pairs).toEqual([['ringnet-io_uring', 'ringnet-epoll']]);
  });

  it('--quick keeps the smallest connection count and one short round', () => {
    const p = plan(['--preset', 'echo', '--quick']);
    expect(p.cells.map((c: { id: string }) => c.id)).toEqual(['c100-d1-p64', 'c100-d16-p64']);
    expect(p).toMatchObject({ rounds: 1, quick: true });
  });

  it('flags override the preset; the old ringnet:{...} target syntax still works', () => {
    const p = plan(['--preset', 'echo', '--connections', '10', '--depth', '2', '--payload', '8',
      '--targets', 'node:net,ringnet:{"backend":"io_uring","workers":2}']);
    expect(p.cells.map((c: { id: string }) => c.id)).toEqual(['c10-d2-p8']);
    expect(p.cells[0].targets[1]).toMatchObject({ name: 'ringnet-epoll', options: { backend: 'io_uring', workers: 2 } });
  });

  it('HTTP cells per generator and mode: autocannon cells are named apart, a new connection per request is -close', () => {
    const p = plan(['--preset', 'http', '--connections', '10', '--depth', '1', '--http-generator', 'autocannon,wrk']);
    expect(p.cells.map((c: { id: string }) => c.id)).toEqual(['http-c10-d1-ac', 'http-c10-d1', 'http-c10-close-ac', 'http-c10-close']);
  });

  it('rejects unknown presets, targets, workloads and baselines', () => {
    expect(usageError(() => plan(['--preset', 'fast'])).flag).toBe('--preset');
    expect(usageError(() => plan(['--targets', 'nginx'])).message).toMatch(/unknown target 'nginx' \(known: ringnet-epoll/);
    expect(usageError(() => plan(['--workload', 'grpc'])).flag).toBe('--workload');
    expect(usageError(() => plan(['--preset', 'echo', '--baseline', 'node:http'])).flag).toBe('--baseline');
    expect(usageError(() => plan(['--config', '/nonexistent.json'])).flag).toBe('--config');
  });
});
