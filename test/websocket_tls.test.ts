/**
 * WebSocket over TLS (wss://): the `ws` client with compression off and on,
 * close handshakes both ways, the native rejections over a raw TLS socket,
 * HTTP and WebSocket on one TLS server (ALPN http/1.1, also when the client
 * offers h2 first, as browsers do), goim over wss://, a client that stops
 * reading, and many connections echoing large messages, every byte checked.
 * The handshake response and every frame go through the TLS layer
 * (Connection::wire()); a plaintext byte on the wire would break each client.
 * Both backends, inline and threaded.
 */
import * as https from 'node:https';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  GOIM_OP, SendStatus, type GoimFrame, type Handlers, type ServerOptions, type ServerWebSocket, type WebSocketHandlers,
} from '../src/index';
import { useHarness } from './support/harness';
import { goimPacket } from './support/goim';
import { sleep, waitFor } from './support/net';
import { makePki, removePki, tlsConnect } from './support/tls';
import { VARIANTS } from './support/variants';
import { RawWsClient, clientFrame, closeBody, upgradeRequest } from './support/websocket';

const pki = makePki();
afterAll(() => removePki(pki));
const TLS = { key: pki.localhost.key, cert: pki.localhost.cert };

// ws hands these to tls.connect; its ClientOptions type does not list them.
type WssOptions = WebSocket.ClientOptions & Pick<import('node:tls').ConnectionOptions, 'servername' | 'ALPNProtocols'>;

