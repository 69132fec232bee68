/**
 * An HTTP response, shaped like node:http's ServerResponse where it can be.
 * end(body) sends status line, headers (Content-Length and Date added) and
 * body as ONE command to the worker; write() streams with chunked encoding
 * (HTTP/1.1) or close-delimited (HTTP/1.0), with the connection's
 * backpressure: it returns false above highWaterMark and 'drain' follows.
 * Pipelined responses leave in request order whatever order handlers finish
 * in (later ones are held, bounded, until the earlier ones end).
 */
import { STATUS_CODES } from 'node:http';
import { HttpResponseError } from './errors';
import { utf8Length } from '../../command_log';
import { httpDate } from './date';
import type { HttpRequest } from '../http_request';
import { OP_END, OP_END_CLOSE, OP_WRITE } from '../http_record';

/**
 * @internal what a response needs from its connection's line of responses
 * (state.ts implements it): order, output, and the connection's fate.
 */
export interface ResponseLine<T> {
  /** A response closes the connection: nothing after it is served. */
  closing: boolean;
  /** server.close() was called: responses say Connection: close. */
  readonly serverClosing: boolean;
  isFirst(res: HttpResponse<T>): boolean;
  submit(op: number, pre: string, body: Uint8Array | string | undefined, bodyBytes: number, post: string): boolean;
  /** A held part of `bytes` was added: false when the response must wait for 'drain'. */
  holdAccepted(res: HttpResponse<T>, bytes: number): boolean;
  ended(res: HttpResponse<T>): void;
  /** Runs a response listener; what it throws is reported like a handler error. */
  call(fn: () => void): void;
}

export type OutgoingHeaderValue = string | number | readonly string[];
export type ResponseEvent = 'drain' | 'finish' | 'close';

const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Validated header names -> lower case: most servers set the same few names on every response. */
const NAME_CACHE = new Map<string, string>();
const NAME_CACHE_MAX = 512;

function lowerName(name: string): string {
  let lower = NAME_CACHE.get(name);
  if (lower !== undefined) return lower;
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new HttpResponseError('ERR_INVALID_HTTP_TOKEN', `invalid header name: ${JSON.stringify(name)}`);
  }
  lower = name.toLowerCase();
  if (NAME_CACHE.size < NAME_CACHE_MAX) NAME_CACHE.set(name, lower);
  return lower;
}

const statusLines = new Map<number, string>();
function statusLine(code: number, message: string | undefined): string {
  if (message !== undefined) return `HTTP/1.1 ${code} ${message}\r\n`;
  let line = statusLines.get(code);
  if (line === undefined) {
    line = `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Unknown'}\r\n`;
    statusLines.set(code, line);
  }
  return line;
}

/** A response whose status forbids a body (1xx, 204, 304). */
function bodiless(code: number): boolean {
  return code < 200 || code === 204 || code === 304;
}

/** @internal one piece held while an earlier response is still going out. */
interface HeldPart {
  op: number;
  pre: string;
  body: Uint8Array | string | undefined;
  bodyBytes: number;
  post: string;
}

export class HttpResponse<T = unknown> {
  /** Default 200. */
  statusCode = 200;
  /** Reason phrase; default: the standard one for statusCode. */
  statusMessage: string | undefined = undefined;

  /** @internal */ readonly _req: HttpRequest<T>;
  /** @internal */ readonly _state: ResponseLine<T>;
  /**
   * @internal headers as a flat list [lower-cased name, name as given, value, ...]:
   * a few entries searched linearly beat an object with dynamic keys here.
   */
  _headers: Array<string | readonly string[]> | undefined = undefined;
  private _sent = false;
  private _ended = false;
  private _closed = false;
  /** true: chunked; false: raw (Content-Length set by you, or HTTP/1.0 close-delimited) */
  private _chunked = false;
  private _closeAfter = false;
  private _noBody = false;
  /** @internal parts held until this response is first in line */ _held: HeldPart[] | undefined = undefined;
  /** @internal */ _heldBytes = 0;
  /** @internal a held write returned false: 'drain' is owed */ _needDrain = false;
  private _listeners: Record<string, Array<() => void>> | undefined = undefined;

