/**
 * Server-side permessage-deflate (RFC 7692): with perMessageDeflate the
 * server compresses its text and binary messages of `threshold` bytes or more
 * with the worker's shared compressor (server_no_context_takeover), RSV1 set.
 * Checked with the `ws` client inflating (every byte, > 64 KiB, many in a
 * row), raw sockets reading the frames (RSV1, inflated with node:zlib, the
 * window the client asked for), the threshold, compress: false, broadcasts
 * to members with and without the extension, and bufferedAmount. Both
 * backends, inline and threaded.
 */
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InvalidOptionError, SendStatus, createServer, type Handlers, type ServerOptions, type ServerWebSocket, type WebSocketHandlers } from '../src/index';
import { useHarness } from './support/harness';
import { sleep, waitFor } from './support/net';
import { VARIANTS } from './support/variants';
import { RawWsClient, clientFrame, upgradeRequest } from './support/websocket';

function openWs(url: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const c = new WebSocket(url, opts);
    c.once('open', () => resolve(c));
    c.once('error', reject);
  });
}

function collect(c: WebSocket): Array<{ data: Buffer; isBinary: boolean }> {
  const got: Array<{ data: Buffer; isBinary: boolean }> = [];
  c.on('message', (data: Buffer, isBinary: boolean) => got.push({ data: Buffer.from(data), isBinary }));
  return got;
}

