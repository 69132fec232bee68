/**
 * goim's raw batch (op 9): server.broadcast(room, frames[]) packs the packets
 * once; TCP members get the packets themselves (goim's Proto.WriteTCP for
 * OpRaw), WebSocket members one binary message holding one op 9 packet whose
 * body is the packets, read here with goim's web client's own op 9 loop.
 * conn.send(frames[]) does the same for one connection. Both backends,
 * inline and threaded.
 */
import { describe, expect, it } from 'vitest';
import { GOIM_OP, InvalidFrameError, type GoimFrame, type GoimOutFrame, type Handlers, type ServerOptions } from '../src/index';
import { useHarness } from './support/harness';
import { waitFor } from './support/net';
import { VARIANTS } from './support/variants';
import { crc32, goimPacket, GoimReader } from './support/goim';
import { GoimWebClient } from './support/goim_web';

/** A batch with a multi-byte body, an empty one and a binary-safe one, seqs and ops of its own. */
const BATCH: GoimOutFrame[] = [
  { op: GOIM_OP.MESSAGE, seq: 11, body: 'first ✓' },
  { op: 1000, seq: 12 },
  { op: GOIM_OP.MESSAGE, seq: 13, ver: 2, body: 'x'.repeat(3000) },
];

const joinOnAuth = {
  onAuth(conn: { join(room: string): void }, frame: GoimFrame) {
    conn.join((JSON.parse(frame.body.toString()) as { room_id: string }).room_id);
    return true;
  },
};

