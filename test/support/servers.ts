/**
 * Teardown-tracked servers and clients for the framing / limits / options /
 * listen suites, which need more than 127.0.0.1 (any host, Unix paths, servers
 * that never listen) plus a byte collector that checks exact output.
 *
 * Everything created through useServers() is destroyed/closed in afterEach;
 * a server.close() that does not settle fails the test instead of hanging it.
 */
import * as net from 'node:net';
import { afterEach, expect } from 'vitest';
import { createServer, type Handlers, type ListenOptions, type Server, type ServerOptions } from '../../src/index';
import { withTimeout } from './harness';
import { waitFor } from './net';

export interface Listening<T> {
  server: Server<T>;
  port: number;
}

export interface Servers {
  /** createServer(), closed after the test (if it ever listened). */
  create<T = unknown>(options: ServerOptions | undefined, handlers: Handlers<T>): Server<T>;
  /** create() + listen() (default 127.0.0.1, port 0). */
  listen<T = unknown>(options: ServerOptions | undefined, handlers: Handlers<T>, at?: ListenOptions): Promise<Listening<T>>;
  /** A connected TCP client, destroyed after the test. */
  connect(port: number, host?: string): Promise<net.Socket>;
  /** A connected Unix-socket client ('\0name' = abstract), destroyed after the test. */
  connectPath(path: string): Promise<net.Socket>;
  track(socket: net.Socket): net.Socket;
}

export function useServers(): Servers {
  const sockets = new Set<net.Socket>();
  const servers = new Set<Server<any>>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    const open = [...servers].filter((s) => s.listening);
    servers.clear();
    await Promise.all(open.map((s) => withTimeout(s.close({ timeout: 200 }), 5_000, 'server.close() in afterEach')));
  });
  const track = (s: net.Socket): net.Socket => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    return s;
  };
  const connected = (s: net.Socket): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      track(s);
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
    });
  const create = <T>(options: ServerOptions | undefined, handlers: Handlers<T>): Server<T> => {
    const server = createServer<T>(options, handlers);
    servers.add(server);
    return server;
  };
  return {
    create,
    async listen<T>(options: ServerOptions | undefined, handlers: Handlers<T>, at: ListenOptions = { host: '127.0.0.1', port: 0 }) {
      const server = create<T>(options, handlers);
      const { port } = await server.listen(at);
      return { server, port };
    },
    connect: (port, host = '127.0.0.1') => connected(net.connect({ port, host })),
    connectPath: (path) => connected(net.connect({ path })),
    track,
  };
}

/** Everything a socket receives, in order. */
export class Collector {
  private chunks: Buffer[] = [];
  length = 0;
  ended = false;
  closed = false;
  error: (Error & { code?: string }) | undefined;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.length += d.length;
    });
    socket.on('end', () => (this.ended = true));
    socket.on('error', (e) => (this.error = e));
    socket.on('close', () => (this.closed = true));
  }

  bytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Waits for at least `n` bytes, then a little longer so that extra bytes would show. */
  async atLeast(n: number, timeoutMs = 15_000): Promise<Buffer> {
    await waitFor(() => this.length >= n || this.closed, timeoutMs, `${n} bytes (have ${this.length})`);
    await new Promise((r) => setTimeout(r, 20));
    return this.bytes();
  }

  /** The next `n` bytes after those already taken. */
  async take(n: number, timeoutMs = 15_000): Promise<Buffer> {
    const end = this.cursor + n;
    await waitFor(() => this.length >= end || this.closed, timeoutMs, `${end} bytes (have ${this.length})`);
    const out = this.bytes().subarray(this.cursor, end);
    this.cursor = end;
    return out;
  }

  private cursor = 0;

  waitClosed(timeoutMs = 10_000): Promise<void> {
    return waitFor(() => this.closed, timeoutMs, 'client socket close');
  }
}

/** Byte-exact comparison with a readable failure (first differing offset) for big buffers. */
export function expectBytes(actual: Buffer, expected: Buffer, what = 'bytes'): void {
  if (actual.equals(expected)) return;
  let i = 0;
  const n = Math.min(actual.length, expected.length);
  while (i < n && actual[i] === expected[i]) i++;
  const around = (b: Buffer) => b.subarray(Math.max(0, i - 8), i + 8).toString('hex');
  expect.fail(
    `${what}: ${actual.length} bytes, expected ${expected.length}; first difference at offset ${i} ` +
      `(got ...${around(actual)}..., expected ...${around(expected)}...)`,
  );
}

/** Same frames, in the same order, byte for byte. */
export function expectFrames(actual: Buffer[], expected: Buffer[]): void {
  expect(actual.map((f) => f.length), 'frame lengths').toEqual(expected.map((f) => f.length));
  actual.forEach((f, i) => expectBytes(f, expected[i] as Buffer, `frame ${i}`));
}

/**
 * Writes `pieces` one socket.write() each, yielding to the event loop every
 * `every` writes (setImmediate) and sleeping 1 ms every 16 yields, so the
 * server really sees the stream in many small reads.
 */
export async function writePieces(s: net.Socket, pieces: Buffer[], every = 3): Promise<void> {
  s.setNoDelay(true);
  for (let i = 0; i < pieces.length; i++) {
    if (s.destroyed) throw new Error('socket destroyed while writing');
    s.write(pieces[i] as Buffer);
    if ((i + 1) % every !== 0) continue;
    if ((i + 1) % (every * 16) === 0) await new Promise((r) => setTimeout(r, 1));
    else await new Promise((r) => setImmediate(r));
    if (s.writableLength > 1 << 20) await new Promise((r) => s.once('drain', r));
  }
}

/**
 * Cuts a stream of wire frames for writePieces(): small frames byte by byte;
 * a large one byte by byte for its first and last 32 bytes (so every frame
 * boundary is split) with the middle in 16 KiB pieces.
 */
export function splitBytewise(wireFrames: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  const bytewise = (b: Buffer) => {
    for (let i = 0; i < b.length; i++) out.push(b.subarray(i, i + 1));
  };
  for (const f of wireFrames) {
    if (f.length <= 2048) {
      bytewise(f);
      continue;
    }
    bytewise(f.subarray(0, 32));
    for (let i = 32; i < f.length - 32; i += 16384) out.push(f.subarray(i, Math.min(i + 16384, f.length - 32)));
    bytewise(f.subarray(f.length - 32));
  }
  return out;
}
