/**
 * HTTP/1.1 framing: requests parsed natively reach onRequest(req, res), and
 * responses go out as the bytes a client relies on. Raw sockets check the
 * exact wire; Node's http client and curl check real clients agree.
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { describe, expect, it } from 'vitest';
import { HttpResponseError, InvalidOptionError, createServer, type HttpRequest, type HttpResponse } from '../src/index';
import { useHarness } from './support/harness';
import { RawHttpClient, request } from './support/http';
import { sleep, waitFor } from './support/net';
import { VARIANTS } from './support/variants';

const HTTP = { type: 'http' } as const;

// Under npm run test:asan the sanitizer runtime is preloaded for this process
// and its children; curl is not ours to check, and with it preloaded curl
// hangs (seen: `curl --version` never returns). Run it without.
const CURL_ENV = { ...process.env, LD_PRELOAD: '' };

function hasCurl(): Promise<boolean> {
  return new Promise((resolve) =>
    execFile('curl', ['--version'], { timeout: 10_000, env: CURL_ENV }, (err) => resolve(!err)));
}

function curl(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', ...args], { timeout: 20_000, env: CURL_ENV }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

/** Node's http client with a keep-alive agent (one socket, reused). */
function nodeRequest(port: number, agent: http.Agent, opts: http.RequestOptions, body?: Buffer | string):
  Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, ...opts }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode as number, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('http options', () => {
  it('needs onRequest and validates its limits', () => {
    expect(() => createServer({ framing: HTTP }, {})).toThrow(InvalidOptionError);
    expect(() => createServer({ framing: { type: 'http', maxHeaderSize: 10 } }, { onRequest() {} })).toThrow(/maxHeaderSize/);
    expect(() => createServer({ framing: { type: 'http', maxBodySize: 2 ** 29 } }, { onRequest() {} })).toThrow(/maxBodySize/);
    expect(() => createServer({ framing: { type: 'http', maxUriLength: 20000 } }, { onRequest() {} })).toThrow(/maxUriLength/);
    expect(() => createServer({ framing: { type: 'http', headerTimeout: -1 } }, { onRequest() {} })).toThrow(/headerTimeout/);
    expect(() => createServer({ framing: { type: 'http', bogus: 1 } as never }, { onRequest() {} })).toThrow(/bogus/);
  });
});

