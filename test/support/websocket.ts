/**
 * A raw WebSocket client for the tests: the handshake and masked frames are
 * written byte for byte, and what the server sends is parsed here, so every
 * rule can be exercised with exact bytes (the `ws` package covers a real
 * client). No mocks: everything goes through the kernel.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as zlib from 'node:zlib';

export const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

export function upgradeRequest(path = '/ws', extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}

export interface FrameOptions {
  fin?: boolean;
  mask?: boolean;
  rsv?: number;
  key?: Buffer;
}

/** A client frame (masked unless mask: false). */
export function clientFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), o: FrameOptions = {}): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const masked = o.mask ?? true;
  const n = body.length;
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | (o.rsv ?? 0) | opcode];
  const m = masked ? 0x80 : 0;
  if (n < 126) head.push(m | n);
  else if (n <= 0xffff) head.push(m | 126, n >> 8, n & 255);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  }
  const key = o.key ?? randomBytes(4);
  const out = Buffer.concat([Buffer.from(head), masked ? key : Buffer.alloc(0), body]);
  if (masked) {
    const start = out.length - n;
    for (let i = 0; i < n; i++) out[start + i] = (out[start + i] as number) ^ (key[i & 3] as number);
  }
  return out;
}

export function closeBody(code: number, reason = ''): Buffer {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return b;
}

export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
}

/** Reads the HTTP response head, then server frames; records FIN and close. */
export class RawWsClient {
  head = '';
  status = 0;
  readonly frames: ServerFrame[] = [];
  ended = false;
  closed = false;
  /** A server frame broke a rule a client checks (masked, bad length). */
  violation = '';
  private buf = Buffer.alloc(0);
  private headDone = false;
  private waiters: Array<() => void> = [];

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => { this.ended = true; this.wake(); });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => { /* the close event follows */ });
  }

  static async open(port: number, request: string | Buffer = upgradeRequest()): Promise<RawWsClient> {
    const s = await new Promise<net.Socket>((resolve, reject) => {
      const c = net.connect({ port, host: '127.0.0.1' });
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
    const client = new RawWsClient(s);
    if (request.length > 0) s.write(request);
    return client;
  }

  write(b: Buffer | string): void {
    this.socket.write(b);
  }

  close(): void {
    this.socket.destroy();
  }

  /** Waits until `cond` holds (checked on every event). */
  async until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (head=${JSON.stringify(this.head.slice(0, 80))}, frames=${this.frames.length}, ended=${this.ended})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  async upgraded(ms = 5000): Promise<void> {
    await this.until(() => this.headDone, 'the 101 response', ms);
    if (this.status !== 101) throw new Error(`expected 101, got ${this.head}`);
  }

  async frame(i: number, ms = 5000): Promise<ServerFrame> {
    await this.until(() => this.frames.length > i, `server frame #${i}`, ms);
    return this.frames[i] as ServerFrame;
  }

  /** The close frame's code (or 1005 when it had none). */
  async closeCode(ms = 5000): Promise<number> {
    await this.until(() => this.frames.some((f) => f.opcode === 8), 'a close frame', ms);
    const f = this.frames.find((x) => x.opcode === 8) as ServerFrame;
    return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    if (!this.headDone) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.head = this.buf.toString('latin1', 0, end + 4);
      this.status = Number(this.head.split(' ')[1]);
      this.buf = this.buf.subarray(end + 4);
      this.headDone = true;
    }
    for (;;) {
      if (this.buf.length < 2) break;
      const b0 = this.buf[0] as number;
      const b1 = this.buf[1] as number;
      if (b1 & 0x80) this.violation = 'masked server frame';
      let n = b1 & 0x7f;
      let h = 2;
      if (n === 126) {
        if (this.buf.length < 4) break;
        n = this.buf.readUInt16BE(2);
        h = 4;
      } else if (n === 127) {
        if (this.buf.length < 10) break;
        n = Number(this.buf.readBigUInt64BE(2));
        h = 10;
      }
      if (this.buf.length < h + n) break;
      this.frames.push({ fin: (b0 & 0x80) !== 0, rsv: b0 & 0x70, opcode: b0 & 0x0f, payload: Buffer.from(this.buf.subarray(h, h + n)) });
      this.buf = this.buf.subarray(h + n);
    }
    this.wake();
  }
}

/**
 * A client's permessage-deflate inflater with context takeover (RFC 7692
 * 7.2.2): one raw zlib stream kept across messages, so a message compressed
 * with reference to earlier ones inflates only when those were inflated here
 * first, in order. windowBits: what the client allows (zlib refuses a
 * distance beyond it).
 */
export class TakeoverInflater {
  private readonly z: zlib.InflateRaw;
  private chunks: Buffer[] = [];

  constructor(windowBits = 15) {
    this.z = zlib.createInflateRaw({ windowBits });
    this.z.on('data', (d: Buffer) => this.chunks.push(d));
  }

  inflate(payload: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => reject(e);
      this.z.once('error', fail);
      this.z.write(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]));
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.z.off('error', fail);
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.z.close();
  }
}
