/**
 * Rooms and broadcast over real sockets on every variant (the threaded ones
 * spread connections over two workers): every member gets a broadcast
 * exactly once, non-members, leavers and closed connections get nothing,
 * broadcastAll reaches everyone, and the limits hold.
 */
import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  InvalidRoomError, RoomLimitError, createServer, type CloseReason, type Connection, type GoimHandlers,
  type ServerOptions,
} from '../src/index';
import { lengthFrame, sleep } from './support/net';
import { FrameReader, eventually, pattern, useHarness } from './support/harness';
import { GoimReader } from './support/goim';
import { VARIANTS } from './support/variants';

describe.each(VARIANTS)('rooms ($name)', ({ options }) => {
  const h = useHarness();

  /**
   * Length framing. A client's frame "join:<room>" / "leave:<room>" changes
   * its rooms and is answered "ok" once applied, so the test knows.
   */
  async function start(extra: ServerOptions = {}) {
    const conns = new Map<number, Connection>();
    const closes = new Map<number, CloseReason>();
    const { server, port } = await h.listen({ ...options, ...extra }, {
      onOpen: (c) => void conns.set(c.remotePort, c),
      onFrame: (c, f) => {
        const [cmd, room] = f.toString().split(':') as [string, string];
        if (cmd === 'join') c.join(room);
        if (cmd === 'leave') c.leave(room);
        c.send('ok');
      },
      onClose: (c, reason) => void closes.set(c.remotePort, reason),
    });
    const clients: Array<{ s: net.Socket; r: FrameReader; port: number }> = [];
    const connect = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const s = await h.connect(port);
        clients.push({ s, r: new FrameReader(s), port: s.localPort as number });
      }
      await eventually(() => conns.size >= clients.length, 5000, () => `opened ${conns.size}/${clients.length}`);
    };
    /** Sends a command frame and waits for its "ok". */
    const ask = async (i: number, text: string) => {
      const c = clients[i] as (typeof clients)[number];
      const before = c.r.frames.length;
      c.s.write(lengthFrame(text));
      await eventually(() => c.r.frames.length > before, 5000, () => `no ok for ${text}`);
    };
    const texts = (i: number) => (clients[i] as (typeof clients)[number]).r.texts().filter((t) => t !== 'ok');
    return { server, conns, closes, clients, connect, ask, texts };
  }

  it('broadcast reaches every member exactly once, on every worker; non-members get nothing', async () => {
    const t = await start();
    await t.connect(6);
    const members = [0, 1, 2, 3];
    for (const i of members) await t.ask(i, 'join:news');
    // The threaded variants spread the members over both workers.
    const workers = new Set(members.map((i) => t.conns.get((t.clients[i] as { port: number }).port)?.worker));
    expect(workers.size).toBe(options.workers);
    expect(t.server.broadcast('news', 'headline 1')).toBe(true);
    expect(t.server.broadcast('news', Buffer.from('headline 2'))).toBe(true);
    expect(t.server.broadcast('nobody-here', 'lost')).toBe(true);
    for (const i of members) {
      await eventually(() => t.texts(i).length >= 2, 5000, () => `client ${i} got ${t.texts(i)}`);
    }
    await sleep(100); // room for a duplicate to show up
    for (const i of members) expect(t.texts(i)).toEqual(['headline 1', 'headline 2']);
    expect(t.texts(4)).toEqual([]);
    expect(t.texts(5)).toEqual([]);
    // Broadcast bytes are not bytes JS queued: bufferedAmount settles at 0 and send() works on.
    const conn = t.conns.get((t.clients[0] as { port: number }).port) as Connection;
    await eventually(() => conn.bufferedAmount === 0, 5000, () => `bufferedAmount ${conn.bufferedAmount}`);
    expect(conn.rooms).toEqual(['news']);
  });

  it('skips connections that left the room or closed', async () => {
    const t = await start();
    await t.connect(4);
    for (let i = 0; i < 4; i++) await t.ask(i, 'join:r');
    await t.ask(1, 'leave:r');
    const gone = t.clients[2] as { s: net.Socket; port: number };
    gone.s.destroy();
    await eventually(() => t.closes.has(gone.port), 5000, () => 'close not seen');
    // A closed connection is out of its rooms; leaving it from JS is harmless.
    (t.conns.get(gone.port) as Connection).leave('r');
    expect(t.server.broadcast('r', 'after')).toBe(true);
    for (const i of [0, 3]) await eventually(() => t.texts(i).length === 1, 5000, () => `client ${i}: ${t.texts(i)}`);
    await sleep(100);
    expect(t.texts(0)).toEqual(['after']);
    expect(t.texts(3)).toEqual(['after']);
    expect(t.texts(1)).toEqual([]);
  });

  it('joins, sends and broadcasts made in one tick apply in order', async () => {
    const t = await start();
    await t.connect(2);
    for (const c of t.conns.values()) {
      c.send('before');
      c.join('tick');
    }
    expect(t.server.broadcast('tick', 'broadcast')).toBe(true);
    for (const c of t.conns.values()) c.send('after');
    for (let i = 0; i < 2; i++) {
      await eventually(() => t.texts(i).length === 3, 5000, () => `client ${i}: ${t.texts(i)}`);
      expect(t.texts(i)).toEqual(['before', 'broadcast', 'after']);
    }
  });

  it('broadcastAll reaches every connection; a large frame arrives intact everywhere', async () => {
    const t = await start();
    await t.connect(5);
    const big = pattern(7, 200_000); // above the share threshold: one buffer referenced by every queue
    expect(t.server.broadcastAll('to all')).toBe(true);
    expect(t.server.broadcastAll(big)).toBe(true);
    for (let i = 0; i < 5; i++) {
      const r = (t.clients[i] as { r: FrameReader }).r;
      await eventually(() => r.frames.length === 2, 10_000, () => `client ${i}: ${r.frames.length}`);
      expect(r.frames[0]?.toString()).toBe('to all');
      expect(r.frames[1]?.equals(big)).toBe(true);
    }
  });

  it('a member over maxOutbound is closed with backpressure; the others keep receiving', async () => {
    const t = await start({ maxOutbound: 256 * 1024 });
    await t.connect(2);
    for (let i = 0; i < 2; i++) await t.ask(i, 'join:flood');
    const slow = t.clients[0] as { s: net.Socket; port: number };
    // A small kernel send buffer for the slow member only, so its queue grows quickly.
    (t.conns.get(slow.port) as Connection).setOption('sendBuffer', 4096);
    slow.s.pause(); // reads nothing
    const fast = (t.clients[1] as { r: FrameReader }).r;
    const chunk = pattern(1, 16 * 1024);
    const pushed = () => fast.frames.filter((f) => f.length === chunk.length).length;
    let sent = 0;
    for (let i = 0; i < 2000 && !t.closes.has(slow.port); i++) {
      if (t.server.broadcast('flood', chunk)) sent++;
      // The reading member keeps up, so only the paused one falls behind.
      if (i % 4 === 3) await eventually(() => pushed() === sent, 10_000, () => `fast got ${pushed()}/${sent}`);
    }
    await eventually(() => t.closes.has(slow.port), 10_000, () => 'slow member not closed');
    expect(t.closes.get(slow.port)).toBe('backpressure');
    await eventually(() => pushed() === sent, 10_000, () => `fast got ${pushed()}/${sent}`);
    expect(t.server.broadcast('flood', chunk)).toBe(true);
    await eventually(() => pushed() === sent + 1, 10_000, () => 'fast stopped receiving');
    expect(t.closes.has((t.clients[1] as { port: number }).port)).toBe(false);
  });

  it('every broadcast() that returned true is delivered once, one that returned false never (maxPendingBroadcasts)', async () => {
    const t = await start({ maxPendingBroadcasts: 4 });
    await t.connect(2);
    for (let i = 0; i < 2; i++) await t.ask(i, 'join:q');
    const accepted: string[] = [];
    for (let i = 0; i < 200; i++) if (t.server.broadcast('q', `m${i}`)) accepted.push(`m${i}`);
    // An inline worker applies broadcasts only when the event loop turns:
    // exactly 4 fit. Threaded workers drain while JS pushes, so how many fit
    // depends on timing (all 200 on a slow run, e.g. under ASan); what must
    // hold either way is below: accepted ones delivered once, refused never.
    if (options.inlineWorker) expect(accepted.length).toBe(4);
    expect(accepted.length).toBeGreaterThanOrEqual(4);
    for (let i = 0; i < 2; i++) {
      await eventually(() => t.texts(i).length === accepted.length, 5000, () => `client ${i}: ${t.texts(i).length}`);
    }
    await sleep(100);
    for (let i = 0; i < 2; i++) expect(t.texts(i)).toEqual(accepted);
  });

  it('goim framing: the broadcast is one encoded packet', async () => {
    const members: Connection[] = [];
    const { server, port } = await h.listen({ ...options, framing: { type: 'goim' } }, {
      onOpen: (c) => {
        c.join('live');
        members.push(c);
      },
    } as GoimHandlers);
    const readers: GoimReader[] = [];
    for (let i = 0; i < 3; i++) readers.push(new GoimReader(await h.connect(port)));
    await eventually(() => members.length === 3, 5000, () => 'not opened');
    expect(server.broadcast('live', { op: 9, seq: 5, body: 'push' })).toBe(true);
    for (const r of readers) {
      await eventually(() => r.packets.length === 1, 5000, () => 'no push');
      expect(r.packets[0]).toMatchObject({ op: 9, seq: 5, ver: 1 });
      expect(r.packets[0]?.body.toString()).toBe('push');
    }
    expect(() => server.broadcast('live', Buffer.from('bytes'))).toThrow(TypeError);
  });
});