describe.each(VARIANTS)('http ($name)', ({ options }) => {
  const h = useHarness();

  async function serve(onRequest: (req: HttpRequest, res: HttpResponse) => void | Promise<void>, framing = {}) {
    return h.listen({ ...options, framing: { type: 'http', ...framing } }, { onRequest });
  }

  async function raw(port: number): Promise<RawHttpClient> {
    const s = await h.connect(port, { allowHalfOpen: true });
    return new RawHttpClient(s);
  }

  it('parses method, target, version, headers (case-insensitive) and a Content-Length body', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const { port } = await serve((req, res) => {
      seen.push({
        method: req.method, url: req.url, version: req.httpVersion, headers: req.headers,
        xfoo: req.header('X-FOO'), raw: req.rawHeaders, body: req.body.toString(), keepAlive: req.keepAlive,
      });
      res.end('ok');
    });
    const c = await raw(port);
    c.socket.write('POST /path?q=1&r=%20 HTTP/1.1\r\nHost: example\r\nX-Foo:  bar  \r\nSet-Cookie: a=1\r\n' +
      'set-cookie: b=2\r\nAccept: x\r\naccept: y\r\nContent-Length: 5\r\n\r\nhello');
    const [r] = await c.waitResponses(1);
    expect(r?.status).toBe(200);
    expect(seen[0]).toEqual({
      method: 'POST', url: '/path?q=1&r=%20', version: '1.1',
      headers: { host: 'example', 'x-foo': 'bar', 'set-cookie': ['a=1', 'b=2'], accept: 'x, y', 'content-length': '5' },
      xfoo: 'bar',
      raw: ['Host', 'example', 'X-Foo', 'bar', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'Accept', 'x', 'accept', 'y', 'Content-Length', '5'],
      body: 'hello', keepAlive: true,
    });
  });

  it('res.end(body) adds Content-Length and Date in one response; status, headers and reason as set', async () => {
    const { port } = await serve((req, res) => {
      if (req.url === '/a') {
        res.status(201).setHeader('X-Multi', ['1', '2']);
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('héllo');
      } else {
        res.writeHead(418, 'Short And Stout', { 'x-tea': 'yes' }).end(Buffer.from([1, 2, 3]));
      }
    });
    const c = await raw(port);
    c.socket.write(request('GET', '/a') + request('GET', '/b'));
    const [a, b] = await c.waitResponses(2);
    expect(a?.status).toBe(201);
    expect(a?.reason).toBe('Created');
    expect(a?.headers['content-length']).toBe(String(Buffer.byteLength('héllo')));
    expect(a?.body.toString()).toBe('héllo');
    expect(a?.headers['x-multi']).toBe('1, 2');
    expect(a?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(new Date(a?.headers.date as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(b?.status).toBe(418);
    expect(b?.reason).toBe('Short And Stout');
    expect(b?.headers['x-tea']).toBe('yes');
    expect([...(b?.body ?? [])]).toEqual([1, 2, 3]);
    expect(c.ended).toBe(false); // keep-alive
  });

  it('delivers bodies larger than a batch (Content-Length and chunked) intact', async () => {
    const got: Buffer[] = [];
    const { port } = await serve((req, res) => {
      got.push(req.body);
      res.end(String(req.body.length));
    }, { maxBodySize: 4 * 1024 * 1024 });
    const big = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    const c = await raw(port);
    c.socket.write(`POST /cl HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\n\r\n`);
    c.socket.write(big);
    const half = big.length >> 1;
    c.socket.write('POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    c.socket.write(`${half.toString(16)}\r\n`);
    c.socket.write(big.subarray(0, half));
    c.socket.write(`\r\n${(big.length - half).toString(16)}\r\n`);
    c.socket.write(big.subarray(half));
    c.socket.write('\r\n0\r\n\r\n');
    const rs = await c.waitResponses(2, 30_000);
    expect(rs.map((r) => r.body.toString())).toEqual([String(big.length), String(big.length)]);
    expect(got.length).toBe(2);
    expect(got[0]?.equals(big)).toBe(true);
    expect(got[1]?.equals(big)).toBe(true);
  });

  it('decodes a chunked request body (extensions and trailers accepted)', async () => {
    const bodies: string[] = [];
    const { port } = await serve((req, res) => {
      bodies.push(`${req.chunked}:${req.body.toString()}`);
      res.end();
    });
    const c = await raw(port);
    c.socket.write('PUT /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n');
    const [r] = await c.waitResponses(1);
    expect(r?.status).toBe(200);
    expect(r?.headers['content-length']).toBe('0');
    expect(bodies).toEqual(['true:hello world']);
  });

  it('answers 100 pipelined requests sent in one write, in order', async () => {
    const { port } = await serve((req, res) => void res.end(`r${req.url.slice(1)}`));
    const c = await raw(port);
    let all = '';
    for (let i = 0; i < 100; i++) all += request('GET', `/${i}`);
    c.socket.write(all);
    const rs = await c.waitResponses(100);
    expect(rs.map((r) => r.body.toString())).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}`));
  });

  it('keeps pipelined responses in request order when handlers finish out of order', async () => {
    const { port } = await serve(async (req, res) => {
      const n = Number(req.url.slice(1));
      await sleep((10 - n) * 15); // the last request finishes first
      if (n % 2 === 0) {
        res.write(`part-${n}-`);
        await sleep(5);
      }
      res.end(`done-${n}`);
    });
    const c = await raw(port);
    let all = '';
    for (let i = 0; i < 10; i++) all += request('GET', `/${i}`);
    c.socket.write(all);
    const rs = await c.waitResponses(10);
    expect(rs.map((r) => r.body.toString())).toEqual(
      Array.from({ length: 10 }, (_, n) => (n % 2 === 0 ? `part-${n}-done-${n}` : `done-${n}`)));
  });

  it('bounds unanswered pipelined requests (maxPipelined) and still serves them all', async () => {
    const pending: Array<HttpResponse> = [];
    let maxPending = 0;
    const { port } = await serve((req, res) => {
      pending.push(res);
      maxPending = Math.max(maxPending, pending.length);
    }, { maxPipelined: 4 });
    const c = await raw(port);
    let all = '';
    for (let i = 0; i < 40; i++) all += request('GET', `/${i}`);
    c.socket.write(all);
    let answered = 0;
    while (answered < 40) {
      await waitFor(() => pending.length > 0, 10_000, `request ${answered}`);
      await sleep(2);
      for (const res of pending.splice(0)) {
        res.end(res.req.url);
        answered++;
      }
    }
    const rs = await c.waitResponses(40);
    expect(rs.map((r) => r.body.toString())).toEqual(Array.from({ length: 40 }, (_, i) => `/${i}`));
    expect(maxPending).toBeLessThanOrEqual(4 + 40 / 4); // paused at 4; one read's worth may already be decoded
  });

  it('streams res.write() with chunked encoding; an empty write sends no empty chunk', async () => {
    const { port } = await serve((req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      expect(res.write('hello ')).toBe(true);
      res.write('');
      res.write(Buffer.from('world'));
      setTimeout(() => res.end('!'), 10);
    });
    const c = await raw(port);
    c.socket.write(request('GET', '/'));
    const [r] = await c.waitResponses(1);
    expect(r?.chunked).toBe(true);
    expect(r?.headers['content-length']).toBeUndefined();
    expect(r?.body.toString()).toBe('hello world!');
    expect(c.text()).toContain('\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n1\r\n!\r\n0\r\n\r\n');
  });

  it('Connection: close and HTTP/1.0 close after the response; HTTP/1.0 keep-alive stays open', async () => {
    const { port } = await serve((req, res) => void res.end(req.httpVersion));
    const a = await raw(port);
    a.socket.write(request('GET', '/', { Connection: 'close' }) + request('GET', '/never'));
    await a.waitEnd();
    let rs = a.responses();
    expect(rs.length).toBe(1);
    expect(rs[0]?.headers.connection).toBe('close');

    const b = await raw(port);
    b.socket.write('GET / HTTP/1.0\r\n\r\n');
    await b.waitEnd();
    rs = b.responses();
    expect(rs[0]?.body.toString()).toBe('1.0');
    expect(rs[0]?.version).toBe('HTTP/1.1');
    expect(rs[0]?.headers.connection).toBe('close');

    const k = await raw(port);
    k.socket.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    rs = await k.waitResponses(1);
    expect(rs[0]?.headers.connection).toBe('keep-alive');
    k.socket.write('GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    rs = await k.waitResponses(2);
    expect(rs.length).toBe(2);
    expect(k.ended).toBe(false);
  });

  it('HTTP/1.0 streaming is close-delimited', async () => {
    const { port } = await serve((req, res) => {
      res.write('a');
      res.end('b');
    });
    const c = await raw(port);
    c.socket.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await c.waitEnd();
    const text = c.text();
    expect(text).not.toMatch(/transfer-encoding/i);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
    expect(text.endsWith('\r\n\r\nab')).toBe(true);
  });

  it('a response with Connection: close set by the handler closes the connection', async () => {
    const { port } = await serve((req, res) => void res.setHeader('Connection', 'close').end('bye'));
    const c = await raw(port);
    c.socket.write(request('GET', '/'));
    await c.waitEnd();
    expect(c.responses()[0]?.body.toString()).toBe('bye');
  });

  it('HEAD gets headers (with the GET Content-Length) and no body; 204 and 304 have no body', async () => {
    const { port } = await serve((req, res) => {
      if (req.url === '/204') res.status(204).end();
      else if (req.url === '/304') res.status(304).end();
      else res.end('twelve bytes');
    });
    const c = await raw(port);
    c.socket.write(request('HEAD', '/') + request('GET', '/204') + request('GET', '/304') + request('GET', '/'));
    const rs = await c.waitResponses(4, 15_000, new Set([0]));
    expect(rs.map((r) => r.status)).toEqual([200, 204, 304, 200]);
    expect(rs[0]?.headers['content-length']).toBe('12');
    expect(rs[0]?.body.length).toBe(0);
    expect(rs[1]?.headers['content-length']).toBeUndefined();
    expect(rs[3]?.body.toString()).toBe('twelve bytes');
  });

  it('answers Expect: 100-continue before the body, then the response', async () => {
    const { port } = await serve((req, res) => void res.end(`got ${req.body.length} (${req.expectContinue})`));
    const c = await raw(port);
    c.socket.write('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    await waitFor(() => c.text().length > 0, 10_000, '100 Continue');
    expect(c.text()).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    c.socket.write('body');
    const rs = await c.waitResponses(2);
    expect(rs[1]?.body.toString()).toBe('got 4 (true)');
  });

  it('validates response headers and misuse with typed errors', async () => {
    const errors: string[] = [];
    const { port } = await serve((req, res) => {
      const attempt = (fn: () => unknown) => {
        try {
          fn();
        } catch (e) {
          expect(e).toBeInstanceOf(HttpResponseError);
          errors.push((e as HttpResponseError).code);
        }
      };
      attempt(() => res.setHeader('Bad Name', 'x'));
      attempt(() => res.setHeader('X-Split', 'a\r\nInjected: 1'));
      attempt(() => res.setHeader('Transfer-Encoding', 'chunked'));
      attempt(() => res.status(42));
      attempt(() => res.setHeader('Content-Length', '3').end('four'));
      res.removeHeader('content-length');
      res.end('fine');
      attempt(() => res.write('late'));
      attempt(() => res.setHeader('X', '1'));
    });
    const c = await raw(port);
    c.socket.write(request('GET', '/'));
    const [r] = await c.waitResponses(1);
    expect(r?.body.toString()).toBe('fine');
    expect(r?.headers.injected).toBeUndefined();
    expect(errors).toEqual([
      'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR', 'ERR_HTTP_INVALID_HEADER', 'ERR_HTTP_INVALID_STATUS_CODE',
      'ERR_HTTP_CONTENT_LENGTH_MISMATCH', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_HTTP_HEADERS_SENT',
    ]);
  });

  it('a throwing handler answers 500 and closes; a rejecting async handler too; onError hears both', async () => {
    const errors: string[] = [];
    const { port } = await h.listen({ ...options, framing: HTTP }, {
      async onRequest(req) {
        if (req.url === '/sync') throw new Error('sync boom');
        await sleep(1);
        throw new Error('async boom');
      },
      onError: (err) => void errors.push(err.message),
    });
    for (const path of ['/sync', '/async']) {
      const c = await raw(port);
      c.socket.write(request('GET', path));
      await c.waitEnd();
      const [r] = c.responses();
      expect(r?.status).toBe(500);
      expect(r?.headers.connection).toBe('close');
    }
    expect(errors.sort()).toEqual(['async boom', 'sync boom']);
  });

  it('keeps the request readable after the handler returns (async handlers)', async () => {
    const { port } = await serve(async (req, res) => {
      await sleep(20);
      res.end(`${req.method} ${req.url} ${req.header('x-late')} ${req.body.toString()}`);
    });
    const c = await raw(port);
    // Several requests in one batch: a late read must not see a later request's bytes.
    c.socket.write(request('POST', '/one', { 'X-Late': 'a' }, 'body-1') + request('POST', '/two', { 'X-Late': 'b' }, 'body-2'));
    const rs = await c.waitResponses(2);
    expect(rs.map((r) => r.body.toString())).toEqual(['POST /one a body-1', 'POST /two b body-2']);
  });

  it('write() reports backpressure and drain follows, with every byte delivered', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const results: boolean[] = [];
    let drains = 0;
    const { port } = await h.listen({ ...options, framing: HTTP, highWaterMark: 128 * 1024 }, {
      onRequest(req, res) {
        let sent = 0;
        const pump = (): void => {
          while (sent < 64) {
            sent++;
            const ok = res.write(chunk);
            results.push(ok);
            if (!ok) {
              res.once('drain', () => {
                drains++;
                pump();
              });
              return;
            }
          }
          res.end();
        };
        pump();
      },
    });
    const c = await raw(port);
    c.socket.pause(); // let the server's queue fill
    c.socket.write(request('GET', '/big'));
    await waitFor(() => results.includes(false), 10_000, 'write() returning false');
    c.socket.resume();
    const [r] = await c.waitResponses(1, 30_000);
    expect(r?.body.length).toBe(64 * chunk.length);
    expect(drains).toBeGreaterThan(0);
  });

  it('bounds responses held behind a slow earlier one: false above highWaterMark, reset over maxOutbound', async () => {
    const returns: boolean[] = [];
    const reasons: string[] = [];
    const { port } = await h.listen({ ...options, framing: HTTP, highWaterMark: 64 * 1024, maxOutbound: 256 * 1024 }, {
      onRequest(req, res) {
        if (req.url === '/slow') return void setTimeout(() => res.end('late'), 200);
        const chunk = Buffer.alloc(48 * 1024, 0x62);
        for (let i = 0; i < 8; i++) returns.push(res.write(chunk)); // 384 KiB held behind /slow
        res.end();
      },
      onClose: (conn, reason) => void reasons.push(reason),
    });
    const c = await raw(port);
    c.socket.write(request('GET', '/slow') + request('GET', '/big'));
    await waitFor(() => reasons.length === 1, 10_000, 'close');
    expect(reasons).toEqual(['backpressure']);
    expect(returns.slice(0, 2)).toEqual([true, false]); // 48 KiB fine, 96 KiB above the mark
    expect(returns.includes(false)).toBe(true);
  });

  it('Node http client (keep-alive agent): GET, POST with body, chunked upload, streamed download', async () => {
    const { port } = await serve((req, res) => {
      if (req.url === '/stream') {
        res.write('a'.repeat(1000));
        res.end('b'.repeat(1000));
        return;
      }
      res.setHeader('X-Method', req.method);
      res.end(req.body.length > 0 ? `echo:${req.body.toString()}` : 'hello');
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = await nodeRequest(port, agent, { path: '/' });
      expect(a.status).toBe(200);
      expect(a.body.toString()).toBe('hello');
      const b = await nodeRequest(port, agent, { path: '/p', method: 'POST' }, 'payload');
      expect(b.headers['x-method']).toBe('POST');
      expect(b.body.toString()).toBe('echo:payload');
      // No Content-Length: Node sends the body chunked.
      const chunked = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, agent, method: 'PUT', path: '/c' }, (res) => {
          let s = '';
          res.on('data', (d) => (s += d));
          res.on('end', () => resolve(s));
        });
        req.on('error', reject);
        req.write('part1-');
        setTimeout(() => req.end('part2'), 20);
      });
      expect(chunked).toBe('echo:part1-part2');
      const d = await nodeRequest(port, agent, { path: '/stream' });
      expect(d.body.toString()).toBe('a'.repeat(1000) + 'b'.repeat(1000));
      expect(d.headers['transfer-encoding']).toBe('chunked');
    } finally {
      agent.destroy();
    }
  });

  it('autocannon (100 connections, pipelining 4) gets only 2xx and no errors', async () => {
    const { port } = await serve((req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(`hello ${req.url}`);
    });
    const autocannon = (await import('autocannon')).default;
    const result = await new Promise<{ requests: { total: number }; errors: number; timeouts: number; non2xx: number; '2xx': number }>(
      (resolve, reject) => {
        autocannon({ url: `http://127.0.0.1:${port}/load`, connections: 100, pipelining: 4, duration: 1 },
          (err: Error | null, r: never) => (err ? reject(err) : resolve(r)));
      });
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result['2xx']).toBeGreaterThan(100);
  });

  it('curl: GET, POST, HTTP/1.0, Expect: 100-continue, and several URLs on one connection', async () => {
    if (!(await hasCurl())) throw new Error('curl is not installed (scripts/setup-system.sh installs it)');
    const { port } = await serve((req, res) => void res.end(`${req.method} ${req.url} ${req.body.length}`));
    const base = `http://127.0.0.1:${port}`;
    expect((await curl([`${base}/x`])).stdout).toBe('GET /x 0');
    expect((await curl(['-d', 'abc', `${base}/p`])).stdout).toBe('POST /p 3');
    expect((await curl(['-0', `${base}/old`])).stdout).toBe('GET /old 0');
    // curl sends Expect: 100-continue for bodies over 1 MiB... force it for a small one.
    const big = await curl(['-H', 'Expect: 100-continue', '--data-binary', 'x'.repeat(5000), `${base}/e`]);
    expect(big.stdout).toBe('POST /e 5000');
    const many = await curl(['-v', `${base}/1`, `${base}/2`, `${base}/3`]);
    expect(many.stdout).toBe('GET /1 0GET /2 0GET /3 0');
    expect(many.stderr).toMatch(/Re-using existing connection|reusing connection/i);
  });
});