describe.each(VARIANTS)('goim op 9 batches ($name)', ({ options }) => {
  const h = useHarness();

  it('over TCP: the packets themselves, in order, each member exactly once', async () => {
    const { server, port } = await h.listen({ ...options, framing: { type: 'goim' } } as ServerOptions, joinOnAuth as Handlers<unknown, GoimFrame>);
    const readers: GoimReader[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await h.connect(port);
      const r = new GoimReader(s);
      s.write(goimPacket(GOIM_OP.AUTH, 1, JSON.stringify({ room_id: i < 2 ? 'live://1' : 'live://2' })));
      await waitFor(() => r.packets.length === 1, 5000, 'op 8');
      readers.push(r);
    }
    expect(server.broadcast('live://1', BATCH)).toBe(true);
    expect(server.broadcast('live://1', { op: GOIM_OP.MESSAGE, seq: 14, body: 'after' })).toBe(true);
    for (const r of readers.slice(0, 2)) {
      await waitFor(() => r.packets.length === 5, 5000, 'batch and push');
      expect(r.packets.slice(1).map((p) => [p.ver, p.op, p.seq, p.headerLen, p.body.toString()])).toEqual([
        [1, GOIM_OP.MESSAGE, 11, 16, 'first ✓'],
        [1, 1000, 12, 16, ''],
        [2, GOIM_OP.MESSAGE, 13, 16, 'x'.repeat(3000)],
        [1, GOIM_OP.MESSAGE, 14, 16, 'after'],
      ]);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(readers[2]?.ops()).toEqual([GOIM_OP.AUTH_REPLY]); // not a member
    for (const r of readers.slice(0, 2)) expect(r.packets).toHaveLength(5); // exactly once
  });

  it('over WebSocket: one binary message holding one op 9 packet, read by the goim web client', async () => {
    const { server, port } = await h.listen({ ...options, framing: { type: 'goim', transport: 'websocket', path: '/sub' } } as ServerOptions,
      joinOnAuth as Handlers<unknown, GoimFrame>);
    const clients = await Promise.all([GoimWebClient.open(port, 'live://1'), GoimWebClient.open(port, 'live://1'), GoimWebClient.open(port, 'live://2')]);
    try {
      await waitFor(() => clients.every((c) => c.authReplies.length === 1), 5000, 'op 8 for every client');
      expect(server.broadcast('live://1', BATCH)).toBe(true);
      expect(server.broadcast('live://1', [{ op: GOIM_OP.MESSAGE, seq: 14, body: 'alone in a batch' }])).toBe(true);
      for (const c of clients.slice(0, 2)) {
        await waitFor(() => c.messages.length === 4, 5000, 'the two batches');
        expect(c.messages).toEqual([
          { ver: 1, op: GOIM_OP.MESSAGE, seq: 11, body: 'first ✓', via: 9 },
          { ver: 1, op: 1000, seq: 12, body: '', via: 9 },
          { ver: 2, op: GOIM_OP.MESSAGE, seq: 13, body: 'x'.repeat(3000), via: 9 },
          { ver: 1, op: GOIM_OP.MESSAGE, seq: 14, body: 'alone in a batch', via: 9 },
        ]);
        expect(c.binaryMessages).toBe(1 + 2); // op 8, then one message per batch
      }
      await new Promise((r) => setTimeout(r, 100));
      expect(clients[2]?.messages).toEqual([]);
      for (const c of clients.slice(0, 2)) expect(c.messages).toHaveLength(4);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('conn.send(frames[]) sends one batch to one connection on both transports; checksum headers inside', async () => {
    const handlers = {
      onFrame(conn: { send(f: GoimOutFrame[]): boolean }, f: GoimFrame) {
        conn.send([{ op: GOIM_OP.MESSAGE_REPLY, seq: f.seq, body: f.body }, { op: GOIM_OP.MESSAGE_REPLY, seq: f.seq + 1, body: 'second' }]);
      },
    } as unknown as Handlers<unknown, GoimFrame>;
    const { port } = await h.listen({ ...options, framing: { type: 'goim', checksum: true } } as ServerOptions, handlers);
    const s = await h.connect(port);
    const r = new GoimReader(s);
    s.write(goimPacket(GOIM_OP.MESSAGE, 5, 'echo', { checksum: true }));
    await waitFor(() => r.packets.length === 2, 5000, 'two packets');
    expect(r.packets.map((p) => [p.op, p.seq, p.headerLen, p.body.toString(), p.checksum === crc32(p.body)])).toEqual([
      [GOIM_OP.MESSAGE_REPLY, 5, 20, 'echo', true],
      [GOIM_OP.MESSAGE_REPLY, 6, 20, 'second', true],
    ]);
    const ws = await h.listen({ ...options, framing: { type: 'goim', transport: 'websocket', path: '/sub' } } as ServerOptions, handlers);
    const c = await GoimWebClient.open(ws.port, 'unused'); // no onAuth: op 7 is a frame like any other
    try {
      await waitFor(() => c.messages.length === 2, 5000, 'two packets in one message');
      expect(c.messages.map((m) => [m.op, m.seq, m.body, m.via])).toEqual([[GOIM_OP.MESSAGE_REPLY, 1, JSON.stringify({ mid: 123, room_id: 'unused', platform: 'web', accepts: [1000, 1001, 1002] }), 9], [GOIM_OP.MESSAGE_REPLY, 2, 'second', 9]]);
      expect(c.binaryMessages).toBe(1);
    } finally {
      c.close();
    }
  });

  it('rejects an empty batch and one whose op 9 packet exceeds maxFrameLength, before anything is queued', async () => {
    const { server } = await h.listen({ ...options, framing: { type: 'goim', maxFrameLength: 1024 } } as ServerOptions, {} as Handlers<unknown, GoimFrame>);
    expect(() => server.broadcast('r', [])).toThrow(TypeError);
    expect(() => server.broadcast('r', [{ op: 4, body: 'x'.repeat(500) }, { op: 4, body: 'y'.repeat(500) }])).toThrow(InvalidFrameError);
    expect(() => server.broadcast('r', [{ op: -1 } as GoimOutFrame])).toThrow(TypeError);
    // 16 (op 9 header) + 2 x (16 + 480) = 1008 fits.
    expect(server.broadcast('r', [{ op: 4, body: 'x'.repeat(480) }, { op: 4, body: 'y'.repeat(480) }])).toBe(true);
  });
});
