/**
 * goim framing on the JS side: the typed frame handlers receive, the frame
 * send() takes, and the few bytes (ver, op, seq) that travel in front of a
 * send's body so the native encoder writes the header (native/core/codec/goim_codec.h).
 */

/** Operations goim clients use (the protocol leaves other numbers to the application). */
export const GOIM_OP = {
  HEARTBEAT: 2,
  HEARTBEAT_REPLY: 3,
  MESSAGE: 4,
  MESSAGE_REPLY: 5,
  AUTH: 7,
  AUTH_REPLY: 8,
  /** goim's raw batch: several packets in one (broadcast an array of frames, see README). */
  RAW: 9,
} as const;

/** A received goim packet. `body` is a view valid during the handler call only (copy it to keep it). */
export interface GoimFrame {
  op: number;
  seq: number;
  ver: number;
  body: Buffer;
}

/** A goim packet to send; the header is written natively. */
export interface GoimOutFrame {
  op: number;
  /** Default 0. */
  seq?: number;
  /** Default: the framing's `ver` (1). */
  ver?: number;
  body?: Uint8Array | string;
}

/**
 * What onAuth decides: true accepts (op 8 with an empty body goes back),
 * `{ body }` (a string or bytes) accepts with that reply body; false, or
 * anything else (an object without such a body too), rejects: the connection
 * is closed with reason 'auth-rejected'.
 */
export type GoimAuthResult = boolean | { body: Uint8Array | string };

// conn.send() and server.broadcast() take GoimOutFrame, or an array of them
// sent as one op 9 raw batch (src/protocol.ts, ./batch.ts).
declare module '../../protocol' {
  interface SendPayloadTypes {
    goim: GoimOutFrame;
    goimBatch: GoimOutFrame[];
  }
}

/** Bytes of ver u16 | op u32 | seq u32 in front of a send command's body. */
export const GOIM_META_BYTES = 10;

/** Reads a goim packet (header included) delivered by the native decoder. */
export function decodeGoimFrame(packet: Buffer): GoimFrame {
  const headerLen = packet.readUInt16BE(4);
  return {
    ver: packet.readUInt16BE(6),
    op: packet.readUInt32BE(8),
    seq: packet.readUInt32BE(12),
    // Same memory (and same lifetime) as the packet view.
    body: Buffer.from(packet.buffer, packet.byteOffset + headerLen, packet.length - headerLen),
  };
}

const U32 = 0xffffffff;

function u(name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new TypeError(`goim frame: ${name} must be an integer from 0 to ${max}, got ${String(v)}`);
  }
  return v;
}

/** Validates a GoimOutFrame; returns its body bytes and writes its meta into `meta` (10 bytes). */
export function goimMeta(frame: unknown, defaultVer: number, meta: Buffer, op?: number): Buffer {
  if (typeof frame !== 'object' || frame === null || frame instanceof Uint8Array) {
    throw new TypeError('goim framing: send a { op, seq?, ver?, body? } object');
  }
  const f = frame as GoimOutFrame;
  meta.writeUInt16BE(f.ver === undefined ? defaultVer : u('ver', f.ver, 0xffff), 0);
  meta.writeUInt32BE(op ?? u('op', f.op, U32), 2);
  meta.writeUInt32BE(f.seq === undefined ? 0 : u('seq', f.seq, U32), 6);
  const body = f.body;
  if (body === undefined) return EMPTY;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.length);
  throw new TypeError('goim frame: body must be a Buffer, Uint8Array or string');
}

const EMPTY = Buffer.alloc(0);
