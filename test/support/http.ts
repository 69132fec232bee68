/**
 * Raw-socket HTTP helpers for the HTTP suites: a strict little parser for
 * the responses a server wrote (so tests check the exact bytes on the wire,
 * not what a tolerant client makes of them), and a client that collects them.
 */
import * as net from 'node:net';
import { waitFor } from './net';

export interface ParsedResponse {
  status: number;
  reason: string;
  version: string;
  /** Lower-cased names; repeated fields joined with ', '. */
  headers: Record<string, string>;
  rawHeaders: Array<[string, string]>;
  body: Buffer;
  chunked: boolean;
}

/** Parses as many complete responses as `buf` holds; `rest` is the incomplete tail. */
export function parseResponses(buf: Buffer, headRequests = new Set<number>()): { responses: ParsedResponse[]; rest: Buffer } {
  const responses: ParsedResponse[] = [];
  let pos = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const lines = buf.toString('latin1', pos, end).split('\r\n');
    const m = /^(HTTP\/1\.[01]) (\d{3}) (.*)$/.exec(lines[0] as string);
    if (!m) throw new Error(`bad status line: ${JSON.stringify(lines[0])}`);
    const headers: Record<string, string> = {};
    const rawHeaders: Array<[string, string]> = [];
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i <= 0) throw new Error(`bad header line: ${JSON.stringify(line)}`);
      const name = line.slice(0, i);
      const value = line.slice(i + 1).trim();
      rawHeaders.push([name, value]);
      const k = name.toLowerCase();
      headers[k] = headers[k] === undefined ? value : `${headers[k]}, ${value}`;
    }
    const status = Number(m[2]);
    let p = end + 4;
    let body: Buffer = Buffer.alloc(0);
    const chunked = /chunked/i.test(headers['transfer-encoding'] ?? '');
    const isHead = headRequests.has(responses.length);
    if (status >= 100 && status < 200) {
      // interim: no body
    } else if (isHead || status === 204 || status === 304) {
      // no body
    } else if (chunked) {
      const parts: Buffer[] = [];
      let complete = false;
      for (;;) {
        const lineEnd = buf.indexOf('\r\n', p);
        if (lineEnd < 0) break;
        const size = parseInt(buf.toString('latin1', p, lineEnd), 16);
        if (Number.isNaN(size)) throw new Error(`bad chunk size at ${p}`);
        if (size === 0) {
          if (buf.length < lineEnd + 4) break;
          if (buf.toString('latin1', lineEnd + 2, lineEnd + 4) !== '\r\n') throw new Error('trailers not expected');
          p = lineEnd + 4;
          complete = true;
          break;
        }
        if (buf.length < lineEnd + 2 + size + 2) break;
        parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        if (buf.toString('latin1', lineEnd + 2 + size, lineEnd + 4 + size) !== '\r\n') throw new Error('bad chunk end');
        p = lineEnd + 4 + size;
      }
      if (!complete) break;
      body = Buffer.concat(parts);
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (buf.length < p + n) break;
      body = buf.subarray(p, p + n);
      p += n;
    } else {
      // close-delimited: everything that follows
      body = buf.subarray(p);
      p = buf.length;
    }
    responses.push({ status, reason: m[3] as string, version: m[1] as string, headers, rawHeaders, body, chunked });
    pos = p;
  }
  return { responses, rest: buf.subarray(pos) };
}

/** A raw client: write bytes, read back parsed responses and whether the server closed. */
export class RawHttpClient {
  private chunks: Buffer[] = [];
  ended = false;
  closed = false;
  reset = false;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.chunks.push(d));
    socket.on('end', () => (this.ended = true));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') this.reset = true;
    });
    socket.on('close', () => (this.closed = true));
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.bytes().toString('latin1');
  }

  responses(headRequests?: Set<number>): ParsedResponse[] {
    return parseResponses(this.bytes(), headRequests).responses;
  }

  /** Waits until `n` complete responses arrived. */
  async waitResponses(n: number, timeoutMs = 15_000, headRequests?: Set<number>): Promise<ParsedResponse[]> {
    await waitFor(() => this.responses(headRequests).length >= n || (this.closed && this.chunks.length === 0), timeoutMs,
      `${n} responses (have ${this.responses(headRequests).length}: ${JSON.stringify(this.text().slice(0, 300))})`);
    return this.responses(headRequests);
  }

  /** Waits for the server's FIN (or the socket closing). */
  waitEnd(timeoutMs = 10_000): Promise<void> {
    return waitFor(() => this.ended || this.closed, timeoutMs, 'server FIN');
  }
}

export function request(method: string, target: string, headers: Record<string, string> = {}, body = ''): string {
  let s = `${method} ${target} HTTP/1.1\r\nHost: test\r\n`;
  for (const [k, v] of Object.entries(headers)) s += `${k}: ${v}\r\n`;
  if (body.length > 0 && headers['Transfer-Encoding'] === undefined) s += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${s}\r\n${body}`;
}
