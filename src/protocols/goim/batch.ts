/**
 * goim's raw batch (op 9): several packets in one. goim's Job merges a room's
 * pushes into one buffer of whole packets and hands it to every Comet as op 9;
 * the Comet writes that buffer as is to TCP clients (Proto.WriteTCP: OpRaw
 * "write without buffer") and, to WebSocket clients, as one binary message
 * holding one op 9 packet whose body is the packets (Proto.WriteWebsocket; the
 * web client walks the body packet by packet). Packed here once per broadcast;
 * the native fan-out then shares the bytes between members.
 */
import { InvalidFrameError } from '../../errors';
import { goimMeta, GOIM_META_BYTES } from './frame';
import type { NormalizedGoimFraming } from './options';

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC-32 (IEEE, as zlib and the native goim codec) for the checksum header extension. */
function crc32(b: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < b.length; i++) c = (CRC_TABLE[(c ^ (b[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * The packets of `frames`, concatenated: each with the framing's header (16
 * bytes, 20 with `checksum`) and the framing's default `ver`. The op 9 packet
 * that carries them (16 + this) must fit maxFrameLength, on both transports,
 * so a batch is never larger than one packet a client accepts.
 */
export function packGoimBatch(frames: unknown, f: NormalizedGoimFraming): Buffer {
  if (!Array.isArray(frames) || frames.length === 0) {
    throw new TypeError('goim batch: give a non-empty array of { op, seq?, ver?, body? } frames');
  }
  const header = f.checksum ? 20 : 16;
  const meta = Buffer.allocUnsafe(GOIM_META_BYTES);
  const parts: Buffer[] = [];
  let total = header; // the op 9 packet's own header
  for (const frame of frames) {
    const body = goimMeta(frame, f.ver, meta);
    const packet = Buffer.allocUnsafe(header + body.length);
    packet.writeUInt32BE(packet.length, 0);
    packet.writeUInt16BE(header, 4);
    meta.copy(packet, 6); // ver u16 | op u32 | seq u32: the header's next 10 bytes
    if (f.checksum) packet.writeUInt32BE(crc32(body), 16);
    packet.set(body, header);
    total += packet.length;
    if (total > f.maxFrameLength) {
      throw new InvalidFrameError(`goim batch of ${total} bytes (op 9 packet) exceeds maxFrameLength (${f.maxFrameLength})`);
    }
    parts.push(packet);
  }
  return Buffer.concat(parts, total - header);
}
