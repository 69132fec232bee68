/**
 * The broker message: one binary envelope per publish. The frame inside is
 * already encoded for the wire (framing header included) so a receiving node
 * hands it to the native fan-out as is.
 *
 *   u8 version (1) | u8 kind | u8 origin length | origin | u16 target length |
 *   target | f64 sent-at (ms since epoch, for lag) | frame bytes
 */

export const enum Kind {
  Room = 1,
  All = 2,
  User = 3,
  Connection = 4,
  Online = 5,   // target: '' ; frame: JSON online snapshot
}

export interface Envelope {
  kind: Kind;
  origin: string;
  target: string;
  sentAt: number;
  frame: Buffer;
}

const VERSION = 1;

export function encodeEnvelope(kind: Kind, origin: string, target: string, frame: Uint8Array, sentAt = Date.now()): Buffer {
  const o = Buffer.from(origin, 'utf8');
  const t = Buffer.from(target, 'utf8');
  const out = Buffer.allocUnsafe(3 + o.length + 2 + t.length + 8 + frame.length);
  let p = 0;
  out[p++] = VERSION;
  out[p++] = kind;
  out[p++] = o.length;
  o.copy(out, p);
  p += o.length;
  out.writeUInt16BE(t.length, p);
  p += 2;
  t.copy(out, p);
  p += t.length;
  out.writeDoubleBE(sentAt, p);
  p += 8;
  out.set(frame, p);
  return out;
}

/** undefined for anything that is not a well-formed envelope (ignored and counted by the caller). */
export function decodeEnvelope(b: Buffer): Envelope | undefined {
  if (b.length < 14 || b[0] !== VERSION) return undefined;
  const kind = b[1] as Kind;
  if (kind < Kind.Room || kind > Kind.Online) return undefined;
  const ol = b[2] as number;
  let p = 3 + ol;
  if (b.length < p + 2 + 8) return undefined;
  const origin = b.toString('utf8', 3, p);
  const tl = b.readUInt16BE(p);
  p += 2;
  if (b.length < p + tl + 8) return undefined;
  const target = b.toString('utf8', p, p + tl);
  p += tl;
  const sentAt = b.readDoubleBE(p);
  p += 8;
  return { kind, origin, target, sentAt, frame: b.subarray(p) };
}
