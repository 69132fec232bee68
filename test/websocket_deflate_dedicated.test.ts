/**
 * The dedicated compressor (perMessageDeflate: { compress: 'dedicated' }):
 * each connection its own deflate stream with context takeover. Checked with
 * raw sockets inflating through one persistent zlib stream per connection, as
 * a client does (a message referring to an earlier one inflates only in
 * order, after it), the `ws` client (every byte, many messages), broadcasts
 * interleaved with a member's own sends (the stream forgets its context after
 * a broadcast the client inflated), the per-worker limit and its fallback to
 * the shared compressor, and a client refusing server context takeover.
 * Both backends, inline and threaded.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Handlers, ServerOptions, ServerWebSocket, WebSocketHandlers } from '../src/index';
import { useHarness } from './support/harness';
import { sleep, waitFor } from './support/net';
import { VARIANTS } from './support/variants';
import { RawWsClient, TakeoverInflater, clientFrame, upgradeRequest } from './support/websocket';

const OFFER = 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n';
const DEDICATED = { compress: 'dedicated', threshold: 0 } as const;

/** A chat-like JSON message: repeated keys, varying values (what context takeover is for). */
function chat(i: number): string {
  const items = Array.from({ length: 12 + (i % 9) }, (_, k) => ({ sku: (i * 31 + k * 17) % 997, price: (k * 13 + i) % 500, label: `item ${k} ✓` }));
  return JSON.stringify({ type: 'message', room: 'live://1000', user: { id: 1000 + (i % 37), name: `user${i % 37}` }, items });
}

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const c = new WebSocket(url, { perMessageDeflate: { threshold: 0 } });
    c.once('open', () => resolve(c));
    c.once('error', reject);
  });
}

function collect(c: WebSocket): string[] {
  const got: string[] = [];
  c.on('message', (d: Buffer) => got.push(Buffer.from(d).toString()));
  return got;
}

/** Inflates a raw client's frames in order through one stream (plain ones as they are). */
async function readAll(raw: RawWsClient, windowBits: number): Promise<Array<{ compressed: boolean; wire: number; text: string }>> {
  const z = new TakeoverInflater(windowBits);
  const out = [];
  for (const f of raw.frames) {
    const compressed = f.rsv === 0x40;
    out.push({ compressed, wire: f.payload.length, text: (compressed ? await z.inflate(f.payload) : f.payload).toString() });
  }
  z.close();
  return out;
}