/** RFC 7692 7.2.2: append 00 00 ff ff and inflate (raw), within a window of 2^bits. */
function inflate(payload: Buffer, windowBits = 15): Buffer {
  return zlib.inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** Compressible, but not trivially: words from a small alphabet with a counter. */
function text(n: number): string {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `mëssage ${i % 97} ✓ `;
  return s.slice(0, n);
}

/** ASCII only: its length is its byte count (for the threshold). */
function ascii(n: number): string {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `message ${i % 97}; `;
  return s.slice(0, n);
}

const ECHO: WebSocketHandlers = { onMessage(ws, data, isBinary) { ws.send(Buffer.from(data), isBinary); } };
const OFFER = 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n';

describe('perMessageDeflate options', () => {
  it('validates the object form and keeps the boolean form', () => {
    const mk = (perMessageDeflate: unknown) => () => createServer({ framing: { type: 'websocket', perMessageDeflate } } as ServerOptions, {} as Handlers);
    expect(mk({ compress: 'private' })).toThrow(InvalidOptionError);
    expect(mk({ compress: true })).toThrow(/perMessageDeflate.compress/);
    expect(mk({ threshold: -1 })).toThrow(/perMessageDeflate.threshold/);
    expect(mk({ threshold: 1.5 })).toThrow(/perMessageDeflate.threshold/);
    expect(mk({ level: 9 })).toThrow(/perMessageDeflate.level/);
    expect(mk('yes')).toThrow(/perMessageDeflate/);
    for (const ok of [true, false, {}, { compress: 'shared', threshold: 0 }, { compress: 'dedicated' }, { compress: false }]) expect(mk(ok)).not.toThrow();
  });
});

describe.each(VARIANTS)('permessage-deflate, server side ($name)', ({ options }) => {
  const h = useHarness();
  const listen = <T>(framing: object, handlers: WebSocketHandlers<T>) =>
    h.listen<T>({ ...options, framing } as ServerOptions, handlers as Handlers<T>);

  it('the ws client inflates every byte: > 64 KiB text and binary, and 300 messages in a row', async () => {
    const { port } = await listen({ type: 'websocket', perMessageDeflate: true, maxPayloadLength: 1 << 20 }, ECHO);
    const c = await openWs(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { threshold: 0 } });
    expect(c.extensions).toContain('permessage-deflate');
    const got = collect(c);
    const big = text(200_000);
    const bin = Buffer.alloc(300_000);
    for (let i = 0; i < bin.length; i++) bin[i] = (i % 251) ^ ((i >> 10) & 7);
    c.send(big);
    c.send(bin);
    const many: string[] = [];
    for (let i = 0; i < 300; i++) many.push(text(1024 + ((i * 37) % 5000)) + i);
    for (const m of many) c.send(m);
    await waitFor(() => got.length === 302, 20_000, 'every echo');
    expect([got[0]?.isBinary, got[0]?.data.toString()]).toEqual([false, big]);
    expect(got[1]?.isBinary).toBe(true);
    expect(got[1]?.data.equals(bin)).toBe(true);
    expect(got.slice(2).map((g) => g.data.toString())).toEqual(many);
    c.close();
  });

  it('sets RSV1 on messages of threshold bytes or more, which inflate to the message; smaller ones go plain', async () => {
    const sent: string[] = [];
    const { port } = await listen({ type: 'websocket', perMessageDeflate: { threshold: 2000 } }, {
      onMessage(ws, data) {
        const n = Number(data.toString());
        const m = ascii(n);
        sent.push(m);
        ws.send(m);
      },
    });
    const raw = await RawWsClient.open(port, upgradeRequest('/', OFFER));
    await raw.upgraded();
    expect(raw.head).toMatch(/sec-websocket-extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover/i);
    for (const n of [1999, 2000, 70_000]) raw.write(clientFrame(1, String(n)));
    await raw.until(() => raw.frames.length === 3, 'three messages');
    const [small, at, big] = raw.frames;
    expect([small?.rsv, small?.payload.toString()]).toEqual([0, sent[0]]);
    expect(at?.rsv).toBe(0x40);
    expect(inflate(at?.payload as Buffer).toString()).toBe(sent[1]);
    expect(at?.payload.length).toBeLessThan((sent[1] as string).length);
    expect(big?.rsv).toBe(0x40);
    expect(big?.opcode).toBe(1);
    expect(inflate(big?.payload as Buffer).toString()).toBe(sent[2]);
    expect(raw.violation).toBe('');
  });

  it('compresses within the server_max_window_bits the client asked for', async () => {
    // A 3000-byte random block repeated: a 32 KiB window copies it from 3000 back; a 1 KiB one cannot.
    const block = Buffer.alloc(3000);
    for (let i = 0; i < block.length; i++) block[i] = (i * 7919 + (i >> 3) * 104729) & 255;
    const msg = Buffer.concat([block, block, block, block]);
    const { port } = await listen({ type: 'websocket', perMessageDeflate: true }, { onOpen(ws) { ws.send(msg); } });
    const raw = await RawWsClient.open(port, upgradeRequest('/', 'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n'));
    await raw.upgraded();
    expect(raw.head).toMatch(/server_max_window_bits=10/);
    const f = await raw.frame(0);
    if (f.rsv === 0x40) expect(inflate(f.payload, 10).equals(msg)).toBe(true); // zlib refuses a distance beyond the window
    else expect(f.payload.equals(msg)).toBe(true); // (no smaller within 1 KiB: sent plain, also valid)
    const wide = await RawWsClient.open(port, upgradeRequest('/', OFFER));
    await wide.upgraded();
    const w = await wide.frame(0);
    expect(w.rsv).toBe(0x40);
    expect(w.payload.length).toBeLessThan(msg.length / 2); // the 32 KiB window finds the repeats
    expect(inflate(w.payload).equals(msg)).toBe(true);
  });

  it("compress: false negotiates the extension (clients may compress) but sends plain", async () => {
    const { port } = await listen({ type: 'websocket', perMessageDeflate: { compress: false } }, ECHO);
    const raw = await RawWsClient.open(port, upgradeRequest('/', OFFER));
    await raw.upgraded();
    expect(raw.head).toMatch(/permessage-deflate/);
    const m = text(10_000);
    const z = zlib.deflateRawSync(Buffer.from(m), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    raw.write(clientFrame(1, z.subarray(0, z.length - 4), { rsv: 0x40 }));
    const f = await raw.frame(0);
    expect([f.rsv, f.payload.toString()]).toEqual([0, m]);
  });

  it('a broadcast reaches members with and without the extension, each in what it negotiated', async () => {
    const { server, port } = await listen({ type: 'websocket', perMessageDeflate: true }, {
      onOpen(ws) { ws.join('room'); },
    });
    const zipped = await openWs(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
    const plain = await openWs(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    const rawZ = await RawWsClient.open(port, upgradeRequest('/', OFFER));
    const rawSmall = await RawWsClient.open(port, upgradeRequest('/', 'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n'));
    const rawPlain = await RawWsClient.open(port, upgradeRequest('/'));
    for (const r of [rawZ, rawSmall, rawPlain]) await r.upgraded();
    const gz = collect(zipped);
    const gp = collect(plain);
    await waitFor(() => server.connections().length === 5, 5000, 'five members');
    await sleep(50);
    const m = text(50_000);
    expect(server.broadcast('room', m)).toBe(true);
    expect(server.broadcast('room', Buffer.from('tiny'))).toBe(true); // below the threshold: plain for all
    await waitFor(() => gz.length === 2 && gp.length === 2, 5000, 'ws clients');
    for (const g of [gz, gp]) expect(g.map((x) => [x.isBinary, x.data.toString()])).toEqual([[false, m], [true, 'tiny']]);
    for (const r of [rawZ, rawSmall, rawPlain]) await r.until(() => r.frames.length === 2, 'raw members');
    expect(rawZ.frames[0]?.rsv).toBe(0x40);
    expect(inflate(rawZ.frames[0]?.payload as Buffer).toString()).toBe(m);
    // A member that asked for a smaller window gets the plain encoding of the broadcast.
    for (const r of [rawSmall, rawPlain]) expect([r.frames[0]?.rsv, r.frames[0]?.payload.toString()]).toEqual([0, m]);
    for (const r of [rawZ, rawSmall, rawPlain]) expect([r.frames[1]?.rsv, r.frames[1]?.opcode, r.frames[1]?.payload.toString()]).toEqual([0, 2, 'tiny']);
    zipped.close();
    plain.close();
  });

  it('bufferedAmount comes back to 0 after compressed sends (the bytes compression saved count as written)', async () => {
    let sock: ServerWebSocket | undefined;
    const { port } = await listen({ type: 'websocket', perMessageDeflate: true }, { onOpen(ws) { sock = ws; } });
    const c = await openWs(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
    const got = collect(c);
    await waitFor(() => sock !== undefined, 5000, 'onOpen');
    const m = text(200_000); // ~230 KB: three stay within the default maxBackpressure (1 MiB)
    for (let i = 0; i < 3; i++) expect(sock?.send(m)).toBe(SendStatus.SENT);
    await waitFor(() => got.length === 3, 10_000, 'three messages');
    await waitFor(() => sock?.bufferedAmount === 0, 5000, `bufferedAmount 0 (is ${sock?.bufferedAmount})`);
    expect(got.every((g) => g.data.toString() === m)).toBe(true);
    c.close();
  });
});
