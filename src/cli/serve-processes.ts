/**
 * `ringnet serve --processes N`: N server processes on one port. Each child
 * runs the same `ringnet serve` with SO_REUSEPORT on its listener, so the
 * kernel spreads new connections over the processes (one JS thread each).
 * The first child binds (port 0 picks one); the others bind the port it got.
 * SIGTERM/SIGINT are passed on and each child closes gracefully (a cluster
 * node drains: stops accepting, unsubscribes, withdraws its counts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import type { ServeConfig } from './serve-options';

export const CHILD_ENV = 'RINGNET_SERVE_CHILD';

interface Ready {
  ready: true;
  port: number;
  host: string;
  pid: number;
  nodeId?: string;
}

function startChild(index: number, args: string[]): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(process.argv[1] as string, ['serve', ...args, '--json'], {
    env: { ...process.env, [CHILD_ENV]: String(index) },
    stdio: ['pipe', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.once('line', (line) => {
      try {
        resolve({ child, ready: JSON.parse(line) as Ready });
      } catch {
        reject(new Error(`process ${index}: ${line}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`process ${index} exited (${code}) before it was ready`)));
  });
}

/** Argument list without --processes, --port and --json (set per child). */
function childArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const name = a.replace(/=.*$/, '');
    if (name === '--json') continue;
    if (name === '--processes' || name === '--port') {
      if (!a.includes('=')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export async function superviseProcesses(cfg: ServeConfig): Promise<void> {
  const serveIndex = process.argv.indexOf('serve');
  // Every child's listener joins the port's SO_REUSEPORT group.
  const base = [...childArgs(process.argv.slice(serveIndex + 1)), '--reuse-port'];
  const first = await startChild(0, [...base, '--port', String(cfg.listen.port ?? 7000)]);
  const port = first.ready.port;
  const rest = await Promise.all(Array.from({ length: cfg.processes - 1 }, (_, i) => startChild(i + 1, [...base, '--port', String(port)])));
  const all = [first, ...rest];
  const pids = all.map((c) => c.ready.pid);
  if (cfg.json) {
    process.stdout.write(JSON.stringify({ ready: true, port, host: first.ready.host, pid: process.pid, processes: pids, nodeIds: all.map((c) => c.ready.nodeId).filter(Boolean) }) + '\n');
  } else {
    process.stdout.write(`ringnet serve: ${cfg.processes} processes on ${first.ready.host}:${port} (SO_REUSEPORT; pids ${pids.join(', ')}); Ctrl-C stops them\n`);
  }
  let stopping = false;
  let alive = all.length;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const { child } of all) child.kill('SIGTERM');
    setTimeout(() => process.exit(0), 5000).unref();
  };
  for (const { child } of all) {
    child.on('exit', () => {
      if (--alive === 0) process.exit(0);
      if (!stopping) process.stderr.write(`ringnet serve: process ${child.pid} exited; ${alive} left\n`);
    });
  }
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
