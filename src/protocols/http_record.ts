/**
 * Mirror of native/core/http/http_record.h: the request record a worker
 * builds for each HTTP request, and the ops of the response commands. Change
 * both files together.
 */

export const REC_FLAGS = 0;
export const REC_METHOD = 1;
export const REC_METHOD_OFFSET = 2;
export const REC_METHOD_LENGTH = 3;
export const REC_TARGET_OFFSET = 4;
export const REC_TARGET_LENGTH = 5;
export const REC_HEADER_COUNT = 6;
export const REC_BODY_OFFSET = 7;
export const REC_BODY_LENGTH = 8;
/** Header index (nameOff, nameLen, valueOff, valueLen) starts at this int. */
export const REC_FIXED_INTS = 10;

export const FLAG_HTTP11 = 1;
export const FLAG_KEEP_ALIVE = 2;
export const FLAG_EXPECT_CONTINUE = 4;
export const FLAG_CHUNKED = 8;

/** Indexed by the native HttpMethod code (0: read the method's bytes). */
export const METHODS: readonly string[] = ['', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

export const OP_WRITE = 1;
export const OP_END = 2;
export const OP_END_CLOSE = 3;

/** Little-endian int32 at byte offset `o` (records are not always 4-byte aligned as Buffers). */
export function i32(b: Uint8Array, o: number): number {
  return (b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24);
}

/** The request target of a record ('/path?query'), read without building an HttpRequest. */
export function recordTarget(rec: Buffer): string {
  const offset = i32(rec, REC_TARGET_OFFSET * 4);
  return rec.toString('latin1', offset, offset + i32(rec, REC_TARGET_LENGTH * 4));
}
