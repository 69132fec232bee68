/**
 * Options of the plain framings (length, delimiter, fixed, raw): frames are
 * bytes, decoded natively (native/core/codec) and handed to onFrame as Buffers.
 */
import { InvalidOptionError } from '../../errors';
import type { NormalizedFraming } from '../../protocol';
import { INT32_MAX, bool, describe, int, oneOf, rejectUnknown } from '../../options/validate';

export interface LengthFramingOptions {
  type: 'length';
  /** Byte order of the length field. Default 'big'. */
  byteOrder?: 'big' | 'little';
  /** Offset of the length field from the frame start. Default 0. */
  lengthFieldOffset?: number;
  /** Size of the length field in bytes: 1, 2, 3, 4 or 8. Default 4. */
  lengthFieldLength?: 1 | 2 | 3 | 4 | 8;
  /** Added to the length field's value to get the bytes after the field. Default 0. */
  lengthAdjustment?: number;
  /** Bytes removed from the frame start before onFrame. Default offset + field length. */
  initialBytesToStrip?: number;
  /** Longest frame accepted, header included. Default 16 MiB. */
  maxFrameLength?: number;
}

export interface DelimiterFramingOptions {
  type: 'delimiter';
  /** Any non-empty byte string. Default '\n'. */
  delimiter?: string | Uint8Array;
  /** Longest payload before the delimiter. Default 64 KiB. */
  maxFrameLength?: number;
  /** Remove the delimiter from frames given to onFrame. Default true. */
  stripDelimiter?: boolean;
}

export interface FixedFramingOptions {
  type: 'fixed';
  /** Every frame is exactly this many bytes. */
  frameLength: number;
}

export interface RawFramingOptions {
  type: 'raw';
  /** Bytes are delivered as read, in pieces of at most this size. Default 64 KiB. */
  maxChunk?: number;
}

export type PlainFramingOptions = LengthFramingOptions | DelimiterFramingOptions | FixedFramingOptions | RawFramingOptions;

/** What native/bridge/config_parse.cc reads for the plain framings (native FramingType 0-3). */
export interface NormalizedPlainFraming extends NormalizedFraming {
  littleEndian?: number;
  lengthFieldOffset?: number;
  lengthFieldLength?: number;
  lengthAdjustment?: number;
  initialBytesToStrip?: number;
  maxFrameLength?: number;
  delimiter?: Buffer;
  stripDelimiter?: boolean;
  frameLength?: number;
  maxChunk?: number;
}

export const PLAIN_TYPES = ['length', 'delimiter', 'fixed', 'raw'] as const;

const LENGTH_FIELD_MAX: Record<number, number> = { 1: 0xff, 2: 0xffff, 3: 0xffffff, 4: 0xffffffff, 8: Number.MAX_SAFE_INTEGER };

export function normalizePlainFraming(f: Record<string, unknown>): NormalizedPlainFraming {
  switch (f.type as (typeof PLAIN_TYPES)[number]) {
    case 'length': return lengthFraming(f);
    case 'delimiter': return delimiterFraming(f);
    case 'fixed': {
      rejectUnknown('framing', f, ['type', 'frameLength']);
      const n = int('framing.frameLength', f.frameLength, 1, 64 * 1024 * 1024);
      return { type: 2, name: 'fixed', frameLength: n, overhead: 0, maxPayload: n };
    }
    case 'raw': {
      rejectUnknown('framing', f, ['type', 'maxChunk']);
      const n = f.maxChunk === undefined ? 64 * 1024 : int('framing.maxChunk', f.maxChunk, 1, 64 * 1024 * 1024);
      return { type: 3, name: 'raw', maxChunk: n, overhead: 0, maxPayload: Number.MAX_SAFE_INTEGER };
    }
  }
}

function lengthFraming(f: Record<string, unknown>): NormalizedPlainFraming {
  rejectUnknown('framing', f, ['type', 'byteOrder', 'lengthFieldOffset', 'lengthFieldLength', 'lengthAdjustment', 'initialBytesToStrip', 'maxFrameLength']);
  const byteOrder = f.byteOrder === undefined ? 'big' : oneOf('framing.byteOrder', f.byteOrder, ['big', 'little'] as const);
  const offset = f.lengthFieldOffset === undefined ? 0 : int('framing.lengthFieldOffset', f.lengthFieldOffset, 0, 65535);
  const size = f.lengthFieldLength === undefined ? 4 : int('framing.lengthFieldLength', f.lengthFieldLength, 1, 8);
  if (![1, 2, 3, 4, 8].includes(size)) throw new InvalidOptionError('framing.lengthFieldLength', `must be 1, 2, 3, 4 or 8, got ${size}`);
  const adjustment = f.lengthAdjustment === undefined ? 0 : int('framing.lengthAdjustment', f.lengthAdjustment, -INT32_MAX, INT32_MAX);
  const header = offset + size;
  const strip = f.initialBytesToStrip === undefined ? header : int('framing.initialBytesToStrip', f.initialBytesToStrip, 0, 65535);
  const max = f.maxFrameLength === undefined ? 16 * 1024 * 1024 : int('framing.maxFrameLength', f.maxFrameLength, 1, 2 ** 40);
  if (max < header) throw new InvalidOptionError('framing.maxFrameLength', `must be at least the header size (${header})`);
  if (strip > max) throw new InvalidOptionError('framing.initialBytesToStrip', 'must not exceed maxFrameLength');
  const fieldMax = LENGTH_FIELD_MAX[size] as number;
  return {
    type: 0,
    name: 'length',
    littleEndian: byteOrder === 'little' ? 1 : 0,
    lengthFieldOffset: offset,
    lengthFieldLength: size,
    lengthAdjustment: adjustment,
    initialBytesToStrip: strip,
    maxFrameLength: max,
    overhead: header,
    maxPayload: Math.min(max - header, fieldMax + adjustment),
  };
}

function delimiterFraming(f: Record<string, unknown>): NormalizedPlainFraming {
  rejectUnknown('framing', f, ['type', 'delimiter', 'maxFrameLength', 'stripDelimiter']);
  let delimiter: Buffer;
  if (f.delimiter === undefined) delimiter = Buffer.from('\n');
  else if (typeof f.delimiter === 'string') delimiter = Buffer.from(f.delimiter, 'utf8');
  else if (f.delimiter instanceof Uint8Array) delimiter = Buffer.from(f.delimiter);
  else throw new InvalidOptionError('framing.delimiter', `must be a string or a Buffer, got ${describe(f.delimiter)}`);
  if (delimiter.length === 0) throw new InvalidOptionError('framing.delimiter', 'must not be empty');
  if (delimiter.length > 64) throw new InvalidOptionError('framing.delimiter', 'must be at most 64 bytes');
  const max = f.maxFrameLength === undefined ? 64 * 1024 : int('framing.maxFrameLength', f.maxFrameLength, 1, 2 ** 40);
  const strip = f.stripDelimiter === undefined ? true : bool('framing.stripDelimiter', f.stripDelimiter);
  return { type: 1, name: 'delimiter', delimiter, maxFrameLength: max, stripDelimiter: strip, overhead: delimiter.length, maxPayload: max };
}
