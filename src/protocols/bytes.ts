/**
 * Byte payloads: what send() and broadcast() take under framings whose frames
 * are plain bytes (length, delimiter, fixed, raw, and HTTP's conn.send).
 */
import { InvalidFrameError } from '../errors';
import type { NormalizedFraming, SendPayload } from '../protocol';

/** The payload's bytes, checked against the framing (`exactLength`: fixed framing's frame size). */
export function bytePayload(f: NormalizedFraming, payload: SendPayload, exactLength: number): Uint8Array {
  if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) {
    throw new TypeError(`${f.name} framing: send a Buffer, Uint8Array or string`);
  }
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (bytes.length > f.maxPayload) {
    throw new InvalidFrameError(`payload of ${bytes.length} bytes exceeds the framing's limit (${f.maxPayload})`);
  }
  if (exactLength !== 0 && bytes.length !== exactLength) {
    throw new InvalidFrameError(`fixed framing needs payloads of exactly ${exactLength} bytes, got ${bytes.length}`);
  }
  return bytes;
}