  /** @internal */
  constructor(state: ResponseLine<T>, req: HttpRequest<T>) {
    this._state = state;
    this._req = req;
  }

  /** The request this answers. */
  get req(): HttpRequest<T> { return this._req; }
  /** True once the status line and headers were queued. */
  get headersSent(): boolean { return this._sent; }
  /** True once end() was called. */
  get writableEnded(): boolean { return this._ended; }
  /** True when the connection closed before end() (nothing more can be sent). */
  get destroyed(): boolean { return this._closed; }

  /** Sets the status code (chainable: res.status(404).end()). */
  status(code: number): this {
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw new HttpResponseError('ERR_HTTP_INVALID_STATUS_CODE', `invalid status code: ${String(code)}`);
    }
    this.statusCode = code;
    return this;
  }

  setHeader(name: string, value: OutgoingHeaderValue): this {
    if (this._sent) throw new HttpResponseError('ERR_HTTP_HEADERS_SENT', 'cannot set headers after they are sent');
    const lower = lowerName(name);
    if (lower === 'transfer-encoding') {
      throw new HttpResponseError('ERR_HTTP_INVALID_HEADER', 'Transfer-Encoding is set by ringnet (write() streams chunked)');
    }
    if (Array.isArray(value)) {
      for (const v of value) checkValue(name, v);
      value = value.slice();
    } else {
      if (typeof value === 'number') value = String(value);
      checkValue(name, value);
    }
    const h = (this._headers ??= []);
    const i = this.find(lower);
    if (i >= 0) {
      h[i + 1] = name;
      h[i + 2] = value as string | readonly string[];
    } else {
      h.push(lower, name, value as string | readonly string[]);
    }
    return this;
  }

  getHeader(name: string): OutgoingHeaderValue | undefined {
    const i = this.find(name.toLowerCase());
    return i >= 0 ? (this._headers as Array<string | readonly string[]>)[i + 2] : undefined;
  }

  hasHeader(name: string): boolean {
    return this.find(name.toLowerCase()) >= 0;
  }

  removeHeader(name: string): void {
    if (this._sent) throw new HttpResponseError('ERR_HTTP_HEADERS_SENT', 'cannot remove headers after they are sent');
    const i = this.find(name.toLowerCase());
    if (i >= 0) (this._headers as Array<string | readonly string[]>).splice(i, 3);
  }

  /** Headers by lower-cased name. */
  getHeaders(): Record<string, OutgoingHeaderValue> {
    const out: Record<string, OutgoingHeaderValue> = {};
    const h = this._headers;
    if (h !== undefined) for (let i = 0; i < h.length; i += 3) out[h[i] as string] = h[i + 2] as OutgoingHeaderValue;
    return out;
  }

  private find(lower: string): number {
    const h = this._headers;
    if (h === undefined) return -1;
    for (let i = 0; i < h.length; i += 3) if (h[i] === lower) return i;
    return -1;
  }

  /** Status and headers at once, as node:http's writeHead (sent with the first write() or end()). */
  writeHead(code: number, headers?: Record<string, OutgoingHeaderValue>): this;
  writeHead(code: number, message: string, headers?: Record<string, OutgoingHeaderValue>): this;
  writeHead(code: number, a?: string | Record<string, OutgoingHeaderValue>, b?: Record<string, OutgoingHeaderValue>): this {
    if (this._sent) throw new HttpResponseError('ERR_HTTP_HEADERS_SENT', 'cannot write headers after they are sent');
    this.status(code);
    let headers = b;
    if (typeof a === 'string') {
      if (INVALID_VALUE.test(a) || /[\r\n]/.test(a)) throw new HttpResponseError('ERR_INVALID_CHAR', 'invalid status message');
      this.statusMessage = a;
    } else {
      headers = a;
    }
    if (headers !== undefined) for (const k of Object.keys(headers)) this.setHeader(k, headers[k] as OutgoingHeaderValue);
    return this;
  }

  /**
   * Streams a piece of the body. The first write sends the head with
   * Transfer-Encoding: chunked (unless you set Content-Length). Returns false
   * when the connection's queue is above highWaterMark: wait for 'drain'.
   */
  write(chunk: Uint8Array | string): boolean {
    if (this._ended) throw new HttpResponseError('ERR_STREAM_WRITE_AFTER_END', 'write after end');
    if (this._closed) return false;
    const n = byteLength(chunk);
    if (!this._sent) this.startStream();
    if (this._noBody || n === 0) return this.queue(OP_WRITE, '', undefined, 0, '') ;
    if (this._chunked) return this.queue(OP_WRITE, `${n.toString(16)}\r\n`, chunk, n, '\r\n');
    return this.queue(OP_WRITE, '', chunk, n, '');
  }

  /** Ends the response, with an optional last piece of body. Calling it again does nothing. */
  end(body?: Uint8Array | string): this {
    if (this._ended) return this;
    const n = body === undefined ? 0 : byteLength(body);
    if (!this._sent) {
      const code = this.statusCode;
      const at = this.find('content-length');
      const declared = at >= 0 ? (this._headers as Array<string | readonly string[]>)[at + 2] : undefined;
      if (declared !== undefined && !bodiless(code) && Number(declared) !== n && this._req.method !== 'HEAD') {
        throw new HttpResponseError('ERR_HTTP_CONTENT_LENGTH_MISMATCH',
          `Content-Length ${String(declared)} does not match the body (${n} bytes)`);
      }
      this._sent = true;
      this._noBody = bodiless(code) || this._req.method === 'HEAD';
      const length = bodiless(code) || declared !== undefined ? '' : `Content-Length: ${n}\r\n`;
      const head = this.head(length);
      this._ended = true;
      this.queue(this._closeAfter ? OP_END_CLOSE : OP_END, head, this._noBody ? undefined : body, this._noBody ? 0 : n, '');
    } else {
      this._ended = true;
      const op = this._closeAfter ? OP_END_CLOSE : OP_END;
      if (this._noBody || n === 0) this.queue(op, '', undefined, 0, this._chunked ? '0\r\n\r\n' : '');
      else if (this._chunked) this.queue(op, `${n.toString(16)}\r\n`, body, n, '\r\n0\r\n\r\n');
      else this.queue(op, '', body, n, '');
    }
    this._state.ended(this);
    return this;
  }

  /** Listens for 'drain' (after write() returned false), 'finish' (end() queued) or 'close' (connection gone first). */
  on(event: ResponseEvent, fn: () => void): this {
    ((this._listeners ??= {})[event] ??= []).push(fn);
    return this;
  }

  once(event: ResponseEvent, fn: () => void): this {
    const wrapped = (): void => {
      this.off(event, wrapped);
      fn();
    };
    return this.on(event, wrapped);
  }

  off(event: ResponseEvent, fn: () => void): this {
    const list = this._listeners?.[event];
    if (list !== undefined) {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }

  /** @internal */
  _emit(event: ResponseEvent): void {
    const list = this._listeners?.[event];
    if (list === undefined) return;
    for (const fn of list.slice()) this._state.call(fn);
  }

  /** @internal the connection is gone. */
  _markClosed(): void {
    if (this._closed) return;
    this._closed = true;
    this._held = undefined;
    if (!this._ended) this._emit('close');
  }

  /** @internal this response is now first in line: send what it held. */
  _release(): boolean {
    const held = this._held;
    if (held === undefined) return true;
    this._held = undefined;
    this._heldBytes = 0;
    let ok = true;
    for (const p of held) ok = this._state.submit(p.op, p.pre, p.body, p.bodyBytes, p.post);
    return ok;
  }

  private startStream(): void {
    this._sent = true;
    const code = this.statusCode;
    this._noBody = bodiless(code) || this._req.method === 'HEAD';
    let framing = '';
    if (!this._noBody && this.find('content-length') < 0) {
      if (this._req.httpVersion === '1.1') {
        this._chunked = true;
        framing = 'Transfer-Encoding: chunked\r\n';
      } else {
        this._closeAfter = true; // HTTP/1.0: the body ends when the connection does
      }
    }
    this.queue(OP_WRITE, this.head(framing), undefined, 0, '');
  }

  /** Status line and headers; `framing` is Content-Length or Transfer-Encoding. */
  private head(framing: string): string {
    const req = this._req;
    const h = this._headers;
    let userConnection = false;
    let userDate = false;
    if (h !== undefined) {
      for (let i = 0; i < h.length; i += 3) {
        const k = h[i] as string;
        if (k === 'date') userDate = true;
        else if (k === 'connection') {
          userConnection = true;
          if (/(^|,)\s*close\s*(,|$)/i.test(String(h[i + 2]))) this._closeAfter = true;
        }
      }
    }
    if (!req.keepAlive || this._state.closing) this._closeAfter = true;
    if (this._closeAfter) this._state.closing = true;
    // After server.close() the responses owed to requests already received
    // still go out, saying the connection ends (like node:http). They end as
    // usual: the worker closes the connection after the last one owed.
    const serverClosing = this._state.serverClosing;
    let connection = '';
    if (!userConnection) {
      if (this._closeAfter || serverClosing) connection = 'Connection: close\r\n';
      else if (req.httpVersion === '1.0') connection = 'Connection: keep-alive\r\n';
    }
    const date = userDate ? '' : httpDate();
    // Most responses repeat the previous head exactly (same status, headers,
    // length, within the same second): reuse that string, already flat.
    const c = lastHead;
    if (c.code === this.statusCode && c.message === this.statusMessage && c.framing === framing &&
        c.connection === connection && c.date === date && sameHeaders(c.headers, h)) {
      return c.text;
    }
    let s = statusLine(this.statusCode, this.statusMessage);
    if (h !== undefined) {
      for (let i = 0; i < h.length; i += 3) {
        const name = h[i + 1] as string;
        const value = h[i + 2] as string | readonly string[];
        if (typeof value === 'string') s += `${name}: ${value}\r\n`;
        else for (const v of value) s += `${name}: ${v}\r\n`;
      }
    }
    s += connection;
    if (!userDate) s += `Date: ${date}\r\n`;
    s = `${s}${framing}\r\n`;
    void Number(s); // flattens the concatenation once, so writes copy it directly
    c.code = this.statusCode;
    c.message = this.statusMessage;
    c.framing = framing;
    c.connection = connection;
    c.date = date;
    c.headers = h === undefined ? [] : h.slice();
    c.text = s;
    return s;
  }

  private queue(op: number, pre: string, body: Uint8Array | string | undefined, bodyBytes: number, post: string): boolean {
    if (this._closed) return false;
    if (this._state.isFirst(this) && this._held === undefined) {
      return this._state.submit(op, pre, body, bodyBytes, post);
    }
    // An earlier response is still going out: hold this part (copied: the
    // caller may reuse its buffer), within the connection's outbound limit.
    const copy = body instanceof Uint8Array ? Buffer.from(body) : body;
    (this._held ??= []).push({ op, pre, body: copy, bodyBytes, post });
    const bytes = pre.length + bodyBytes + post.length;
    this._heldBytes += bytes;
    return this._state.holdAccepted(this, bytes);
  }
}

/** Values already checked (the same literals come back on every response). */
const VALUE_CACHE = new Set<string>();

/** The last head built (see head()). */
const lastHead = {
  code: 0,
  message: undefined as string | undefined,
  framing: '',
  connection: '',
  date: '',
  headers: [] as Array<string | readonly string[]>,
  text: '',
};

function sameHeaders(a: Array<string | readonly string[]>, b: Array<string | readonly string[]> | undefined): boolean {
  if (b === undefined) return a.length === 0;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkValue(name: string, v: unknown): void {
  if (typeof v === 'string' && VALUE_CACHE.has(v)) return;
  if (typeof v !== 'string' || INVALID_VALUE.test(v)) {
    throw new HttpResponseError('ERR_INVALID_CHAR', `invalid value for header ${JSON.stringify(name)}`);
  }
  if (VALUE_CACHE.size < NAME_CACHE_MAX && v.length <= 256) VALUE_CACHE.add(v);
}

function byteLength(b: Uint8Array | string): number {
  if (typeof b === 'string') return utf8Length(b);
  if (b instanceof Uint8Array) return b.length;
  throw new HttpResponseError('ERR_INVALID_ARG_TYPE', 'body must be a string, Buffer or Uint8Array');
}
