/**
 * Private brokers for the cluster tests: a redis-server on a Unix socket and
 * a nats-server on a free port, persistence off, in a temp directory. Never
 * the system daemons (a system Redis may be running on 6379). Each can be
 * SIGKILLed and restarted on the same address for the fault tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Broker {
  engine: 'redis' | 'nats';
  /** What createServer({ cluster }) takes for this broker. */
  cluster: { redis: { socketPath: string; reconnectDelay: number } } | { nats: { servers: string; reconnectDelay: number; pingInterval: number } };
  /** SIGKILL (no goodbye to clients). */
  kill(): Promise<void>;
  /** Starts it again on the same address. */
  restart(): Promise<void>;
  /** A redis-cli-like command (redis only), e.g. CONFIG SET. */
  command?(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      if (await cond()) return resolve();
      if (Date.now() > until) return reject(new Error(`${what} not ready within ${ms} ms`));
      setTimeout(() => void tick(), 25);
    };
    void tick();
  });
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

function canConnect(opts: net.NetConnectOpts): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(opts);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export async function startRedis(): Promise<Broker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-redis-'));
  const sock = path.join(dir, 'redis.sock');
  let proc: ChildProcess;
  const launch = async () => {
    proc = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await waitFor(() => canConnect({ path: sock }), 10_000, 'redis-server');
  };
  await launch();
  const command = (args: string[]) => new Promise<string>((resolve, reject) => {
    // RESP by hand: one command, first reply line.
    const s = net.connect({ path: sock });
    const req = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
    s.once('connect', () => s.write(req));
    s.once('data', (d) => { s.destroy(); resolve(d.toString()); });
    s.once('error', reject);
  });
  return {
    engine: 'redis',
    cluster: { redis: { socketPath: sock, reconnectDelay: 100 } },
    async kill() { proc.kill('SIGKILL'); await exited(proc); },
    async restart() { try { fs.unlinkSync(sock); } catch { /* gone */ } await launch(); },
    command,
    async stop() { proc.kill('SIGKILL'); await exited(proc); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

export async function startNats(): Promise<Broker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-nats-'));
  let proc: ChildProcess;
  let port = -1;
  const launch = async () => {
    proc = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '--ports_file_dir', dir], { stdio: 'ignore' });
    if (port === -1) {
      await waitFor(() => fs.readdirSync(dir).some((f) => f.endsWith('.ports')), 10_000, 'nats-server ports file');
      const file = fs.readdirSync(dir).find((f) => f.endsWith('.ports')) as string;
      const ports = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { nats: string[] };
      port = Number(new URL((ports.nats[0] as string)).port);
    }
    await waitFor(() => canConnect({ port, host: '127.0.0.1' }), 10_000, 'nats-server');
  };
  await launch();
  return {
    engine: 'nats',
    get cluster() { return { nats: { servers: `nats://127.0.0.1:${port}`, reconnectDelay: 100, pingInterval: 1000 } }; },
    async kill() { proc.kill('SIGKILL'); await exited(proc); },
    async restart() { await launch(); },
    async stop() { proc.kill('SIGKILL'); await exited(proc); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
