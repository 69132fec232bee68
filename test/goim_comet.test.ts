/**
 * A Comet serving both transports at once: a goim TCP server and a goim
 * WebSocket server (/sub) in one ServerGroup; one group.broadcast() reaches
 * the room's TCP members (real goim TCP client bytes) and WebSocket members
 * (the `ws` client, read as goim's web client reads), each exactly once and
 * byte-checked; joins, leaves and closes of both kinds count; a frame one
 * server rejects reaches no one. Both backends, inline and threaded.
 */
import { describe, expect, it } from 'vitest';
import {
  createServer, GOIM_OP, InvalidFrameError, InvalidOptionError, ServerGroup,
  type Connection, type GoimFrame, type Handlers, type ServerOptions,
} from '../src/index';
import { useHarness } from './support/harness';
import { sleep, waitFor } from './support/net';
import { VARIANTS } from './support/variants';
import { goimPacket, GoimReader } from './support/goim';
import { GoimWebClient } from './support/goim_web';

/** goim's Comet handlers, the same for both transports: auth joins the room in its JSON body; op 4 'leave:<room>' leaves it. */
const COMET = {
  onAuth(conn: Connection, frame: GoimFrame) {
    conn.join((JSON.parse(frame.body.toString()) as { room_id: string }).room_id);
    return true;
  },
  onFrame(conn: Connection, f: GoimFrame) {
    const text = f.body.toString();
    if (f.op === GOIM_OP.MESSAGE && text.startsWith('leave:')) conn.leave(text.slice(6));
    conn.send({ op: GOIM_OP.MESSAGE_REPLY, seq: f.seq, body: 'ok' });
  },
} as unknown as Handlers<unknown, GoimFrame>;

