/**
 * The per-worker log of commands (send, write, end, close, ...) that JS hands
 * to the native worker in one call per flush, instead of one Node-API call per
 * send. Layout: [op, slot, gen, length] int32 + payload padded to 4 bytes.
 */
import { CMD_PROTOCOL, COMMAND_HEADER_BYTES } from './wire';

const INITIAL_BYTES = 64 * 1024;
/** After a burst the log shrinks back, so memory follows the load. */
const SHRINK_ABOVE = 4 * 1024 * 1024;

export class CommandLog {
  bytes: Buffer;
  ints: Int32Array;
  length = 0;
  /** The log holds references into a batch arena (pushRef) since the last reset. */
  refs = false;
  /** Payload bytes copied into the log so far (server.stats().copies.commandLog). */
  copied = 0;

  constructor() {
    this.bytes = Buffer.alloc(INITIAL_BYTES);
    this.ints = new Int32Array(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length >> 2);
  }

  push(op: number, slot: number, gen: number, payload?: Uint8Array): void {
    const n = payload === undefined ? 0 : payload.length;
    const need = COMMAND_HEADER_BYTES + ((n + 3) & ~3);
    if (this.length + need > this.bytes.length) this.grow(need);
    const i = this.length >> 2;
    const ints = this.ints;
    ints[i] = op;
    ints[i + 1] = slot;
    ints[i + 2] = gen;
    ints[i + 3] = n;
    if (n > 0) {
      this.bytes.set(payload as Uint8Array, this.length + COMMAND_HEADER_BYTES);
      this.copied += n;
    }
    this.length += need;
  }

  /**
   * A send of bytes that are still in the batch arena `arena` (a frame view or a
   * slice of one): only where they are goes into the log; the worker reads them
   * from the arena, which it reuses only after applying this log.
   */
  pushRef(op: number, slot: number, gen: number, arena: number, view: Uint8Array, head?: Uint8Array): void {
    // `head`: the framing's meta (WebSocket: the opcode byte), after the reference.
    const h = head === undefined ? 0 : head.length;
    const n = 12 + h;
    const need = COMMAND_HEADER_BYTES + ((n + 3) & ~3);
    if (this.length + need > this.bytes.length) this.grow(need);
    const i = this.length >> 2;
    const ints = this.ints;
    ints[i] = op;
    ints[i + 1] = slot;
    ints[i + 2] = gen;
    ints[i + 3] = n;
    ints[i + 4] = arena;
    ints[i + 5] = view.byteOffset;
    ints[i + 6] = view.length;
    if (h === 1) this.bytes[this.length + COMMAND_HEADER_BYTES + 12] = (head as Uint8Array)[0] as number;
    else if (h > 0) this.bytes.set(head as Uint8Array, this.length + COMMAND_HEADER_BYTES + 12);
    this.length += need;
    this.refs = true;
  }

  /** Like push(), with `head` and `body` written back to back as one payload (no concat). */
  pushParts(op: number, slot: number, gen: number, head: Uint8Array, body: Uint8Array): void {
    const n = head.length + body.length;
    const need = COMMAND_HEADER_BYTES + ((n + 3) & ~3);
    if (this.length + need > this.bytes.length) this.grow(need);
    const i = this.length >> 2;
    this.ints[i] = op;
    this.ints[i + 1] = slot;
    this.ints[i + 2] = gen;
    this.ints[i + 3] = n;
    const at = this.length + COMMAND_HEADER_BYTES;
    this.bytes.set(head, at);
    if (body.length > 0) this.bytes.set(body, at + head.length);
    this.copied += n;
    this.length += need;
  }

  /**
   * A protocol command (native Protocol::onCommand) whose payload is built in
   * place: int32 protocol op, `pre` (latin1: one byte per char), the body,
   * `post` (latin1). Saves building an intermediate Buffer per HTTP response.
   */
  pushProtocol(slot: number, gen: number, protoOp: number, pre: string, body: Uint8Array | string | undefined, bodyBytes: number, post: string): void {
    const n = 4 + pre.length + bodyBytes + post.length;
    const need = COMMAND_HEADER_BYTES + ((n + 3) & ~3);
    if (this.length + need > this.bytes.length) this.grow(need);
    const i = this.length >> 2;
    const ints = this.ints;
    ints[i] = CMD_PROTOCOL;
    ints[i + 1] = slot;
    ints[i + 2] = gen;
    ints[i + 3] = n;
    ints[i + 4] = protoOp;
    const bytes = this.bytes;
    let at = this.length + COMMAND_HEADER_BYTES + 4;
    if (pre.length > 0) at = writeLatin1(bytes, pre, at);
    if (bodyBytes > 0) {
      if (typeof body !== 'string') {
        bytes.set(body as Uint8Array, at);
        at += bodyBytes;
      } else if (bodyBytes === body.length) {
        at = writeLatin1(bytes, body, at); // ASCII: the same bytes
      } else {
        at += (bytes as Buffer & LatinWritable).utf8Write(body, at);
      }
    }
    if (post.length > 0) writeLatin1(bytes, post, at);
    this.copied += n - 4;
    this.length += need;
  }

  /** Called after the log was handed to native code. */
  reset(): void {
    this.length = 0;
    this.refs = false;
    if (this.bytes.length > SHRINK_ABOVE) this.allocate(INITIAL_BYTES);
  }

  private grow(need: number): void {
    let size = this.bytes.length * 2;
    while (size < this.length + need) size *= 2;
    const old = this.bytes;
    const used = this.length;
    this.allocate(size);
    old.copy(this.bytes, 0, 0, used);
  }

  private allocate(size: number): void {
    // Buffer.alloc (not allocUnsafe): a fresh ArrayBuffer, 4-byte aligned, never pooled.
    this.bytes = Buffer.alloc(size);
    this.ints = new Int32Array(this.bytes.buffer, this.bytes.byteOffset, size >> 2);
  }
}

/** Node's Buffer methods behind Buffer#write (present in every supported Node). */
interface LatinWritable {
  latin1Write(s: string, offset: number): number;
  utf8Write(s: string, offset: number): number;
}

/**
 * Latin-1 bytes of `s` at `at`; returns the end. Tiny strings (chunk framing,
 * short bodies) are copied by a JIT-compiled loop, cheaper than a call into
 * C++; longer ones (response heads, built by concatenation) are not: a loop
 * over a cons string is slower than Buffer#write flattening it once.
 */
export function writeLatin1(b: Buffer, s: string, at: number): number {
  const n = s.length;
  // latin1Write: Buffer#write without its argument checks (we sized the log).
  if (n > 16) return at + (b as Buffer & LatinWritable).latin1Write(s, at);
  for (let i = 0; i < n; i++) b[at + i] = s.charCodeAt(i);
  return at + n;
}

/** UTF-8 length of `s`, without a call into C++ for short ASCII strings. */
export function utf8Length(s: string): number {
  const n = s.length;
  if (n > 64) return Buffer.byteLength(s);
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s);
  return n;
}
