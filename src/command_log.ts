/**
 * The per-worker log of commands (send, write, end, close, ...) that JS hands
 * to the native worker in one call per flush, instead of one Node-API call per
 * send. Layout: [op, slot, gen, length] int32 + payload padded to 4 bytes.
 */
import { COMMAND_HEADER_BYTES } from './wire';

const INITIAL_BYTES = 64 * 1024;
/** After a burst the log shrinks back, so memory follows the load. */
const SHRINK_ABOVE = 4 * 1024 * 1024;

export class CommandLog {
  bytes: Buffer;
  ints: Int32Array;
  length = 0;

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
    if (n > 0) this.bytes.set(payload as Uint8Array, this.length + COMMAND_HEADER_BYTES);
    this.length += need;
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
    this.length += need;
  }

  /** Called after the log was handed to native code. */
  reset(): void {
    this.length = 0;
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