describe.each(VARIANTS)('one broadcast for TCP and WebSocket members ($name)', ({ options }) => {
  const h = useHarness();

  async function comet(wsExtra: Record<string, unknown> = {}) {
    const tcp = await h.listen({ ...options, framing: { type: 'goim' } } as ServerOptions, COMET);
    const web = await h.listen({ ...options, framing: { type: 'goim', transport: 'websocket', path: '/sub', ...wsExtra } } as ServerOptions, COMET);
    return { tcp, web, group: new ServerGroup([tcp.server, web.server]) };
  }

  async function tcpClient(port: number, room: string): Promise<GoimReader> {
    const s = await h.connect(port);
    const r = new GoimReader(s);
    s.write(goimPacket(GOIM_OP.AUTH, 1, JSON.stringify({ mid: 1, room_id: room, platform: 'tcp' })));
    await waitFor(() => r.packets.length === 1, 5000, 'op 8 over TCP');
    return r;
  }

  async function webClient(port: number, room: string, all: GoimWebClient[]): Promise<GoimWebClient> {
    const c = await GoimWebClient.open(port, room);
    all.push(c);
    await waitFor(() => c.authReplies.length === 1, 5000, 'op 8 over WebSocket');
    return c;
  }

  it('one call reaches every TCP and WebSocket member exactly once, in each transport\'s own bytes', async () => {
    const { tcp, web, group } = await comet();
    const webs: GoimWebClient[] = [];
    try {
      const t = [await tcpClient(tcp.port, 'live://1'), await tcpClient(tcp.port, 'live://1'), await tcpClient(tcp.port, 'live://2')];
      const w = [await webClient(web.port, 'live://1', webs), await webClient(web.port, 'live://1', webs), await webClient(web.port, 'live://2', webs)];
      const body = 'to both transports ✓ ' + 'z'.repeat(2000); // above 1 KiB: the shared-reference path
      expect(group.broadcast('live://1', { op: GOIM_OP.MESSAGE, seq: 77, body })).toBe(true);
      const packet = goimPacket(GOIM_OP.MESSAGE, 77, body);
      for (const r of t.slice(0, 2)) await waitFor(() => r.packets.length === 2, 5000, 'the push over TCP');
      for (const c of w.slice(0, 2)) await waitFor(() => c.raw.length === 2, 5000, 'the push over WebSocket');
      await sleep(150);
      for (const r of t.slice(0, 2)) {
        expect(r.packets).toHaveLength(2);
        const p = r.packets[1];
        expect(goimPacket(p?.op ?? 0, p?.seq ?? 0, p?.body ?? '', { ver: p?.ver ?? 0 })).toEqual(packet);
      }
      for (const c of w.slice(0, 2)) {
        expect(c.raw).toHaveLength(2);
        expect(c.raw[1]).toEqual(packet); // one binary message holding exactly the packet
        expect(c.messages).toEqual([{ ver: 1, op: GOIM_OP.MESSAGE, seq: 77, body, via: GOIM_OP.MESSAGE }]);
      }
      expect(t[2]?.packets).toHaveLength(1); // the other room: op 8 only
      expect(w[2]?.raw).toHaveLength(1);
      // A batch through the group: packets as is over TCP, one op 9 message over WebSocket.
      expect(group.broadcast('live://2', [{ op: 1000, seq: 1, body: 'a' }, { op: 1000, seq: 2, body: 'b' }])).toBe(true);
      await waitFor(() => (t[2]?.packets.length ?? 0) === 3 && (w[2]?.messages.length ?? 0) === 2, 5000, 'the batch');
      expect(t[2]?.packets.slice(1).map((p) => [p.op, p.seq, p.body.toString()])).toEqual([[1000, 1, 'a'], [1000, 2, 'b']]);
      expect(w[2]?.messages.map((m) => [m.op, m.seq, m.body, m.via])).toEqual([[1000, 1, 'a', 9], [1000, 2, 'b', 9]]);
      expect(w[2]?.raw[1]).toEqual(Buffer.concat([goimPacket(GOIM_OP.RAW, 0, Buffer.concat([goimPacket(1000, 1, 'a'), goimPacket(1000, 2, 'b')]))]));
      // broadcastAll reaches every connection of both servers.
      expect(group.broadcastAll({ op: GOIM_OP.MESSAGE, seq: 9, body: 'all' })).toBe(true);
      await waitFor(() => t.every((r) => r.packets.at(-1)?.seq === 9) && w.every((c) => c.messages.at(-1)?.seq === 9), 5000, 'broadcastAll');
    } finally {
      for (const c of webs) c.close();
    }
  });

  it('joins, leaves and closes of both kinds count; later joiners get later broadcasts', async () => {
    const { tcp, web, group } = await comet();
    const webs: GoimWebClient[] = [];
    try {
      const stay = await tcpClient(tcp.port, 'r');
      const leaver = await tcpClient(tcp.port, 'r');
      const closer = await tcpClient(tcp.port, 'r');
      const wStay = await webClient(web.port, 'r', webs);
      const wLeaver = await webClient(web.port, 'r', webs);
      const wCloser = await webClient(web.port, 'r', webs);
      leaver.socket.write(goimPacket(GOIM_OP.MESSAGE, 5, 'leave:r'));
      wLeaver.ws.send(goimPacket(GOIM_OP.MESSAGE, 5, 'leave:r'));
      await waitFor(() => leaver.packets.length === 2 && wLeaver.messages.length === 1, 5000, 'leave acknowledged');
      closer.socket.destroy();
      wCloser.close();
      await waitFor(() => tcp.server.connections().length === 2 && web.server.connections().length === 2, 5000, 'closes seen');
      const late = await webClient(web.port, 'r', webs);
      const lateTcp = await tcpClient(tcp.port, 'r');
      expect(group.broadcast('r', { op: GOIM_OP.MESSAGE, seq: 1, body: 'after' })).toBe(true);
      for (const r of [stay, lateTcp]) await waitFor(() => r.packets.at(-1)?.body.toString() === 'after', 5000, 'TCP member');
      for (const c of [wStay, late]) await waitFor(() => c.messages.at(-1)?.body === 'after', 5000, 'WebSocket member');
      await sleep(150);
      expect(stay.packets.filter((p) => p.op === GOIM_OP.MESSAGE)).toHaveLength(1);
      expect(wStay.messages.filter((m) => m.op === GOIM_OP.MESSAGE)).toHaveLength(1);
      expect(leaver.packets.map((p) => p.op)).toEqual([GOIM_OP.AUTH_REPLY, GOIM_OP.MESSAGE_REPLY]);
      expect(wLeaver.messages.map((m) => m.op)).toEqual([GOIM_OP.MESSAGE_REPLY]);
    } finally {
      for (const c of webs) c.close();
    }
  });

  it('a frame one server rejects reaches no one; a server not listening makes the call false, the others still deliver', async () => {
    const { tcp, web, group } = await comet({ maxFrameLength: 256 });
    const webs: GoimWebClient[] = [];
    try {
      const r = await tcpClient(tcp.port, 'r');
      const c = await webClient(web.port, 'r', webs);
      // 300 bytes fit the TCP server's 64 KiB but not the WebSocket server's 256.
      expect(() => group.broadcast('r', { op: GOIM_OP.MESSAGE, body: 'x'.repeat(300) })).toThrow(InvalidFrameError);
      await sleep(150);
      expect(r.packets).toHaveLength(1);
      expect(c.raw).toHaveLength(1);
      const idle = createServer({ framing: { type: 'goim' } }, COMET);
      const partial = new ServerGroup([tcp.server, web.server, idle]);
      expect(partial.broadcast('r', { op: GOIM_OP.MESSAGE, body: 'y' })).toBe(false);
      await waitFor(() => r.packets.length === 2 && c.messages.length === 1, 5000, 'delivered by the listening two');
    } finally {
      for (const c of webs) c.close();
    }
  });

  it('validates its servers', () => {
    const a = createServer({ framing: { type: 'goim' } }, COMET);
    expect(() => new ServerGroup([])).toThrow(InvalidOptionError);
    expect(() => new ServerGroup([a, a])).toThrow(InvalidOptionError);
    expect(() => new ServerGroup([{} as never])).toThrow(InvalidOptionError);
    expect(new ServerGroup([a]).servers).toEqual([a]);
  });
});
