/**
 * Real-socket helpers for the test suites: framed clients, byte collectors and
 * waiting utilities. No mocks: everything goes through the kernel.
 */
import * as net from 'node:net';

export function lengthFrame(payload: Buffer | string, size = 4): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(size);
  header.writeUIntBE(body.length, 0, size);
  return Buffer.concat([header, body]);
}

/** Connects and resolves once connected. */
export function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

export function connectPath(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ path });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Collects everything a socket receives until it has `n` bytes. */
export function readBytes(s: net.Socket, n: number, timeoutMs = 20_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out with ${got}/${n} bytes`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= n) {
        cleanup();
        const all = Buffer.concat(chunks);
        if (all.length > n) s.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    const onEnd = () => {
      cleanup();
      reject(new Error(`ended with ${got}/${n} bytes`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('end', onEnd);
    };
    s.on('data', onData);
    s.on('end', onEnd);
  });
}

/** Reads everything until the peer ends the stream. */
export function readToEnd(s: net.Socket, timeoutMs = 20_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error('timed out waiting for end')), timeoutMs);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Resolves with the error (or undefined) when the socket closes. */
export function closed(s: net.Socket): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let error: Error | undefined;
    s.on('error', (e) => (error = e));
    s.once('close', () => resolve(error));
  });
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