function openWss(url: string, opts: WssOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const options: WssOptions = { ca: pki.caPem, servername: 'localhost', ...opts };
    const c = new WebSocket(url, options);
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

async function rawWss(port: number, request: string, alpn?: string[]): Promise<RawWsClient> {
  const s = await tlsConnect(port, pki, alpn ? { ALPNProtocols: alpn } : {});
  const c = new RawWsClient(s);
  if (request.length > 0) c.write(request);
  return c;
}

const ECHO: WebSocketHandlers = {
  onMessage(ws, data, isBinary) {
    ws.send(Buffer.from(data), isBinary);
  },
};

describe.each(VARIANTS)('websocket over TLS ($name)', ({ options }) => {
  const h = useHarness();
  const listen = <T>(framing: object, handlers: WebSocketHandlers<T>, extra: ServerOptions = {}) =>
    h.listen<T>({ ...options, ...extra, tls: TLS, framing } as ServerOptions, handlers as Handlers<T>);

  it.each([false, true])('echoes text and binary over wss:// with the ws client (perMessageDeflate: %s)', async (deflate) => {
    const seen: Array<{ url: string; protocol?: string; alpn: string | false }> = [];
    const { port } = await listen({ type: 'websocket', path: '/ws', perMessageDeflate: deflate }, {
      ...ECHO,
      onOpen(ws) {
        const t = ws.connection.tls;
        seen.push({ url: ws.url, protocol: t?.protocol, alpn: t?.alpn ?? false });
      },
    });
    const c = await openWss(`wss://localhost:${port}/ws?t=1`, { perMessageDeflate: deflate ? { threshold: 0 } : false, ALPNProtocols: ['http/1.1'] });
    if (deflate) expect(c.extensions).toContain('permessage-deflate');
    else expect(c.extensions).toBe('');
    const text = 'wss ✓ 日本語 🚀 '.repeat(6000); // > 64 KiB of non-ASCII text (compressible)
    const bin = Buffer.alloc(300_000);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 131 + (i >> 9)) & 255; // several TLS records
    for (const [payload, isBinary] of [[text, false], [bin, true], ['', false], ['short', false]] as const) {
      const m = nextMessage(c);
      c.send(payload);
      const got = await m;
      expect(got.isBinary).toBe(isBinary);
      if (isBinary) expect(got.data.equals(bin)).toBe(true);
      else expect(got.data.toString()).toBe(payload);
    }
    expect(seen).toEqual([{ url: '/ws?t=1', protocol: 'TLSv1.3', alpn: 'http/1.1' }]);
    const done = closed(c);
    c.close(4000, 'bye ✓');
    expect(await done).toEqual({ code: 4000, reason: 'bye ✓' });
  });

  it('runs the close handshake both ways over TLS', async () => {
    const closes: Array<[number, string]> = [];
    let server: ServerWebSocket | undefined;
    const { port } = await listen({ type: 'websocket' }, {
      ...ECHO,
      onOpen(ws) { server = ws; },
      onClose(_ws, code, reason) { closes.push([code, reason]); },
    });
    // The client closes: the server answers natively and reports the client's code.
    const a = await openWss(`wss://localhost:${port}/`);
    const aClosed = closed(a);
    a.close(4100, 'client');
    expect(await aClosed).toEqual({ code: 4100, reason: 'client' });
    await waitFor(() => closes.length === 1, 10_000, 'onClose after the client\'s close');
    expect(closes[0]).toEqual([4100, 'client']);
    // The server ends: the client gets our code and answers; TCP closes.
    const b = await openWss(`wss://localhost:${port}/`);
    await waitFor(() => server !== undefined && closes.length === 1 && server.readyState === 'open', 5000, 'the second open');
    const bClosed = closed(b);
    server?.end(4200, 'server ✓');
    expect(await bClosed).toEqual({ code: 4200, reason: 'server ✓' });
    await waitFor(() => closes.length === 2, 10_000, 'onClose after ws.end()');
    expect(closes[1]).toEqual([4200, 'server ✓']);
  });

  it('answers requests that are not upgrades and closes on a broken frame, all encrypted', async () => {
    const { port } = await listen({ type: 'websocket', path: '/ws' }, ECHO);
    const plain = await rawWss(port, 'GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await plain.until(() => plain.status !== 0, 'a response');
    expect(plain.status).toBe(426);
    expect(plain.head.toLowerCase()).toContain('sec-websocket-version: 13');
    await plain.until(() => plain.ended || plain.closed, 'the close after 426');
    const off = await rawWss(port, upgradeRequest('/elsewhere'));
    await off.until(() => off.status !== 0, 'a response');
    expect(off.status).toBe(404);
    // A valid upgrade whose first frame follows in the same write, then an unmasked frame (1002).
    const c = await rawWss(port, '');
    c.write(Buffer.concat([Buffer.from(upgradeRequest('/ws')), clientFrame(1, 'first ✓')]));
    await c.upgraded();
    expect((await c.frame(0)).payload.toString()).toBe('first ✓');
    c.write(clientFrame(2, 'unmasked', { mask: false }));
    expect(await c.closeCode()).toBe(1002);
    await c.until(() => c.ended || c.closed, 'FIN after the close frame');
    expect(c.violation).toBe('');
  });

  it('serves HTTP and WebSocket on one TLS server, ALPN http/1.1 even when h2 is offered first', async () => {
    const { port } = await h.listen({ ...options, tls: TLS, framing: { type: 'http', websocket: { path: '/ws' } } } as ServerOptions, {
      onRequest(req, res) { res.end(`page ${req.url}`); },
      websocket: ECHO,
    } as Handlers);
    const page = await new Promise<{ status: number; body: string; alpn: string | false }>((resolve, reject) => {
      const get: https.RequestOptions & Pick<import('node:tls').ConnectionOptions, 'ALPNProtocols'> =
        { host: '127.0.0.1', port, path: '/index', ca: pki.caPem, servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'] };
      const req = https.get(get, (res) => {
        const socket = res.socket as import('node:tls').TLSSocket;
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode as number, body, alpn: socket.alpnProtocol ?? false }));
      });
      req.on('error', reject);
    });
    expect(page).toEqual({ status: 200, body: 'page /index', alpn: 'http/1.1' });
    const c = await openWss(`wss://localhost:${port}/ws`, { ALPNProtocols: ['h2', 'http/1.1'] });
    expect((c as unknown as { _socket: import('node:tls').TLSSocket })._socket.alpnProtocol).toBe('http/1.1');
    const m = nextMessage(c);
    c.send(Buffer.from([1, 2, 3]));
    expect((await m).data).toEqual(Buffer.from([1, 2, 3]));
    c.close();
    // A WebSocket-only server offers http/1.1 too (the upgrade is an HTTP/1.1 request).
    const ws = await listen({ type: 'websocket' }, ECHO);
    const s = await tlsConnect(ws.port, pki, { ALPNProtocols: ['h2', 'http/1.1'] });
    expect(s.alpnProtocol).toBe('http/1.1');
    s.destroy();
  });

  it('serves goim over wss://: auth, native heartbeat reply, room push', async () => {
    const { server, port } = await h.listen({ ...options, tls: TLS, framing: { type: 'goim', transport: 'websocket', path: '/sub' } } as ServerOptions, {
      onAuth(conn) { conn.join('live://1'); return { accept: true, body: '{"ok":1}' }; },
    } as Handlers<unknown, GoimFrame>);
    const c = await rawWss(port, upgradeRequest('/sub'), ['http/1.1']);
    await c.upgraded();
    c.write(clientFrame(2, goimPacket(GOIM_OP.AUTH, 1, '{"mid":1,"room_id":"live://1"}')));
    const auth = (await c.frame(0)).payload;
    expect([auth.readUInt32BE(8), auth.subarray(16).toString()]).toEqual([GOIM_OP.AUTH_REPLY, '{"ok":1}']);
    c.write(clientFrame(2, goimPacket(GOIM_OP.HEARTBEAT, 2)));
    const hb = (await c.frame(1)).payload;
    expect([hb.readUInt32BE(8), hb.readUInt32BE(12)]).toEqual([GOIM_OP.HEARTBEAT_REPLY, 2]);
    expect(server.broadcast('live://1', { op: GOIM_OP.MESSAGE, body: 'push ✓' })).toBe(true);
    const push = (await c.frame(2)).payload;
    expect([push.readUInt32BE(8), push.subarray(16).toString()]).toEqual([GOIM_OP.MESSAGE, 'push ✓']);
    c.write(clientFrame(8, closeBody(1000)));
    expect(await c.closeCode()).toBe(1000);
  });

  it('reports BACKPRESSURE and DROPPED to a wss:// client that stops reading, and drains when it reads again', async () => {
    const statuses: number[] = [];
    const sent: number[] = [];
    let drains = 0;
    let seq = 0;
    let stop = false;
    const msg = (n: number) => { const b = Buffer.alloc(32 * 1024, n & 255); b.writeUInt32BE(n, 0); return b; };
    const pump = (ws: ServerWebSocket) => {
      while (!stop) {
        const st = ws.send(msg(seq));
        statuses.push(st);
        if (st === SendStatus.DROPPED) return;
        sent.push(seq++);
        if (st === SendStatus.BACKPRESSURE) return;
      }
    };
    const { port } = await listen({ type: 'websocket', maxBackpressure: 256 * 1024 }, {
      onOpen: pump,
      onDrain(ws) { drains++; pump(ws); },
    }, { connection: { sendBuffer: 64 * 1024 } });
    const c = await rawWss(port, upgradeRequest('/'));
    await c.upgraded();
    c.socket.pause();
    let last = -1;
    for (let i = 0; i < 50 && drains !== last; i++) { last = drains; await sleep(60); }
    expect(statuses).toContain(SendStatus.BACKPRESSURE);
    const stalled = drains;
    c.socket.resume();
    await waitFor(() => drains > stalled, 10_000, 'onDrain after the client reads');
    stop = true;
    await c.until(() => c.frames.length >= sent.length, 'every sent message', 20_000);
    expect(c.frames.slice(0, sent.length).map((f) => f.payload.readUInt32BE(0))).toEqual(sent);
    expect(c.frames.every((f, i) => f.payload.length === 32 * 1024 && f.payload[100] === (sent[i] as number & 255))).toBe(true);
  });

  it('echoes 256 KiB messages on 40 wss:// connections at once, every byte checked', async () => {
    const { port } = await listen({ type: 'websocket', perMessageDeflate: true }, ECHO);
    const clients = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      openWss(`wss://localhost:${port}/`, { perMessageDeflate: i % 2 === 0 ? { threshold: 0 } : false })));
    const results = await Promise.all(clients.map(async (c, i) => {
      const payload = Buffer.alloc(256 * 1024);
      for (let j = 0; j < payload.length; j++) payload[j] = (j * (i + 7) + (j >> 11)) & 255;
      const m = nextMessage(c);
      c.send(payload);
      const got = await m;
      c.close();
      return got.data.equals(payload);
    }));
    expect(results.every(Boolean)).toBe(true);
  }, 60_000);
});
