/**
 * Per-test bookkeeping for the lifecycle / backpressure / load suites: servers
 * and client sockets created through a harness are torn down in afterEach, so
 * a failing test can never leave a listener or a socket that hangs the file.
 * Also a length-framed client reader that records what arrived and in which
 * order (frames, 'end', error, 'close').
 */
import * as net from 'node:net';
import { afterEach } from 'vitest';
import { createServer, type Handlers, type Server, type ServerOptions } from '../../src/index';

export interface Started<T> {
  server: Server<T>;
  port: number;
}

export interface Harness {
  /** createServer + listen on 127.0.0.1 (port 0); closed after the test. */
  listen<T = unknown, F = Buffer>(options: ServerOptions, handlers: Handlers<T, F>): Promise<Started<T>>;
  /** A connected client, destroyed after the test. */
  connect(port: number, options?: { allowHalfOpen?: boolean }): Promise<net.Socket>;
  /** Registers a socket created elsewhere for teardown. */
  track(socket: net.Socket): net.Socket;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export function useHarness(): Harness {
  const sockets = new Set<net.Socket>();
  const servers = new Set<Server<any>>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    const closing = [...servers].map((s) => withTimeout(s.close({ timeout: 200 }), 10_000, 'server.close() in afterEach'));
    servers.clear();
    await Promise.all(closing);
  });
  const track = (s: net.Socket): net.Socket => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    return s;
  };
  return {
    async listen<T, F>(options: ServerOptions, handlers: Handlers<T, F>): Promise<Started<T>> {
      const server = createServer<T>(options, handlers as Handlers<T, any>); // goim suites pass GoimHandlers
      const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
      servers.add(server);
      return { server, port };
    },
    connect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<net.Socket> {
      return new Promise((resolve, reject) => {
        const s = track(net.connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen ?? false }));
        s.once('connect', () => {
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
    },
    track,
  };
}

type ErrnoError = Error & { code?: string };

/**
 * Reads length-prefixed frames (4-byte big-endian header) from a socket and
 * records the order of what happened: 'frame', 'end', 'error:<code>', 'close'.
 */
export class FrameReader {
  readonly frames: Buffer[] = [];
  readonly events: string[] = [];
  ended = false;
  closed = false;
  error: ErrnoError | undefined;
  /** Frames seen when 'end' arrived. */
  framesAtEnd = -1;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => {
      this.ended = true;
      this.framesAtEnd = this.frames.length;
      this.events.push('end');
    });
    socket.on('error', (e: ErrnoError) => {
      this.error = e;
      this.events.push(`error:${e.code}`);
    });
    socket.on('close', () => {
      this.closed = true;
      this.events.push('close');
    });
  }

  /** Bytes received that do not form a whole frame yet. */
  get partialBytes(): number {
    return this.buffered;
  }

  texts(): string[] {
    return this.frames.map((f) => f.toString());
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    while (this.buffered >= 4) {
      const head = this.chunks[0] as Buffer;
      const header = head.length >= 4 ? head : Buffer.concat(this.chunks, 4);
      const need = 4 + header.readUInt32BE(0);
      if (this.buffered < need) return;
      const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks, this.buffered);
      this.frames.push(Buffer.from(all.subarray(4, need)));
      this.events.push('frame');
      const rest = all.subarray(need);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
  }
}

/** Buffer of `n` pseudo-random bytes from `seed` (xorshift32): cheap, reproducible, non-repeating. */
export function pattern(seed: number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = (seed * 2654435761 + 1) >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  for (; i < n; i++) out[i] = (seed + i) & 0xff;
  return out;
}

/** Busy-waits (blocks the JS thread) for `ms` milliseconds. */
export function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

/** Writes every buffer, waiting for 'drain' whenever the socket says its buffer is full. */
export async function writeAll(s: net.Socket, buffers: Iterable<Buffer>): Promise<void> {
  for (const b of buffers) {
    if (s.destroyed) throw new Error('socket destroyed while writing');
    if (!s.write(b)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          s.off('close', onClose);
          resolve();
        };
        const onClose = () => {
          s.off('drain', onDrain);
          reject(new Error('socket closed while waiting for drain'));
        };
        s.once('drain', onDrain);
        s.once('close', onClose);
      });
    }
  }
}

/** Like waitFor, but the failure message is computed when it times out (so it shows the state then). */
export async function eventually(cond: () => boolean, timeoutMs: number, state: () => string): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${state()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