describe('room limits', () => {
  const h = useHarness();
  it('join validates names and maxRoomsPerConnection; the options are validated', async () => {
    const errors: unknown[] = [];
    let rooms: string[] = [];
    const { port } = await h.listen({ maxRoomsPerConnection: 2, maxRoomNameLength: 4 }, {
      onOpen: (c) => {
        c.join('a');
        c.join('a'); // twice: no-op
        c.join('bb');
        for (const bad of ['', 'toolong', 42]) {
          try {
            c.join(bad as string);
          } catch (e) {
            errors.push(e);
          }
        }
        try {
          c.join('c');
        } catch (e) {
          errors.push(e);
        }
        rooms = c.rooms;
      },
    });
    await h.connect(port);
    await eventually(() => errors.length === 4, 5000, () => `errors ${errors.length}`);
    expect(errors.slice(0, 3).every((e) => e instanceof InvalidRoomError)).toBe(true);
    expect(errors[3]).toBeInstanceOf(RoomLimitError);
    expect((errors[3] as RoomLimitError).code).toBe('ERR_ROOM_LIMIT');
    expect(rooms).toEqual(['a', 'bb']);
    for (const bad of [0, -1, 1.5]) {
      expect(() => createServer({ maxRoomsPerConnection: bad }, {})).toThrow();
      expect(() => createServer({ maxPendingBroadcasts: bad }, {})).toThrow();
    }
  });
});
