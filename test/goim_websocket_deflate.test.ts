/**
 * goim over WebSocket with permessage-deflate: the same machinery as framing
 * 'websocket' (shared or dedicated compressor), with the goim packet (header
 * included) as what deflates. goim's web client bytes through the `ws` client
 * with compression on (it compresses its own packets: op 7 auth with a JSON
 * body, op 2 heartbeats, messages) and raw sockets reading RSV1 and
 * inflating: sends, the op 8 reply, broadcasts (compressed once) and op 9
 * batches, members without the extension getting plain packets; a compressed
 * message that does not inflate to one packet closes 1002, one inflating past
 * maxFrameLength 1009. Both backends, inline and threaded.
 */
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GOIM_OP, type GoimFrame, type Handlers, type ServerOptions } from '../src/index';
import { goimPacket } from './support/goim';
import { useHarness } from './support/harness';
import { waitFor } from './support/net';
import { VARIANTS } from './support/variants';
import { RawWsClient, TakeoverInflater, clientFrame, upgradeRequest } from './support/websocket';

const AUTH_BODY = JSON.stringify({ mid: 123, room_id: 'live://1000', platform: 'web', accepts: [1000, 1001, 1002] });
const OFFER = 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n';

interface Packet { op: number; seq: number; body: Buffer }

/** One message = packets back to back (one, or an op 9 batch's inner ones when unwrapped). */
function packets(b: Buffer): Packet[] {
  const out: Packet[] = [];
  for (let i = 0; i < b.length;) {
    const len = b.readUInt32BE(i);
    const hl = b.readUInt16BE(i + 4);
    out.push({ op: b.readUInt32BE(i + 8), seq: b.readUInt32BE(i + 12), body: b.subarray(i + hl, i + len) });
    i += len;
  }
  return out;
}

function one(b: Buffer): Packet {
  const p = packets(b);
  expect(p.length).toBe(1);
  return p[0] as Packet;
}

function deflated(b: Buffer): Buffer {
  const z = zlib.deflateRawSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return z.subarray(0, z.length - 4);
}

/** Big enough to pass the threshold, compressible. */
function news(i: number): string {
  return JSON.stringify({ id: i, title: `headline ${i % 13}`, text: 'ringnet pushes goim packets to web clients ✓ '.repeat(40) });
}

const HANDLERS = {
  onAuth(conn, frame) {
    const { room_id: room } = JSON.parse(frame.body.toString()) as { room_id: string };
    conn.join(room);
    return { accept: true, body: JSON.stringify({ ok: true, pad: 'x'.repeat(2000) }) };
  },
  onFrame(conn, frame) { conn.send({ op: GOIM_OP.MESSAGE_REPLY, seq: frame.seq, body: frame.body }); },
} as Handlers<unknown, GoimFrame>;