describe.each(VARIANTS)('dedicated compressor ($name)', ({ options }) => {
  const h = useHarness();
  const listen = <T>(framing: object, handlers: WebSocketHandlers<T>, extra: object = {}) =>
    h.listen<T>({ ...options, ...extra, framing } as ServerOptions, handlers as Handlers<T>);

  it('keeps its context: no server_no_context_takeover, window 12, and a repeated message costs a fraction', async () => {
    const m = chat(7);
    const { port } = await listen({ type: 'websocket', perMessageDeflate: DEDICATED }, {
      onMessage(ws, data) { for (let i = 0; i < Number(data.toString()); i++) ws.send(m); },
    });
    const raw = await RawWsClient.open(port, upgradeRequest('/', OFFER));
    await raw.upgraded();
    expect(raw.head).toMatch(/sec-websocket-extensions: permessage-deflate; client_no_context_takeover; server_max_window_bits=12\r\n/i);
    raw.write(clientFrame(1, '3'));
    await raw.until(() => raw.frames.length === 3, 'three messages');
    const got = await readAll(raw, 12);
    expect(got.map((g) => [g.compressed, g.text])).toEqual([[true, m], [true, m], [true, m]]);
    // The second refers back to the first: a few bytes, where alone it took hundreds.
    expect(got[1]?.wire).toBeLessThan((got[0]?.wire as number) / 10);
    // The shared compressor (control): every message alone, the same size each time.
    const shared = await listen({ type: 'websocket', perMessageDeflate: { threshold: 0 } }, { onOpen(ws) { ws.send(m); ws.send(m); } });
    const s = await RawWsClient.open(shared.port, upgradeRequest('/', OFFER));
    await s.until(() => s.frames.length === 2, 'two messages');
    expect(s.head).toMatch(/server_no_context_takeover/);
    expect(s.frames[1]?.payload.length).toBe(s.frames[0]?.payload.length);
  });

  it('the ws client inflates every byte: 400 chat messages, > 64 KiB text and binary, echoed in order', async () => {
    const { port } = await listen({ type: 'websocket', maxPayloadLength: 1 << 20, perMessageDeflate: { compress: 'dedicated' } }, {
      onMessage(ws, data, isBinary) { ws.send(Buffer.from(data), isBinary); },
    });
    const c = await openWs(`ws://127.0.0.1:${port}/`);
    const got: Array<{ d: Buffer; b: boolean }> = [];
    c.on('message', (d: Buffer, b: boolean) => got.push({ d: Buffer.from(d), b }));
    const sent: Array<{ d: Buffer; b: boolean }> = [];
    for (let i = 0; i < 400; i++) sent.push({ d: Buffer.from(chat(i)), b: false });
    const bin = Buffer.alloc(200_000);
    for (let i = 0; i < bin.length; i++) bin[i] = (i % 251) ^ ((i >> 9) & 15);
    sent.splice(100, 0, { d: bin, b: true }, { d: Buffer.from('ë'.repeat(50_000)), b: false }, { d: Buffer.from('short'), b: false });
    for (const m of sent) c.send(m.d, { binary: m.b });
    await waitFor(() => got.length === sent.length, 20_000, 'every echo');
    got.forEach((g, i) => {
      expect(g.b).toBe(sent[i]?.b);
      expect(g.d.equals(sent[i]?.d as Buffer)).toBe(true);
    });
    c.close();
  });

  it('broadcasts between a member\'s own sends: the stream forgets its context after one (ws and raw members)', async () => {
    const socks: ServerWebSocket[] = [];
    const { server, port } = await listen({ type: 'websocket', perMessageDeflate: DEDICATED }, {
      onOpen(ws) { ws.join('room'); socks.push(ws); },
    });
    // serverMaxWindowBits 12 is the broadcast's window too: both members take its compressed encoding.
    const c = await openWs(`ws://127.0.0.1:${port}/`);
    const got = collect(c);
    const raw = await RawWsClient.open(port, upgradeRequest('/', OFFER));
    await raw.upgraded();
    await waitFor(() => socks.length === 2, 5000, 'two members');
    const expected: string[] = [];
    for (let i = 0; i < 30; i++) {
      const own = chat(i);
      for (const s of socks) s.send(own);
      expected.push(own);
      if (i % 3 === 0) {
        // A broadcast very like the member's own messages: a stream that did
        // not forget would refer to bytes the client's window lacks.
        const b = chat(i + 1000);
        expect(server.broadcast('room', b)).toBe(true);
        expected.push(b);
        await sleep(5); // the broadcast reaches the worker before the next send
      }
    }
    await waitFor(() => got.length === expected.length, 10_000, 'the ws member');
    expect(got).toEqual(expected);
    await raw.until(() => raw.frames.length === expected.length, 'the raw member', 10_000);
    const r = await readAll(raw, 12);
    expect(r.map((x) => x.text)).toEqual(expected);
    expect(r.every((x) => x.compressed)).toBe(true);
    c.close();
  });

  it('at most maxDedicated per worker; beyond, the shared compressor (server_no_context_takeover); a freed slot is reused', async () => {
    const { server, port } = await listen({ type: 'websocket', perMessageDeflate: { compress: 'dedicated', maxDedicated: 1, threshold: 0 } }, {
      onOpen(ws) { ws.send(chat(1)); ws.send(chat(1)); },
    }, { workers: 1 });
    const first = await RawWsClient.open(port, upgradeRequest('/', OFFER));
    await first.upgraded();
    expect(first.head).not.toMatch(/server_no_context_takeover/);
    const second = await RawWsClient.open(port, upgradeRequest('/', OFFER));
    await second.upgraded();
    expect(second.head).toMatch(/permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12/i);
    for (const r of [first, second]) await r.until(() => r.frames.length === 2, 'two messages');
    // Both inflate to the messages; only the dedicated one refers back.
    expect((await readAll(first, 12)).map((x) => x.text)).toEqual([chat(1), chat(1)]);
    expect((await readAll(second, 12)).map((x) => x.text)).toEqual([chat(1), chat(1)]);
    expect(first.frames[1]?.payload.length).toBeLessThan(20);
    expect(second.frames[1]?.payload.length).toBe(second.frames[0]?.payload.length);
    first.close();
    await waitFor(() => server.connections().length === 1, 5000, 'the first closed');
    const third = await RawWsClient.open(port, upgradeRequest('/', OFFER));
    await third.upgraded();
    expect(third.head).not.toMatch(/server_no_context_takeover/);
    // maxDedicated 0: every connection shares.
    const none = await listen({ type: 'websocket', perMessageDeflate: { compress: 'dedicated', maxDedicated: 0 } }, {});
    const n = await RawWsClient.open(none.port, upgradeRequest('/', OFFER));
    await n.upgraded();
    expect(n.head).toMatch(/server_no_context_takeover/);
  });

  it('a client asking for server_no_context_takeover gets the shared compressor', async () => {
    const { port } = await listen({ type: 'websocket', perMessageDeflate: DEDICATED }, { onOpen(ws) { ws.send(chat(2)); ws.send(chat(2)); } });
    const raw = await RawWsClient.open(port, upgradeRequest('/', 'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n'));
    await raw.upgraded();
    expect(raw.head).toMatch(/permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12/i);
    await raw.until(() => raw.frames.length === 2, 'two messages');
    expect(raw.frames[1]?.payload.length).toBe(raw.frames[0]?.payload.length);
    expect((await readAll(raw, 12)).map((x) => x.text)).toEqual([chat(2), chat(2)]);
  });
});
