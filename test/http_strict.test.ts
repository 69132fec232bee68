/**
 * HTTP/1.1 strictness and limits, with raw bytes over real sockets: what
 * llhttp rejects (request smuggling vectors, malformed fields, bare CR/LF) is
 * answered 400 (or 413/414/431/501/505) natively and the connection closes;
 * other connections carry on; earlier pipelined requests are answered first.
 * Bodies split at every byte decode to the same request.
 */
import { describe, expect, it } from 'vitest';
import { HttpParseError, type CloseReason, type HttpRequest, type HttpResponse } from '../src/index';
import { useHarness } from './support/harness';
import { RawHttpClient, request } from './support/http';
import { sleep, waitFor } from './support/net';
import { writePieces } from './support/servers';
import { VARIANTS } from './support/variants';

const CASES: Array<[string, string, number]> = [
  ['Content-Length and Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['duplicate Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx', 400],
  ['Content-Length list', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\nx', 400],
  ['invalid Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\nx', 400],
  ['negative Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n', 400],
  ['bad chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 400],
  ['chunk size with 0x', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n', 400],
  ['chunk data longer than its size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n', 400],
  ['chunked not last', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n', 400],
  ['unknown transfer coding', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501],
  ['invalid header name', 'GET / HTTP/1.1\r\nHost: a\r\nBad Header: 1\r\n\r\n', 400],
  ['space before colon', 'GET / HTTP/1.1\r\nHost: a\r\nX-A : 1\r\n\r\n', 400],
  ['control character in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\x002\r\n\r\n', 400],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n', 400],
  ['bare LF', 'GET / HTTP/1.1\nHost: a\n\n', 400],
  ['bare CR', 'GET / HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n', 400],
  ['missing Host (HTTP/1.1)', 'GET / HTTP/1.1\r\n\r\n', 400],
  ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
  ['not HTTP at all', '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03', 400],
  ['unsupported version', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
  // Issue 17: methods from a table, RFC 3986 target bytes, chunk-extension grammar.
  ['unknown method', 'BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n', 501],
  ['lower-case get', 'get / HTTP/1.1\r\nHost: a\r\n\r\n', 501],
  ['raw byte >= 0x80 in the target', 'GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['"{" in the target', 'GET /a{b} HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['broken pct-encoding', 'GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['asterisk-form for GET', 'GET * HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['CONNECT without a port', 'CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['empty chunk extension name', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;\r\nxy\r\n0\r\n\r\n', 400],
  ['space inside a chunk extension', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;na me=v\r\nxy\r\n0\r\n\r\n', 400],
  ['unbalanced quote in a chunk extension', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;a="x\r\nxy\r\n0\r\n\r\n', 400],
  ['chunk extensions over the cap', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;${'e'.repeat(5000)}\r\nxy\r\n0\r\n\r\n`, 413],
];

describe.each(VARIANTS)('http strictness ($name)', ({ options }) => {
  const h = useHarness();

  function start(framing: Record<string, unknown> = {}, onRequest?: (req: HttpRequest, res: HttpResponse) => void | Promise<void>) {
    const closes: Array<{ reason: CloseReason; error: Error | undefined }> = [];
    const clientErrors: HttpParseError[] = [];
    const requests: HttpRequest[] = [];
    const listening = h.listen({ ...options, framing: { type: 'http', ...framing } }, {
      onRequest: onRequest ?? ((req, res) => {
        requests.push(req);
        res.end(`${req.method} ${req.url} ${req.body.length}`);
      }),
      onClientError: (err) => void clientErrors.push(err),
      onClose: (conn, reason, error) => void closes.push({ reason, error }),
    });
    return { listening, closes, clientErrors, requests };
  }

  async function raw(port: number): Promise<RawHttpClient> {
    // Not half-open: the client answers the server's FIN, so closes complete at once.
    return new RawHttpClient(await h.connect(port));
  }

  it.each(CASES.map(([name, bytes, status]) => ({ name, bytes, status })))('$name → $status and close', async ({ bytes, status }) => {
    const srv = start();
    const { port } = await srv.listening;
    const bystander = await raw(port);
    const c = await raw(port);
    c.socket.write(Buffer.from(bytes, 'latin1'));
    await c.waitEnd();
    const [r] = c.responses();
    expect(r?.status).toBe(status);
    expect(r?.headers.connection).toBe('close');
    expect(c.responses().length).toBe(1);
    expect(srv.requests.length).toBe(0); // never reached the handler
    await waitFor(() => srv.closes.length === 1, 10_000, 'onClose');
    expect(srv.closes[0]?.reason).toBe(status === 501 || status === 505 || status === 400 ? 'bad-frame' : 'frame-too-large');
    expect(srv.closes[0]?.error).toBeInstanceOf(HttpParseError);
    expect((srv.closes[0]?.error as HttpParseError).status).toBe(status);
    expect(srv.clientErrors.map((e) => e.status)).toEqual([status]);
    // Others carry on.
    bystander.socket.write(request('GET', '/still'));
    const [ok] = await bystander.waitResponses(1);
    expect(ok?.body.toString()).toBe('GET /still 0');
  });

  it('limits answer 413, 414 and 431 (size and count) and close', async () => {
    const srv = start({ maxBodySize: 100, maxUriLength: 50, maxHeaderSize: 512, maxHeaders: 5 });
    const { port } = await srv.listening;
    const cases: Array<[string, number, string]> = [
      [request('POST', '/', { 'Content-Length': '101' }), 413, 'ERR_HTTP_BODY_TOO_LARGE'],
      ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n' + 'x'.repeat(64) + '\r\n40\r\n', 413, 'ERR_HTTP_BODY_TOO_LARGE'],
      [request('GET', `/${'u'.repeat(60)}`), 414, 'ERR_HTTP_URI_TOO_LONG'],
      [request('GET', '/', { 'X-Big': 'v'.repeat(600) }), 431, 'ERR_HTTP_HEADERS_TOO_LARGE'],
      [request('GET', '/', { A: '1', B: '2', C: '3', D: '4', E: '5' }), 431, 'ERR_HTTP_HEADERS_TOO_LARGE'],
    ];
    for (const [i, [bytes, status, code]] of cases.entries()) {
      const c = await raw(port);
      c.socket.write(bytes);
      await c.waitEnd();
      expect(c.responses()[0]?.status).toBe(status);
      // Reported once the close completes (the client's FIN answers ours).
      await waitFor(() => srv.clientErrors.length === i + 1, 10_000, `client error ${i + 1}`);
      expect(srv.clientErrors.at(-1)?.code).toBe(code);
    }
    // Expect: 100-continue with a body over the limit: 413 at once, never 100 Continue.
    const expecting = await raw(port);
    expecting.socket.write(request('POST', '/', { Expect: '100-continue', 'Content-Length': '5000' }));
    await expecting.waitEnd();
    expect(expecting.text().startsWith('HTTP/1.1 413 ')).toBe(true);
    // 414 and 431 do not wait for the rest of the head: a client that never ends its line is answered.
    const slow = await raw(port);
    slow.socket.write(`GET /${'u'.repeat(80)}`);
    await slow.waitEnd();
    expect(slow.responses()[0]?.status).toBe(414);
    // At the limits exactly: served.
    const ok = await raw(port);
    ok.socket.write(request('POST', `/${'u'.repeat(49)}`, {}, 'b'.repeat(100)));
    expect((await ok.waitResponses(1))[0]?.body.toString()).toBe(`POST /${'u'.repeat(49)} 100`);
  });

  it('framing.methods: extension methods are served, methods left out get 501; valid grammar is served', async () => {
    const srv = start({ methods: ['GET', 'BREW', 'OPTIONS', 'CONNECT'], maxChunkExtensionSize: 8 });
    const { port } = await srv.listening;
    const c = await raw(port);
    c.socket.write('BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n' + 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n' +
      'GET http://example.com:8080/a%20b?x=1&y=:@ HTTP/1.1\r\nHost: a\r\n\r\n' +
      'CONNECT [::1]:443 HTTP/1.1\r\nHost: a\r\n\r\n');
    const rs = await c.waitResponses(4);
    expect(rs.map((r) => r.body.toString())).toEqual(['BREW /pot 0', 'OPTIONS * 0', 'GET http://example.com:8080/a%20b?x=1&y=:@ 0', 'CONNECT [::1]:443 0']);
    expect(srv.requests.map((r) => r.method)).toEqual(['BREW', 'OPTIONS', 'GET', 'CONNECT']);
    const post = await raw(port);
    post.socket.write(request('POST', '/'));
    await post.waitEnd();
    expect(post.responses()[0]?.status).toBe(501);
    // Chunk extensions within the cap (8 bytes here) and its grammar: served.
    const ok = start({ maxChunkExtensionSize: 64 });
    const { port: port2 } = await ok.listening;
    const d = await raw(port2);
    d.socket.write('POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2 ; a = b;q="x \\" y"\r\nxy\r\n0;end\r\n\r\n');
    expect((await d.waitResponses(1))[0]?.body.toString()).toBe('POST /x 2');
  });

  it('answers earlier pipelined requests before the 400, even when their handler is slow', async () => {
    const srv = start({}, async (req, res) => {
      if (req.url === '/slow') await sleep(50);
      res.end(req.url);
    });
    const { port } = await srv.listening;
    const c = await raw(port);
    c.socket.write(request('GET', '/slow') + request('GET', '/fast') + 'GET /bad HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n' + request('GET', '/after'));
    await c.waitEnd();
    const rs = c.responses();
    expect(rs.map((r) => r.status)).toEqual([200, 200, 400]);
    expect(rs.map((r) => r.body.toString())).toEqual(['/slow', '/fast', '']);
  });

  it('decodes a chunked body split at every byte, and a whole request head split at every byte', async () => {
    const srv = start();
    const { port } = await srv.listening;
    const head = 'POST /split HTTP/1.1\r\nHost: a\r\nX-Long-Header: 0123456789\r\nTransfer-Encoding: chunked\r\n\r\n';
    const body = '7\r\nchunk-1\r\n1;ext=v\r\n-\r\na\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n';
    const message = Buffer.from(head + body + request('POST', '/next', {}, 'tail'));
    const c = await raw(port);
    const pieces: Buffer[] = [];
    for (let i = 0; i < message.length; i++) pieces.push(message.subarray(i, i + 1));
    await writePieces(c.socket, pieces, 1);
    const rs = await c.waitResponses(2);
    expect(rs.map((r) => r.body.toString())).toEqual(['POST /split 18', 'POST /next 4']);
    expect(srv.requests[0]?.body.toString()).toBe('chunk-1-0123456789');
    expect(srv.requests[0]?.chunked).toBe(true);
  });

  it('every split point of a pipelined pair gives the same two requests', async () => {
    const srv = start();
    const { port } = await srv.listening;
    const message = Buffer.from('POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
      request('GET', '/b'));
    for (let cut = 1; cut < message.length; cut += 3) {
      const c = await raw(port);
      c.socket.setNoDelay(true);
      c.socket.write(message.subarray(0, cut));
      await sleep(1);
      c.socket.write(message.subarray(cut));
      const rs = await c.waitResponses(2);
      expect(rs.map((r) => r.body.toString()), `cut at ${cut}`).toEqual(['POST /a 3', 'GET /b 0']);
      c.socket.destroy();
    }
  });
});
