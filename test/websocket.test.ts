/**
 * WebSocket servers (framing 'websocket', and 'http' + websocket) with real
 * clients: the `ws` package (compression offered and not), and the raw
 * client of support/websocket.ts for exact bytes. Every suite runs on both
 * backends, inline and threaded.
 */
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  InvalidOptionError, SendStatus, WebSocketCloseTimeoutError, createServer, type Handlers, type ServerOptions,
  type ServerWebSocket, type WebSocketHandlers,
} from '../src/index';
import { useHarness, withTimeout } from './support/harness';
import { sleep, waitFor } from './support/net';
import { VARIANTS } from './support/variants';
import { ACCEPT, RawWsClient, clientFrame, closeBody, upgradeRequest } from './support/websocket';

function openWs(url: string, opts: WebSocket.ClientOptions = {}, protocols?: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const c = new WebSocket(url, protocols, opts);
    c.once('open', () => resolve(c));
    c.once('error', reject);
    c.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
  });
}

function nextMessage(c: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => c.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

function closed(c: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => c.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
}

const ECHO: WebSocketHandlers = {
  onMessage(ws, data, isBinary) {
    ws.send(Buffer.from(data), isBinary);
  },
};

describe('websocket options', () => {
  it('validates framing and handlers', () => {
    const mk = (framing: object, h: object = {}) => () => createServer({ framing } as ServerOptions, h as Handlers);
    expect(mk({ type: 'websocket', maxPayloadLength: 0 })).toThrow(InvalidOptionError);
    expect(mk({ type: 'websocket', path: 'ws' })).toThrow(/framing.path/);
    expect(mk({ type: 'websocket', idleTimeout: -1 })).toThrow(/idleTimeout/);
    expect(mk({ type: 'websocket', maxLifetime: -1 })).toThrow(/framing.maxLifetime/);
    expect(mk({ type: 'websocket', maxLifetime: 1.5 })).toThrow(/framing.maxLifetime/);
    expect(mk({ type: 'http', websocket: { path: '/ws', maxLifetime: 2 ** 31 } }, { onRequest() {}, websocket: {} })).toThrow(/framing.websocket.maxLifetime/);
    expect(mk({ type: 'websocket', maxBackpressure: 2 ** 30 })).toThrow(/maxOutbound/);
    expect(mk({ type: 'websocket', bogus: 1 })).toThrow(InvalidOptionError);
    expect(mk({ type: 'http', websocket: {} }, { onRequest() {}, websocket: {} })).toThrow(/websocket.path/);
    expect(mk({ type: 'http', websocket: { path: '/ws' } }, { onRequest() {} })).toThrow(/handlers.websocket/);
    expect(mk({ type: 'http' }, { onRequest() {}, websocket: {} })).toThrow(/handlers.websocket/);
    expect(mk({ type: 'length' }, { onMessage() {} })).toThrow(/handlers.onMessage/);
    expect(mk({ type: 'websocket' }, { onMessage: 1 })).toThrow(/handlers.onMessage/);
  });
});

describe.each(VARIANTS)('websocket ($name)', ({ options }) => {
  const h = useHarness();
  const listen = <T>(framing: object, handlers: WebSocketHandlers<T>, extra: ServerOptions = {}) =>
    h.listen<T>({ ...options, ...extra, framing } as ServerOptions, handlers as Handlers<T>);

  it.each([false, true])('echoes text and binary with the ws client (compression offered: %s)', async (deflate) => {
    const opened: string[] = [];
    const { port } = await listen({ type: 'websocket', path: '/ws', maxPayloadLength: 1 << 20 }, {
      ...ECHO,
      onOpen(ws) { opened.push(ws.url); },
    });
    const c = await openWs(`ws://127.0.0.1:${port}/ws?x=1`, { perMessageDeflate: deflate });
    expect(c.extensions).toBe(''); // permessage-deflate is not negotiated: plain frames both ways
    const text = 'héllo wörld ✓ '.repeat(6000); // > 64 KiB of non-ASCII text
    const bin = Buffer.alloc(200_000);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 31) & 255;
    let m = nextMessage(c);
    c.send(text);
    let got = await m;
    expect(got.isBinary).toBe(false);
    expect(got.data.toString()).toBe(text);
    m = nextMessage(c);
    c.send(bin);
    got = await m;
    expect(got.isBinary).toBe(true);
    expect(got.data.equals(bin)).toBe(true);
    m = nextMessage(c);
    c.send(Buffer.alloc(0));
    expect((await m).data.length).toBe(0);
    expect(opened).toEqual(['/ws?x=1']);
    c.close();
  });

  it('sends the delivered message itself back (by reference, with its opcode): text and binary, slices, pings, many per read', async () => {
    const { port, server } = await listen({ type: 'websocket', maxPayloadLength: 1 << 20 }, {
      onMessage(ws, data, isBinary) {
        // '!' first: a ping and a slice of the batch's own bytes; else the bytes as delivered.
        if (data.length > 0 && data[0] === 0x21) {
          ws.ping(data.subarray(0, Math.min(10, data.length)));
          expect(ws.send(data.subarray(1), isBinary)).toBe(SendStatus.SENT);
          return;
        }
        ws.send(data, isBinary);
      },
    });
    const c = await openWs(`ws://127.0.0.1:${port}/`);
    const got: Array<{ data: Buffer; isBinary: boolean }> = [];
    const pings: Buffer[] = [];
    c.on('message', (data: Buffer, isBinary: boolean) => got.push({ data: Buffer.from(data), isBinary }));
    c.on('ping', (data: Buffer) => pings.push(Buffer.from(data)));
    const copied = () => server.stats().workers.reduce((n, w) => n + w.copies.commandLog, 0);
    const sent: Array<{ data: Buffer; isBinary: boolean }> = [];
    const echo = (n: number, i: number) => {
      const bin = Buffer.alloc(n);
      for (let j = 0; j < n; j++) bin[j] = (j * 7 + i) & 255;
      const text = 'é✓x'.repeat(Math.ceil(n / 3)).slice(0, n);
      sent.push({ data: bin, isBinary: true }, { data: Buffer.from(text), isBinary: false });
      c.send(bin, { binary: true });
      c.send(text, { binary: false });
    };
    // Around the by-reference threshold (1 KiB) and the 7/16-bit header lengths, then slices and pings.
    [0, 1, 125, 126, 1023, 1024, 1025, 5000, 30000].forEach(echo);
    const sliced = Buffer.from('!slice of the batch');
    c.send(sliced, { binary: true });
    c.send('!text slice', { binary: false });
    sent.push({ data: sliced.subarray(1), isBinary: true }, { data: Buffer.from('text slice'), isBinary: false });
    await waitFor(() => got.length === sent.length && pings.length === 2, 10000, 'every echo and ping');
    // Every send and ping named bytes of the batch: nothing was copied into the command log
    // but the opcode byte of the two empty messages (no bytes to name).
    expect(copied()).toBe(2);
    // Messages too big for the batch arena come in a buffer of their own: copied, framed the same.
    [65535, 65536, 200_000].forEach(echo);
    await waitFor(() => got.length === sent.length, 10000, 'the big echoes');
    for (const [i, s] of sent.entries()) {
      expect(got[i]?.isBinary).toBe(s.isBinary);
      expect(got[i]?.data.equals(s.data)).toBe(true);
    }
    expect(pings.map((p) => p.toString())).toEqual(['!slice of ', '!text slic']);
    c.close();
  });

  it('ws.data is the connection\'s data: set by accept(data) and in onOpen, seen by every handler', async () => {
    const seen: unknown[] = [];
    const { port } = await listen<{ n: number }>({ type: 'websocket' }, {
      onUpgrade(_req, upgrade) { upgrade.accept({ n: 1 }); },
      onOpen(ws) {
        seen.push(ws.data.n, ws.connection.data === ws.data);
        ws.data = { n: 2 };
        seen.push(ws.connection.data.n);
      },
      onMessage(ws) { ws.send(String(ws.data.n)); },
      onClose(ws, code) { seen.push(ws.data.n, code); },
    });
    const c = await openWs(`ws://127.0.0.1:${port}/`);
    const m = nextMessage(c);
    c.send('x');
    expect((await m).data.toString()).toBe('2');
    const done = closed(c);
    c.close(4000);
    await done;
    await waitFor(() => seen.length === 5, 5000, 'onClose');
    expect(seen).toEqual([1, true, 2, 2, 4000]);
  });

  it('inflates permessage-deflate messages natively, within maxPayloadLength (no decompression bomb)', async () => {
    const closes: Array<[number, unknown]> = [];
    const { port } = await listen({ type: 'websocket', perMessageDeflate: true, maxPayloadLength: 256 * 1024 }, {
      ...ECHO,
      onClose(_ws, code, _r, err) { closes.push([code, err]); },
    });
    const c = await openWs(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { threshold: 0 } });
    expect(c.extensions).toContain('permessage-deflate');
    for (const msg of ['ünïcödé '.repeat(20000), 'short', '']) {
      const m = nextMessage(c);
      c.send(msg);
      const got = await m;
      expect([got.isBinary, got.data.toString()]).toEqual([false, msg]);
    }
    const bin = Buffer.alloc(100_000, 3);
    const m = nextMessage(c);
    c.send(bin, { fin: false });
    c.send(bin, { fin: true }); // fragmented and compressed
    expect((await m).data.equals(Buffer.concat([bin, bin]))).toBe(true);
    // A close frame right after compressed messages is the close, not the last message again.
    const done = closed(c);
    c.close(4001, 'after deflate');
    expect(await done).toEqual({ code: 4001, reason: 'after deflate' });
    await waitFor(() => closes.length === 1, 5000, 'onClose');
    expect(closes[0]?.[0]).toBe(4001);
    closes.length = 0;
    // Raw compressed frames: a bomb (1 MiB of zeros in ~1 KiB), corrupt data, bad UTF-8.
    const deflate = (b: Buffer) => { const z = zlib.deflateRawSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH }); return z.subarray(0, z.length - 4); };
    const offer = upgradeRequest('/', 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n');
    const cases: Array<[Buffer, number]> = [
      [clientFrame(2, deflate(Buffer.alloc(1 << 20)), { rsv: 0x40 }), 1009],
      [clientFrame(2, Buffer.from([0xff, 0xff, 0xff, 0xff]), { rsv: 0x40 }), 1007],
      [clientFrame(1, deflate(Buffer.from([0x61, 0xc0, 0xaf])), { rsv: 0x40 }), 1007],
      [clientFrame(0, 'x', { rsv: 0x40 }), 1002], // RSV1 on a continuation
    ];
    for (const [frame, code] of cases) {
      const raw = await RawWsClient.open(port, offer);
      await raw.upgraded();
      expect(raw.head).toContain('Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n');
      raw.write(frame);
      expect(await raw.closeCode()).toBe(code);
      await raw.until(() => raw.ended, 'FIN');
    }
  });

  it('answers the handshake natively: accept key, 426, 404, 400, and keeps bytes that follow the request', async () => {
    const { port } = await listen({ type: 'websocket', path: '/ws' }, ECHO);
    // The request and a first frame in one write.
    const a = await RawWsClient.open(port, Buffer.concat([Buffer.from(upgradeRequest()), clientFrame(1, 'early')]));
    await a.upgraded();
    expect(a.head).toContain(`Sec-WebSocket-Accept: ${ACCEPT}\r\n`);
    expect(a.head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect((await a.frame(0)).payload.toString()).toBe('early');
    a.close();
    const plain = await RawWsClient.open(port, 'GET /ws HTTP/1.1\r\nHost: x\r\n\r\n');
    await plain.until(() => plain.ended, 'the 426 and FIN');
    expect(plain.status).toBe(426);
    expect(plain.head).toContain('Sec-WebSocket-Version: 13\r\n');
    const off = await RawWsClient.open(port, upgradeRequest('/elsewhere'));
    await off.until(() => off.ended, 'the 404');
    expect(off.status).toBe(404);
    const badKey = await RawWsClient.open(port, upgradeRequest().replace(/Key: .*\r\n/, 'Key: short==\r\n'));
    await badKey.until(() => badKey.ended, 'the 400');
    expect(badKey.status).toBe(400);
    const v8 = await RawWsClient.open(port, upgradeRequest().replace('Version: 13', 'Version: 8'));
    await v8.until(() => v8.ended, 'the 426');
    expect(v8.status).toBe(426);
    expect(v8.head).toContain('Sec-WebSocket-Version: 13');
    const post = await RawWsClient.open(port, upgradeRequest().replace('GET', 'POST'));
    await post.until(() => post.ended, 'the 400');
    expect(post.status).toBe(400);
  });

  it('onUpgrade accepts asynchronously with data and a subprotocol, and rejects with a status', async () => {
    const seen: Array<{ cookie: unknown; data: unknown; protocol: string }> = [];
    const { port } = await listen<{ user: string }>({ type: 'websocket', path: '/sub' }, {
      async onUpgrade(req, upgrade) {
        await sleep(20);
        const cookie = req.headers.cookie;
        if (cookie !== 'token=good') {
          upgrade.reject(401);
          return;
        }
        expect(upgrade.protocols).toEqual(['v1', 'v2']);
        upgrade.accept({ user: 'u1' }, 'v2');
      },
      onOpen(ws) { seen.push({ cookie: 'token=good', data: ws.data, protocol: ws.protocol }); },
      onMessage(ws, data) { ws.send(`${ws.data.user}:${data.toString()}`); },
    });
    const c = await openWs(`ws://127.0.0.1:${port}/sub`, { headers: { cookie: 'token=good' } }, ['v1', 'v2']);
    expect(c.protocol).toBe('v2');
    const m = nextMessage(c);
    c.send('hi');
    expect((await m).data.toString()).toBe('u1:hi');
    expect(seen).toEqual([{ cookie: 'token=good', data: { user: 'u1' }, protocol: 'v2' }]);
    await expect(openWs(`ws://127.0.0.1:${port}/sub`, { headers: { cookie: 'token=bad' } })).rejects.toThrow('status 401');
    c.close();
  });

  it('an onUpgrade that throws refuses with 500 and reports onError', async () => {
    const errors: Error[] = [];
    const { port } = await listen({ type: 'websocket' }, {
      onUpgrade() { throw new Error('boom'); },
      onError(err) { errors.push(err); },
    });
    await expect(openWs(`ws://127.0.0.1:${port}/`)).rejects.toThrow('status 500');
    expect(errors.map((e) => e.message)).toEqual(['boom']);
  });

  it('runs the close handshake both ways', async () => {
    const closes: Array<[number, string, string | undefined]> = [];
    let server: ServerWebSocket | undefined;
    const { port } = await listen({ type: 'websocket' }, {
      onOpen(ws) { server = ws; },
      onMessage(ws, data) { if (data.toString() === 'end') ws.end(4001, 'bye ✓'); },
      onClose(_ws, code, reason, err) { closes.push([code, reason, (err as { code?: string } | undefined)?.code]); },
    });
    // Client first: its code and reason reach onClose; the echo reaches the client.
    const a = await openWs(`ws://127.0.0.1:${port}/`);
    const aClosed = closed(a);
    a.close(4000, 'client done');
    expect(await aClosed).toEqual({ code: 4000, reason: 'client done' });
    await waitFor(() => closes.length === 1, 10_000, 'onClose #1');
    expect(closes[0]).toEqual([4000, 'client done', undefined]);
    // Server first: ws.end() -> the client answers -> the TCP connection closes.
    const b = await openWs(`ws://127.0.0.1:${port}/`);
    const bClosed = closed(b);
    b.send('end');
    expect(await bClosed).toEqual({ code: 4001, reason: 'bye ✓' });
    await waitFor(() => closes.length === 2, 10_000, 'onClose #2');
    expect(closes[1]).toEqual([4001, 'bye ✓', undefined]);
    expect(server?.readyState).toBe('closed');
    expect(server?.send('late')).toBe(SendStatus.DROPPED);
  });

  it('resets a peer that does not answer ws.end() within closeTimeout', async () => {
    const closes: Array<[number, Error | undefined]> = [];
    const { port } = await listen({ type: 'websocket', closeTimeout: 200 }, {
      onOpen(ws) { ws.end(1000); },
      onClose(_ws, code, _r, err) { closes.push([code, err]); },
    });
    const raw = await RawWsClient.open(port);
    await raw.upgraded();
    expect(await raw.closeCode()).toBe(1000);
    raw.write(clientFrame(1, 'still talking')); // data after our close is allowed; no close from the client
    const t0 = Date.now();
    await waitFor(() => closes.length === 1, 10_000, 'onClose');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(closes[0]?.[1]).toBeInstanceOf(WebSocketCloseTimeoutError);
    await raw.until(() => raw.closed, 'the reset');
  });

  it('delivers a ping or close that follows a compressed message as itself, not as that message', async () => {
    const seen: string[] = [];
    const closes: Array<[number, string]> = [];
    const { port } = await listen({ type: 'websocket', perMessageDeflate: true }, {
      onMessage(_ws, data) { seen.push(`message:${data.toString()}`); },
      onPing(_ws, data) { seen.push(`ping:${data.toString()}`); },
      onClose(_ws, code, reason) { closes.push([code, reason]); },
    });
    const z = zlib.deflateRawSync(Buffer.from('compressed ✓'.repeat(300)), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const raw = await RawWsClient.open(port, upgradeRequest('/', 'Sec-WebSocket-Extensions: permessage-deflate\r\n'));
    await raw.upgraded();
    raw.write(Buffer.concat([clientFrame(1, z.subarray(0, z.length - 4), { rsv: 0x40 }), clientFrame(9, 'p1'), clientFrame(8, closeBody(4002, 'bye'))]));
    const pong = await raw.frame(0);
    expect([pong.opcode, pong.payload.toString()]).toEqual([10, 'p1']);
    expect(await raw.closeCode()).toBe(4002);
    await waitFor(() => closes.length === 1, 5000, 'onClose');
    expect(seen).toEqual([`message:${'compressed ✓'.repeat(300)}`, 'ping:p1']);
    expect(closes).toEqual([[4002, 'bye']]);
  });

  it('answers pings natively, delivers pings and pongs to onPing/onPong, and ws.ping() reaches the client', async () => {
    const pings: string[] = [];
    const pongs: string[] = [];
    const { port } = await listen({ type: 'websocket' }, {
      onPing(_ws, data) { pings.push(data.toString()); },
      onPong(_ws, data) { pongs.push(data.toString()); },
      onMessage(ws) { ws.ping('srv'); },
    });
    const raw = await RawWsClient.open(port);
    await raw.upgraded();
    raw.write(clientFrame(9, 'p1'));
    const pong = await raw.frame(0);
    expect([pong.opcode, pong.payload.toString()]).toEqual([10, 'p1']);
    await waitFor(() => pings.length === 1, 10_000, 'onPing');
    expect(pings).toEqual(['p1']);
    const c = await openWs(`ws://127.0.0.1:${port}/`);
    const gotPing = new Promise<string>((resolve) => c.once('ping', (d: Buffer) => resolve(d.toString())));
    c.send('x');
    expect(await gotPing).toBe('srv');
    await waitFor(() => pongs.length === 1, 10_000, 'onPong');
    expect(pongs).toEqual(['srv']);
    c.close();
  });

  it('closes an idle client after pinging it, and keeps one that answers', async () => {
    const closes: number[] = [];
    const { port } = await listen({ type: 'websocket', idleTimeout: 400 }, {
      onClose(_ws, code) { closes.push(code); },
    });
    const live = await openWs(`ws://127.0.0.1:${port}/`); // ws answers pings with pongs
    const raw = await RawWsClient.open(port);
    await raw.upgraded();
    const ping = await raw.frame(0, 2000);
    expect(ping.opcode).toBe(9);
    expect(await raw.closeCode(2000)).toBe(1001);
    await raw.until(() => raw.ended, 'FIN after the close');
    await sleep(500);
    expect(live.readyState).toBe(WebSocket.OPEN);
    expect(closes).toEqual([1001]);
    live.close();
  });

  it.each([
    { idleTimeout: 1000, sendPings: true },
    { idleTimeout: 0, sendPings: false },
  ])('closes a busy client with 1001 after maxLifetime, never before (idleTimeout $idleTimeout)', async ({ idleTimeout, sendPings }) => {
    const closes: Array<[number, number]> = [];
    const start = Date.now();
    const { port } = await listen({ type: 'websocket', maxLifetime: 1500, idleTimeout, sendPings }, {
      ...ECHO,
      onClose(_ws, code) { closes.push([code, Date.now() - start]); },
    });
    const c = await openWs(`ws://127.0.0.1:${port}/`);
    const opened = Date.now();
    let echoes = 0;
    c.on('message', () => { echoes++; });
    const busy = setInterval(() => { if (c.readyState === WebSocket.OPEN) c.send('busy'); }, 50);
    const done = await withTimeout(closed(c), 6000, 'the lifetime close');
    clearInterval(busy);
    const lived = Date.now() - opened;
    expect(done.code).toBe(1001);
    expect(lived).toBeGreaterThanOrEqual(1450); // coarse clock: a few ms either way
    expect(lived).toBeLessThan(4500);
    expect(echoes).toBeGreaterThan(5); // it was busy all along: not an idle close
    await waitFor(() => closes.length === 1, 5000, 'onClose');
    expect(closes[0]?.[0]).toBe(1001);
  });

  it('behind a PROXY protocol listener: the upgrade follows the header, ws sees the client\'s address', async () => {
    const seen: string[] = [];
    const server = createServer({ ...options, framing: { type: 'websocket', path: '/ws' } } as ServerOptions, {
      ...ECHO,
      onOpen(ws) { seen.push(`${ws.remoteAddress}:${ws.remotePort}`); },
    } as Handlers);
    const { port } = await server.listen({ host: '127.0.0.1', port: 0, proxyProtocol: true });
    try {
      // The PROXY header, the upgrade and a first frame in one write.
      const c = await RawWsClient.open(port, Buffer.concat([
        Buffer.from('PROXY TCP4 203.0.113.7 198.51.100.1 40001 443\r\n'), Buffer.from(upgradeRequest('/ws')), clientFrame(1, 'first'),
      ]));
      await c.upgraded();
      expect((await c.frame(0)).payload.toString()).toBe('first');
      expect(seen).toEqual(['203.0.113.7:40001']);
      c.close();
    } finally {
      await server.close({ timeout: 200 });
    }
  });

  it('serves HTTP and WebSocket on one server (framing http + websocket)', async () => {
    const { port } = await h.listen({ ...options, framing: { type: 'http', websocket: { path: '/ws' } } } as ServerOptions, {
      onRequest(req, res) { res.end(`http ${req.url}`); },
      websocket: ECHO,
    } as Handlers);
    const body = await new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/page' }, (res) => {
        let s = '';
        res.on('data', (d: Buffer) => { s += d.toString(); });
        res.on('end', () => resolve(s));
      }).on('error', reject);
    });
    expect(body).toBe('http /page');
    const c = await openWs(`ws://127.0.0.1:${port}/ws`);
    const m = nextMessage(c);
    c.send('over ws');
    expect((await m).data.toString()).toBe('over ws');
    c.close();
    await withTimeout(closed(c), 5000, 'client close');
  });
});
