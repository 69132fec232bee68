/**
 * HTTP timeouts: a client that sends its request head too slowly (slowloris)
 * or not at all is closed by headerTimeout ('header-timeout'); an idle
 * keep-alive connection by keepAliveTimeout ('idle-timeout'). Neither cuts a
 * handler that takes its time or a body that is still arriving.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionTimeoutError, type CloseReason, type HttpResponse } from '../src/index';
import { useHarness } from './support/harness';
import { RawHttpClient, request } from './support/http';
import { sleep, waitFor } from './support/net';
import { VARIANTS } from './support/variants';

interface Closed {
  reason: CloseReason;
  error: Error | undefined;
  at: number;
}

describe.each(VARIANTS)('http timeouts ($name)', ({ options }) => {
  const h = useHarness();

  async function start(framing: Record<string, unknown>, onRequest?: (res: HttpResponse, url: string) => void) {
    const closes = new Map<number, Closed>();
    const { port } = await h.listen({ ...options, framing: { type: 'http', ...framing } }, {
      onRequest: (req, res) => void (onRequest ? onRequest(res, req.url) : res.end('ok')),
      onClose: (conn, reason, error) => void closes.set(conn.remotePort, { reason, error, at: Date.now() }),
    });
    return { port, closes };
  }

  async function raw(port: number): Promise<RawHttpClient> {
    return new RawHttpClient(await h.connect(port));
  }

  it('headerTimeout answers 408 and closes a slowloris client (header bytes trickling in) and one that sends nothing', async () => {
    const { port, closes } = await start({ headerTimeout: 400, keepAliveTimeout: 0 });
    const slow = await raw(port);
    const silent = await raw(port);
    const slowPort = slow.socket.localPort as number;
    const silentPort = silent.socket.localPort as number;
    const started = Date.now();
    slow.socket.write('GET / HTTP/1.1\r\n');
    // A header line every 100 ms: the connection is never idle, the head never completes.
    const trickle = setInterval(() => {
      if (!slow.socket.destroyed) slow.socket.write('X-Slow: 1\r\n');
    }, 100);
    try {
      await slow.waitEnd();
      await silent.waitEnd();
    } finally {
      clearInterval(trickle);
    }
    await waitFor(() => closes.has(slowPort) && closes.has(silentPort), 10_000, 'onClose');
    for (const p of [slowPort, silentPort]) {
      const c = closes.get(p) as Closed;
      expect(c.reason).toBe('header-timeout');
      expect(c.error).toBeInstanceOf(ConnectionTimeoutError);
      expect((c.error as ConnectionTimeoutError).code).toBe('ERR_HEADER_TIMEOUT');
      expect(c.at - started).toBeGreaterThanOrEqual(350);
    }
    // Nothing was owed to either: each gets 408 Request Timeout (Connection: close), then FIN.
    for (const c of [slow, silent]) {
      expect(c.responses().map((r) => [r.status, r.headers.connection])).toEqual([[408, 'close']]);
    }
  });

  it('a header timeout while a response is owed sends no 408 (it would answer nothing the client can match)', async () => {
    const { port, closes } = await start({ headerTimeout: 300, keepAliveTimeout: 0 }, (res) => {
      setTimeout(() => res.end('late'), 600);
    });
    const c = await raw(port);
    const local = c.socket.localPort as number;
    c.socket.write(request('GET', '/a') + 'GET /b HTTP/1.1\r\n'); // the second head never completes
    await c.waitEnd();
    await waitFor(() => closes.has(local), 10_000, 'onClose');
    expect(closes.get(local)?.reason).toBe('header-timeout');
    expect(c.responses().filter((r) => r.status === 408)).toEqual([]);
  });

  it('the header timeout restarts with each request and stops once the head is complete', async () => {
    const { port, closes } = await start({ headerTimeout: 300, keepAliveTimeout: 0 }, (res, url) => {
      if (url === '/slow-handler') setTimeout(() => res.end('late'), 600);
      else res.end('ok');
    });
    const c = await raw(port);
    // Three requests, each head sent in two halves 200 ms apart: 600 ms in all, each within 300 ms.
    for (let i = 0; i < 3; i++) {
      c.socket.write('GET / HTTP/1.1\r\n');
      await sleep(200);
      c.socket.write('Host: a\r\n\r\n');
      await c.waitResponses(i + 1);
    }
    // A handler slower than the header timeout is not cut.
    c.socket.write(request('GET', '/slow-handler'));
    const rs = await c.waitResponses(4);
    expect(rs[3]?.body.toString()).toBe('late');
    // A body arriving slowly after a complete head is not cut by the header timeout either.
    c.socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab');
    await sleep(500);
    c.socket.write('cd');
    await c.waitResponses(5);
    expect(closes.size).toBe(0);
  });

  it('bodyTimeout closes a stalled upload with read-timeout; a body with short pauses completes', async () => {
    const { port, closes } = await start({ bodyTimeout: 300, headerTimeout: 0, keepAliveTimeout: 0 }, (res, url) => res.end(url));
    const steady = await raw(port);
    const stalled = await raw(port);
    const stalledPort = stalled.socket.localPort as number;
    const started = Date.now();
    stalled.socket.write('POST /stalled HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab');
    steady.socket.write('POST /steady HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\n');
    for (const piece of ['ab', 'cd', 'ef']) {
      await sleep(150); // 450 ms in all, never 300 ms without a byte
      steady.socket.write(piece);
    }
    expect((await steady.waitResponses(1))[0]?.body.toString()).toBe('/steady');
    await stalled.waitEnd();
    await waitFor(() => closes.has(stalledPort), 10_000, 'onClose');
    const c = closes.get(stalledPort) as Closed;
    expect(c.reason).toBe('read-timeout');
    expect((c.error as ConnectionTimeoutError).code).toBe('ERR_READ_TIMEOUT');
    expect(c.at - started).toBeGreaterThanOrEqual(250);
    expect(stalled.responses()).toEqual([]);
    expect(closes.has(steady.socket.localPort as number)).toBe(false);
  });

  it('keepAliveTimeout closes an idle keep-alive connection with idle-timeout; a busy one stays', async () => {
    const { port, closes } = await start({ keepAliveTimeout: 300, headerTimeout: 0 });
    const idle = await raw(port);
    const busy = await raw(port);
    const idlePort = idle.socket.localPort as number;
    idle.socket.write(request('GET', '/'));
    await idle.waitResponses(1);
    const answeredAt = Date.now();
    for (let i = 0; i < 8; i++) {
      busy.socket.write(request('GET', `/${i}`));
      await busy.waitResponses(i + 1);
      await sleep(100);
    }
    await idle.waitEnd();
    await waitFor(() => closes.has(idlePort), 10_000, 'onClose');
    const c = closes.get(idlePort) as Closed;
    expect(c.reason).toBe('idle-timeout');
    expect((c.error as ConnectionTimeoutError).code).toBe('ERR_IDLE_TIMEOUT');
    expect(c.at - answeredAt).toBeGreaterThanOrEqual(250);
    expect(busy.ended).toBe(false);
    expect(closes.has(busy.socket.localPort as number)).toBe(false);
  });
});
