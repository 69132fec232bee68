/**
 * An HTTP request as the native parser delivered it: one record (see
 * record.ts) read lazily, so a handler pays only for what it touches. The
 * record is a view into the batch buffer while the handler runs; if the
 * handler returns before ending the response, the request copies its record
 * so it stays readable for as long as you keep it.
 */
import type { Connection } from '../connection';
import {
  FLAG_CHUNKED, FLAG_EXPECT_CONTINUE, FLAG_HTTP11, FLAG_KEEP_ALIVE, METHODS, REC_BODY_LENGTH, REC_BODY_OFFSET,
  REC_FIXED_INTS, REC_FLAGS, REC_HEADER_COUNT, REC_METHOD, REC_METHOD_OFFSET, REC_TARGET_OFFSET, i32,
} from './http_record';

/** Header values by lower-cased name; repeated fields are joined with ', ', set-cookie is an array (as node:http). */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

const EMPTY = Buffer.alloc(0);

export class HttpRequest<T = unknown> {
  /** 'GET', 'POST', ... exactly as sent (methods are case-sensitive). */
  readonly method: string;
  /** '1.1' or '1.0'. */
  readonly httpVersion: '1.0' | '1.1';
  /** The connection the request came on. */
  readonly connection: Connection<T>;

  /** @internal */ _rec: Buffer;
  /** @internal the record is ours (copied), not a view of the batch buffer */ _owned: boolean;
  private readonly flags: number;
  private _url: string | undefined = undefined;
  private _headers: IncomingHeaders | undefined = undefined;
  private _body: Buffer | undefined = undefined;

  /** @internal */
  constructor(record: Buffer, owned: boolean, connection: Connection<T>) {
    this._rec = record;
    this._owned = owned;
    this.connection = connection;
    this.flags = i32(record, REC_FLAGS * 4);
    const code = i32(record, REC_METHOD * 4);
    this.method = code !== 0 ? (METHODS[code] as string) : this.text(REC_METHOD_OFFSET);
    this.httpVersion = (this.flags & FLAG_HTTP11) !== 0 ? '1.1' : '1.0';
  }

  /** The request target as sent ('/path?query'). */
  get url(): string {
    return (this._url ??= this.text(REC_TARGET_OFFSET));
  }

  /** True when the connection stays open after this response (HTTP/1.1 default, or 1.0 with keep-alive). */
  get keepAlive(): boolean {
    return (this.flags & FLAG_KEEP_ALIVE) !== 0;
  }

  /** The request carried Expect: 100-continue (ringnet already answered 100 Continue). */
  get expectContinue(): boolean {
    return (this.flags & FLAG_EXPECT_CONTINUE) !== 0;
  }

  /** The body came with Transfer-Encoding: chunked (body holds it decoded). */
  get chunked(): boolean {
    return (this.flags & FLAG_CHUNKED) !== 0;
  }

  /** Header fields by lower-cased name, built on first access. */
  get headers(): IncomingHeaders {
    if (this._headers !== undefined) return this._headers;
    const out: IncomingHeaders = {};
    const rec = this._rec;
    const n = i32(rec, REC_HEADER_COUNT * 4);
    for (let i = 0, p = REC_FIXED_INTS * 4; i < n; i++, p += 16) {
      const name = latin1(rec, i32(rec, p), i32(rec, p + 4)).toLowerCase();
      const value = latin1(rec, i32(rec, p + 8), i32(rec, p + 12));
      const prev = out[name];
      if (name === 'set-cookie') {
        if (prev === undefined) out[name] = [value];
        else (prev as string[]).push(value);
      } else {
        out[name] = prev === undefined ? value : `${prev as string}, ${value}`;
      }
    }
    return (this._headers = out);
  }

  /** One header, case-insensitive (repeated fields joined with ', '). */
  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  /** Names and values as sent, alternating: [name0, value0, name1, value1, ...]. */
  get rawHeaders(): string[] {
    const rec = this._rec;
    const n = i32(rec, REC_HEADER_COUNT * 4);
    const out: string[] = new Array(n * 2);
    for (let i = 0, p = REC_FIXED_INTS * 4; i < n; i++, p += 16) {
      out[2 * i] = latin1(rec, i32(rec, p), i32(rec, p + 4));
      out[2 * i + 1] = latin1(rec, i32(rec, p + 8), i32(rec, p + 12));
    }
    return out;
  }

  /** The whole body (Content-Length or de-chunked); empty when there is none. Yours to keep. */
  get body(): Buffer {
    if (this._body !== undefined) return this._body;
    const rec = this._rec;
    const off = i32(rec, REC_BODY_OFFSET * 4);
    const len = i32(rec, REC_BODY_LENGTH * 4);
    if (len === 0) return (this._body = EMPTY);
    const view = Buffer.from(rec.buffer, rec.byteOffset + off, len);
    return (this._body = this._owned ? view : Buffer.from(view));
  }

  /** @internal the handler returned: keep what is needed beyond the batch buffer's life. */
  _detach(): void {
    if (this._owned) return;
    this._rec = Buffer.from(this._rec);
    this._owned = true;
  }

  /** Offset/length fields are adjacent: the length follows its offset. */
  private text(field: number): string {
    const rec = this._rec;
    return latin1(rec, i32(rec, field * 4), i32(rec, field * 4 + 4));
  }
}

function latin1(b: Buffer, offset: number, length: number): string {
  return b.toString('latin1', offset, offset + length);
}
