/**
 * `ringnet serve`: a server from flags, with an echo or fixed-response handler.
 * It is also the ringnet server process of the benchmark lab (--json: a ready
 * line, then "stats" on stdin prints server.stats() as one JSON line).
 */
import * as readline from 'node:readline';
import { createServer } from '../index';
import type { Connection } from '../connection';
import type { Handlers } from '../server';
import type { ServeConfig } from './serve-options';
import { CHILD_ENV, superviseProcesses } from './serve-processes';

export async function runServe(cfg: ServeConfig): Promise<void> {
  if (cfg.processes > 1 && process.env[CHILD_ENV] === undefined) return superviseProcesses(cfg);
  const server = createServer(cfg.options, handlersFor(cfg));
  const addr = await server.listen(cfg.listen);
  if (cfg.json) {
    const at = cfg.listen.path !== undefined ? { path: cfg.listen.path } : { port: addr.port, host: addr.address };
    const node = server.cluster?.nodeId;
    const fallback = server.backendFallbackReason;
    process.stdout.write(JSON.stringify({ ready: true, ...at, pid: process.pid, backend: server.backend, ...(fallback ? { backendFallbackReason: fallback } : {}), ...(node ? { nodeId: node } : {}) }) + '\n');
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      if (line.trim() === 'stats') process.stdout.write(JSON.stringify({ stats: server.stats() }) + '\n');
    });
  } else {
    const where = cfg.listen.path ?? `${addr.address}:${addr.port}`;
    process.stdout.write(`ringnet ${cfg.handler} server on ${where} (backend ${server.backend}, ` +
      `${cfg.options.workers ?? 1} worker(s), accept mode ${cfg.options.acceptMode ?? 'dispatch'}); Ctrl-C stops it\n`);
    if (server.backendFallbackReason) process.stdout.write(`epoll, not io_uring: ${server.backendFallbackReason}\n`);
  }
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(0), 3000);   // never hang the caller
    force.unref();
    server.close({ timeout: 1000 }).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function handlersFor(cfg: ServeConfig): Handlers {
  return { ...frameHandler(cfg), onError: (err: Error) => void process.stderr.write(`ringnet serve: ${err.message}\n`) };
}

function frameHandler(cfg: ServeConfig): Handlers {
  if (cfg.handler === 'fixed') {
    const reply = cfg.response;
    return { onFrame: (conn: Connection) => void conn.send(reply) };
  }
  if (cfg.echoWrites === 2) {
    // Two small writes per reply (4-byte header, then payload): the write-write-read
    // pattern that stalls on Nagle + delayed ACK when TCP_NODELAY is off.
    return {
      onFrame(conn: Connection, frame: Buffer) {
        const header = Buffer.allocUnsafe(4);
        header.writeUInt32BE(frame.length, 0);
        conn.write(header);
        conn.write(frame);
      },
    };
  }
  return { onFrame: (conn: Connection, frame: Buffer) => void conn.send(frame) };
}
