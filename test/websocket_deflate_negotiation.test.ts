/**
 * permessage-deflate window bits (RFC 7692 7.1.2): the server's
 * serverMaxWindowBits / clientMaxWindowBits options, validated, negotiated
 * with raw handshakes (every answer read byte for byte; what the server
 * compresses inflated by zlib limited to the window agreed, which refuses a
 * distance beyond it) and with the `ws` client compressing both ways within
 * them. Both backends, inline and threaded.
 */
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InvalidOptionError, createServer, type Handlers, type ServerOptions, type WebSocketHandlers } from '../src/index';
import { useHarness } from './support/harness';
import { waitFor } from './support/net';
import { VARIANTS } from './support/variants';
import { RawWsClient, clientFrame, upgradeRequest } from './support/websocket';

const ECHO: WebSocketHandlers = { onMessage(ws, data, isBinary) { ws.send(Buffer.from(data), isBinary); } };

function inflate(payload: Buffer, windowBits: number): Buffer {
  return zlib.inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** A random 3000-byte block repeated: only a window of 4 KiB or more finds the repeats. */
function repeats(): Buffer {
  const block = Buffer.alloc(3000);
  for (let i = 0; i < block.length; i++) block[i] = (i * 7919 + (i >> 3) * 104729) & 255;
  return Buffer.concat([block, block, block, block]);
}

/** The Sec-WebSocket-Extensions line of the 101 answer ('' when none). */
function extensionsOf(head: string): string {
  return /sec-websocket-extensions: ([^\r]*)\r\n/i.exec(head)?.[1] ?? '';
}

describe('window bits options', () => {
  it('validates serverMaxWindowBits 9..15, clientMaxWindowBits 8..15 and the dedicated-only options', () => {
    const mk = (perMessageDeflate: unknown) => () => createServer({ framing: { type: 'websocket', perMessageDeflate } } as ServerOptions, {} as Handlers);
    for (const bad of [8, 16, 12.5, '12']) expect(mk({ serverMaxWindowBits: bad })).toThrow(/perMessageDeflate.serverMaxWindowBits/);
    for (const bad of [7, 16, 9.5]) expect(mk({ clientMaxWindowBits: bad })).toThrow(/perMessageDeflate.clientMaxWindowBits/);
    expect(mk({ memLevel: 3 })).toThrow(/memLevel.*dedicated/);
    expect(mk({ compress: 'shared', maxDedicated: 4 })).toThrow(InvalidOptionError);
    for (const bad of [0, 10]) expect(mk({ compress: 'dedicated', memLevel: bad })).toThrow(/perMessageDeflate.memLevel/);
    expect(mk({ compress: 'dedicated', maxDedicated: -1 })).toThrow(/perMessageDeflate.maxDedicated/);
    for (const ok of [{ serverMaxWindowBits: 9 }, { serverMaxWindowBits: 15, clientMaxWindowBits: 8 }, { compress: 'dedicated', memLevel: 9, maxDedicated: 0 }]) expect(mk(ok)).not.toThrow();
    // goim over WebSocket takes them too.
    expect(() => createServer({ framing: { type: 'goim', transport: 'websocket', perMessageDeflate: { serverMaxWindowBits: 16 } } } as ServerOptions, {} as Handlers)).toThrow(/serverMaxWindowBits/);
  });
});

describe.each(VARIANTS)('window bits negotiation ($name)', ({ options }) => {
  const h = useHarness();
  const listen = (framing: object, handlers: WebSocketHandlers) => h.listen({ ...options, framing } as ServerOptions, handlers as Handlers);
  const answer = async (port: number, offer: string) => {
    const raw = await RawWsClient.open(port, upgradeRequest('/', offer === '' ? '' : `Sec-WebSocket-Extensions: ${offer}\r\n`));
    await raw.upgraded();
    return { raw, extensions: extensionsOf(raw.head) };
  };

  it('serverMaxWindowBits is announced below 15 and lowered to a client\'s smaller server_max_window_bits', async () => {
    const msg = repeats();
    const { port } = await listen({ type: 'websocket', perMessageDeflate: { serverMaxWindowBits: 11, threshold: 0 } }, { onOpen(ws) { ws.send(msg); } });
    const plain = await answer(port, 'permessage-deflate');
    expect(plain.extensions).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11');
    const f = await plain.raw.frame(0);
    if (f.rsv === 0x40) expect(inflate(f.payload, 11).equals(msg)).toBe(true); // zlib refuses a distance beyond 2 KiB
    else expect(f.payload.equals(msg)).toBe(true);
    const lower = await answer(port, 'permessage-deflate; server_max_window_bits=9');
    expect(lower.extensions).toMatch(/; server_max_window_bits=9$/);
    const g = await lower.raw.frame(0);
    if (g.rsv === 0x40) expect(inflate(g.payload, 9).equals(msg)).toBe(true);
    const higher = await answer(port, 'permessage-deflate; server_max_window_bits=14');
    expect(higher.extensions).toMatch(/; server_max_window_bits=11$/);
    // The default (15) says nothing unless the client asked, then echoes its value.
    const d = await listen({ type: 'websocket', perMessageDeflate: true }, ECHO);
    expect((await answer(d.port, 'permessage-deflate')).extensions).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
    expect((await answer(d.port, 'permessage-deflate; server_max_window_bits=13')).extensions).toMatch(/; server_max_window_bits=13$/);
  });

  it('clientMaxWindowBits answers clients that offered client_max_window_bits and declines offers without it', async () => {
    const { port } = await listen({ type: 'websocket', perMessageDeflate: { clientMaxWindowBits: 10 } }, ECHO);
    expect((await answer(port, 'permessage-deflate; client_max_window_bits')).extensions).toMatch(/; client_max_window_bits=10$/);
    expect((await answer(port, 'permessage-deflate; client_max_window_bits=9')).extensions).toMatch(/; client_max_window_bits=9$/);
    expect((await answer(port, 'permessage-deflate; client_max_window_bits=12')).extensions).toMatch(/; client_max_window_bits=10$/);
    // RFC 7692 7.1.2.2: a client that did not offer it may not be asked: declined, plain WebSocket.
    const declined = await answer(port, 'permessage-deflate');
    expect(declined.extensions).toBe('');
    // ... and a later acceptable offer in the same header is taken.
    expect((await answer(port, 'permessage-deflate, permessage-deflate; client_max_window_bits=8')).extensions).toMatch(/; client_max_window_bits=8$/);
    // Without the option, client_max_window_bits is never answered (any window is inflated).
    const any = await listen({ type: 'websocket', perMessageDeflate: true }, ECHO);
    expect((await answer(any.port, 'permessage-deflate; client_max_window_bits')).extensions).not.toMatch(/client_max_window_bits/);
    // A client compressing within the window answered: its message inflates and echoes.
    const { raw } = await answer(port, 'permessage-deflate; client_max_window_bits');
    const m = repeats().toString('latin1');
    const z = zlib.deflateRawSync(Buffer.from(m, 'latin1'), { windowBits: 10, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    raw.write(clientFrame(2, z.subarray(0, z.length - 4), { rsv: 0x40 }));
    const f = await raw.frame(0);
    expect((f.rsv === 0x40 ? inflate(f.payload, 15) : f.payload).toString('latin1')).toBe(m);
  });

  it('the ws client compresses both ways within the windows negotiated', async () => {
    const { port } = await listen({ type: 'websocket', maxPayloadLength: 1 << 20, perMessageDeflate: { serverMaxWindowBits: 10, clientMaxWindowBits: 9, threshold: 0 } }, ECHO);
    const c = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { threshold: 0 } });
    let agreed = '';
    c.once('upgrade', (res) => { agreed = String(res.headers['sec-websocket-extensions']); });
    await new Promise<void>((resolve, reject) => { c.once('open', () => resolve()); c.once('error', reject); });
    expect(agreed).toMatch(/server_max_window_bits=10/);
    expect(agreed).toMatch(/client_max_window_bits=9/);
    const got: Buffer[] = [];
    c.on('message', (d: Buffer) => got.push(Buffer.from(d)));
    const sent = [repeats(), Buffer.from('é'.repeat(40_000)), repeats().subarray(0, 5000)];
    for (const m of sent) c.send(m);
    await waitFor(() => got.length === sent.length, 10_000, 'the echoes');
    got.forEach((g, i) => expect(g.equals(sent[i] as Buffer)).toBe(true));
    c.close();
  });
});
