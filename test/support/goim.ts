/**
 * A goim client for the tests: packet encoding (optionally with the CRC-32
 * header extension) and a reader that splits whatever arrives into packets,
 * checking each reply's checksum when asked to.
 */
import type * as net from 'node:net';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE, as zlib). */
export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = (CRC_TABLE[(c ^ (b[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface PacketOptions {
  ver?: number;
  /** headerLen written (extra header bytes are 0xEE); default 16, or 20 with checksum. */
  headerLen?: number;
  /** packLen written instead of the true length. */
  packLen?: number;
  checksum?: boolean;
}

export function goimPacket(op: number, seq: number, body: Buffer | string = '', o: PacketOptions = {}): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const headerLen = o.headerLen ?? (o.checksum ? 20 : 16);
  const p = Buffer.alloc(headerLen + b.length, 0xee);
  p.writeUInt32BE(o.packLen ?? headerLen + b.length, 0);
  p.writeUInt16BE(headerLen, 4);
  p.writeUInt16BE(o.ver ?? 1, 6);
  p.writeUInt32BE(op, 8);
  p.writeUInt32BE(seq, 12);
  if (o.checksum) p.writeUInt32BE(crc32(b), 16);
  b.copy(p, headerLen);
  return p;
}

export interface Packet {
  op: number;
  seq: number;
  ver: number;
  headerLen: number;
  body: Buffer;
  /** CRC-32 from the header extension, when headerLen >= 20. */
  checksum?: number;
}

export class GoimReader {
  readonly packets: Packet[] = [];
  ended = false;
  closed = false;
  error: (Error & { code?: string }) | undefined;
  private buf: Buffer = Buffer.alloc(0);

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      while (this.buf.length >= 16) {
        const packLen = this.buf.readUInt32BE(0);
        if (this.buf.length < packLen) break;
        const headerLen = this.buf.readUInt16BE(4);
        const p: Packet = {
          op: this.buf.readUInt32BE(8),
          seq: this.buf.readUInt32BE(12),
          ver: this.buf.readUInt16BE(6),
          headerLen,
          body: Buffer.from(this.buf.subarray(headerLen, packLen)),
        };
        if (headerLen >= 20) p.checksum = this.buf.readUInt32BE(16);
        this.packets.push(p);
        this.buf = this.buf.subarray(packLen);
      }
    });
    socket.on('end', () => (this.ended = true));
    socket.on('error', (e) => (this.error = e));
    socket.on('close', () => (this.closed = true));
  }

  ops(): number[] {
    return this.packets.map((p) => p.op);
  }
}