describe.each(VARIANTS)('goim over websocket, permessage-deflate ($name)', ({ options }) => {
  const h = useHarness();
  const listen = (perMessageDeflate: unknown, maxFrameLength = 1 << 20) =>
    h.listen({ ...options, framing: { type: 'goim', transport: 'websocket', path: '/sub', maxFrameLength, perMessageDeflate } } as ServerOptions, HANDLERS);

  it('the goim web client through the ws client with compression: auth, heartbeats, messages, pushes and batches', async () => {
    const { server, port } = await listen(true);
    const c = new WebSocket(`ws://127.0.0.1:${port}/sub`, { perMessageDeflate: { threshold: 0 } });
    c.binaryType = 'nodebuffer';
    const got: Buffer[] = [];
    c.on('message', (d: Buffer, isBinary: boolean) => { expect(isBinary).toBe(true); got.push(Buffer.from(d)); });
    await new Promise<void>((resolve, reject) => { c.once('open', () => resolve()); c.once('error', reject); });
    expect(c.extensions).toContain('permessage-deflate');
    c.send(goimPacket(GOIM_OP.AUTH, 1, AUTH_BODY)); // compressed by ws (threshold 0): inflated natively
    await waitFor(() => got.length === 1, 5000, 'the op 8 reply');
    const auth = one(got[0] as Buffer);
    expect([auth.op, auth.seq, JSON.parse(auth.body.toString()).ok]).toEqual([GOIM_OP.AUTH_REPLY, 1, true]);
    c.send(goimPacket(GOIM_OP.HEARTBEAT, 2));
    await waitFor(() => got.length === 2, 5000, 'op 3');
    expect([one(got[1] as Buffer).op, one(got[1] as Buffer).seq]).toEqual([GOIM_OP.HEARTBEAT_REPLY, 2]);
    const msgs = Array.from({ length: 50 }, (_, i) => news(i));
    msgs.forEach((m, i) => c.send(goimPacket(GOIM_OP.MESSAGE, 10 + i, m)));
    await waitFor(() => got.length === 52, 10_000, 'the echoes');
    got.slice(2).forEach((g, i) => expect([one(g).op, one(g).seq, one(g).body.toString()]).toEqual([GOIM_OP.MESSAGE_REPLY, 10 + i, msgs[i]]));
    expect(server.broadcast('live://1000', { op: GOIM_OP.MESSAGE, body: news(100) })).toBe(true);
    expect(server.broadcast('live://1000', [{ op: 1000, body: news(101) }, { op: 1001, body: news(102) }])).toBe(true);
    await waitFor(() => got.length === 54, 5000, 'the pushes');
    expect([one(got[52] as Buffer).op, one(got[52] as Buffer).body.toString()]).toEqual([GOIM_OP.MESSAGE, news(100)]);
    const batch = one(got[53] as Buffer);
    expect(batch.op).toBe(GOIM_OP.RAW);
    expect(packets(batch.body).map((p) => [p.op, p.body.toString()])).toEqual([[1000, news(101)], [1001, news(102)]]);
    c.close();
  });

  it('on the wire: RSV1 on packets of threshold bytes or more (sends, op 8, broadcasts, batches), plain for members without it', async () => {
    const { server, port } = await listen({ threshold: 1024 });
    const zipped = await RawWsClient.open(port, upgradeRequest('/sub', OFFER));
    const plain = await RawWsClient.open(port, upgradeRequest('/sub'));
    for (const r of [zipped, plain]) {
      await r.upgraded();
      r.write(clientFrame(2, goimPacket(GOIM_OP.AUTH, 1, AUTH_BODY)));
      await r.frame(0);
    }
    expect(zipped.head).toMatch(/permessage-deflate; server_no_context_takeover; client_no_context_takeover/i);
    // The client's compressed packet is inflated natively; the echo is compressed.
    zipped.write(clientFrame(2, deflated(goimPacket(GOIM_OP.MESSAGE, 5, news(5))), { rsv: 0x40 }));
    // The heartbeat's native reply may overtake the handler's echo (README: goim
    // heartbeats): send it once the echo is in, for a fixed order on the wire.
    await zipped.frame(1);
    zipped.write(clientFrame(2, goimPacket(GOIM_OP.HEARTBEAT, 6))); // small: op 3 plain
    await zipped.frame(2);
    expect(server.broadcast('live://1000', { op: GOIM_OP.MESSAGE, body: news(7) })).toBe(true);
    expect(server.broadcast('live://1000', [{ op: 1000, body: news(8) }, { op: 1000, body: 'tiny' }])).toBe(true);
    expect(server.broadcast('live://1000', { op: GOIM_OP.MESSAGE, body: 'small' })).toBe(true);
    await zipped.until(() => zipped.frames.length === 6, 'six messages');
    await plain.until(() => plain.frames.length === 4, 'four messages');
    const inflateRaw = (b: Buffer) => zlib.inflateRawSync(Buffer.concat([b, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const z = zipped.frames.map((f) => ({ rsv: f.rsv, p: packets(f.rsv ? inflateRaw(f.payload) : f.payload) }));
    expect(z.map((x) => [x.rsv, x.p[0]?.op])).toEqual([
      [0x40, GOIM_OP.AUTH_REPLY], [0x40, GOIM_OP.MESSAGE_REPLY], [0, GOIM_OP.HEARTBEAT_REPLY],
      [0x40, GOIM_OP.MESSAGE], [0x40, GOIM_OP.RAW], [0, GOIM_OP.MESSAGE],
    ]);
    expect(z[1]?.p[0]?.body.toString()).toBe(news(5));
    expect(z[3]?.p[0]?.body.toString()).toBe(news(7));
    expect(packets(z[4]?.p[0]?.body as Buffer).map((p) => p.body.toString())).toEqual([news(8), 'tiny']);
    expect(zipped.frames[3]?.payload.length).toBeLessThan(news(7).length / 4);
    // The member without the extension: the same packets, plain.
    expect(plain.frames.every((f) => f.rsv === 0)).toBe(true);
    expect(plain.frames.map((f) => packets(f.payload)[0]?.op)).toEqual([GOIM_OP.AUTH_REPLY, GOIM_OP.MESSAGE, GOIM_OP.RAW, GOIM_OP.MESSAGE]);
    expect(packets(plain.frames[1]?.payload as Buffer)[0]?.body.toString()).toBe(news(7));
  });

  it("compress: 'dedicated' keeps each member's context across its packets and the broadcasts between them", async () => {
    const { server, port } = await listen({ compress: 'dedicated', threshold: 0 });
    const raw = await RawWsClient.open(port, upgradeRequest('/sub', OFFER));
    await raw.upgraded();
    expect(raw.head).toMatch(/permessage-deflate; client_no_context_takeover; server_max_window_bits=12/i);
    raw.write(clientFrame(2, goimPacket(GOIM_OP.AUTH, 1, AUTH_BODY)));
    await raw.frame(0);
    const expected: string[] = [];
    for (let i = 0; i < 12; i++) {
      raw.write(clientFrame(2, goimPacket(GOIM_OP.MESSAGE, i, news(i))));
      expected.push(news(i));
      await raw.until(() => raw.frames.length === 1 + expected.length, 'the echo');
      if (i % 4 === 1) {
        expect(server.broadcast('live://1000', { op: GOIM_OP.MESSAGE, body: news(i + 500) })).toBe(true);
        expected.push(news(i + 500));
        await raw.until(() => raw.frames.length === 1 + expected.length, 'the push');
      }
    }
    const z = new TakeoverInflater(12);
    const bodies: string[] = [];
    for (const f of raw.frames) {
      expect(f.rsv).toBe(0x40);
      bodies.push(one(await z.inflate(f.payload)).body.toString());
    }
    z.close();
    expect(bodies.slice(1)).toEqual(expected);
    // Context takeover at work: the second echo (like the first) costs far less than the first.
    expect(raw.frames[2]?.payload.length).toBeLessThan((raw.frames[1]?.payload.length as number) / 3);
  });

  it('closes 1002 when a compressed message is not one packet, 1009 when it inflates past maxFrameLength', async () => {
    const { port } = await listen(true, 4096);
    const two = await RawWsClient.open(port, upgradeRequest('/sub', OFFER));
    await two.upgraded();
    two.write(clientFrame(2, deflated(Buffer.concat([goimPacket(GOIM_OP.AUTH, 1, '{}'), goimPacket(GOIM_OP.HEARTBEAT, 2)])), { rsv: 0x40 }));
    expect(await two.closeCode()).toBe(1002);
    const bomb = await RawWsClient.open(port, upgradeRequest('/sub', OFFER));
    await bomb.upgraded();
    bomb.write(clientFrame(2, deflated(goimPacket(GOIM_OP.AUTH, 1, 'x'.repeat(100_000))), { rsv: 0x40 }));
    expect(await bomb.closeCode()).toBe(1009);
  });
});
