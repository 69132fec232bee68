/**
 * goim framing over real sockets on every variant: packets split and
 * coalesced, header validation, heartbeats answered natively, the heartbeat
 * timeout, the auth gate and its timeout, and the optional checksum.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthRejectedError, AuthRequiredError, BadFrameError, ConnectionTimeoutError, FrameTooLargeError, InvalidFrameError,
  InvalidOptionError, createServer, type CloseReason, type Connection, type GoimFrame, type GoimHandlers,
  type GoimAuthResult, type GoimFramingOptions, type ServerOptions,
} from '../src/index';
import { sleep } from './support/net';
import { eventually, useHarness } from './support/harness';
import { GoimReader, crc32, goimPacket } from './support/goim';
import { VARIANTS } from './support/variants';

interface Seen {
  frames: Array<{ op: number; seq: number; ver: number; body: string }>;
  auths: Array<{ seq: number; body: string }>;
  closes: Map<number, { reason: CloseReason; error?: Error }>;
}

describe.each(VARIANTS)('goim ($name)', ({ options }) => {
  const h = useHarness();

  /** An echo server: every delivered packet comes back as op 5 with the same seq and body. */
  async function start(framing: Partial<GoimFramingOptions> = {}, extra: Partial<GoimHandlers> & ServerOptions = {}) {
    const seen: Seen = { frames: [], auths: [], closes: new Map() };
    const { onAuth, ...rest } = extra;
    const handlers: GoimHandlers = {
      onFrame: (conn: Connection, f: GoimFrame) => {
        seen.frames.push({ op: f.op, seq: f.seq, ver: f.ver, body: f.body.toString() });
        conn.send({ op: 5, seq: f.seq, ver: f.ver, body: f.body });
      },
      onClose: (conn, reason, error) => void seen.closes.set(conn.remotePort, { reason, error }),
    };
    if (onAuth) handlers.onAuth = (conn, f) => {
      seen.auths.push({ seq: f.seq, body: f.body.toString() });
      return onAuth(conn, f);
    };
    const { port, server } = await h.listen({ ...options, ...rest, framing: { type: 'goim', ...framing } }, handlers as never);
    const client = async () => {
      const s = await h.connect(port);
      return { s, r: new GoimReader(s), port: s.localPort as number };
    };
    return { seen, port, server, client };
  }

  it('decodes packets coalesced in one write and split byte by byte, with their fields', async () => {
    const { seen, client } = await start();
    const { s, r } = await client();
    const many = Array.from({ length: 50 }, (_, i) => goimPacket(4, i, `msg ${i}`, { ver: 3 }));
    s.write(Buffer.concat(many));
    await eventually(() => r.packets.length === 50, 10_000, () => `echoes ${r.packets.length}`);
    const split = goimPacket(4, 1000, 'split across writes');
    for (const byte of split) {
      s.write(Buffer.from([byte]));
      await sleep(1);
    }
    await eventually(() => r.packets.length === 51, 10_000, () => `echoes ${r.packets.length}`);
    expect(seen.frames.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => ({ op: 4, seq: i, ver: 3, body: `msg ${i}` })));
    expect(seen.frames[50]).toEqual({ op: 4, seq: 1000, ver: 1, body: 'split across writes' });
    // Replies were encoded natively from { op, seq, ver, body }.
    expect(r.packets.map((p) => [p.op, p.seq, p.ver, p.headerLen, p.body.toString()])).toEqual([
      ...Array.from({ length: 50 }, (_, i) => [5, i, 3, 16, `msg ${i}`]),
      [5, 1000, 1, 16, 'split across writes'],
    ]);
  });

  it('honours a longer header by default and skips its extra bytes', async () => {
    const { seen, client } = await start();
    const { s, r } = await client();
    s.write(goimPacket(4, 7, 'after a 24-byte header', { headerLen: 24 }));
    await eventually(() => r.packets.length === 1, 5000, () => 'no echo');
    expect(seen.frames).toEqual([{ op: 4, seq: 7, ver: 1, body: 'after a 24-byte header' }]);
  });

  it("rejects a longer header with extendedHeader 'reject' (bad-frame); other connections carry on", async () => {
    const { seen, client } = await start({ extendedHeader: 'reject' });
    const bad = await client();
    const good = await client();
    bad.s.write(goimPacket(4, 1, 'x', { headerLen: 20 }));
    good.s.write(goimPacket(4, 2, 'fine'));
    await eventually(() => seen.closes.has(bad.port), 5000, () => 'bad connection not closed');
    expect(seen.closes.get(bad.port)?.reason).toBe('bad-frame');
    expect(seen.closes.get(bad.port)?.error).toBeInstanceOf(BadFrameError);
    await eventually(() => good.r.packets.length === 1, 5000, () => 'good connection got no echo');
    expect(seen.frames).toEqual([{ op: 4, seq: 2, ver: 1, body: 'fine' }]);
  });

  it("checksum with extendedHeader 'reject': 20-byte checksummed headers pass, longer ones close (bad-frame)", async () => {
    // Regression (found by the goim fuzz target): the checksum's own 20-byte
    // header counted as "extended", so every checksummed packet was refused.
    const { seen, client } = await start({ checksum: true, extendedHeader: 'reject' });
    const ok = await client();
    const bad = await client();
    ok.s.write(goimPacket(4, 5, 'checked', { checksum: true }));
    bad.s.write(goimPacket(4, 6, 'x', { checksum: true, headerLen: 24 }));
    await eventually(() => ok.r.packets.length === 1, 5000, () => 'no echo for a checksummed packet');
    expect(seen.frames).toEqual([{ op: 4, seq: 5, ver: 1, body: 'checked' }]);
    expect(ok.r.packets[0]).toMatchObject({ op: 5, seq: 5, headerLen: 20 });
    await eventually(() => seen.closes.has(bad.port), 5000, () => 'longer header not refused');
    expect(seen.closes.get(bad.port)?.reason).toBe('bad-frame');
  });

  it('closes on packLen < headerLen (bad-frame) and packLen > maxFrameLength (frame-too-large), from the header alone', async () => {
    const { seen, client } = await start({ maxFrameLength: 1024 });
    const short = await client();
    const long = await client();
    short.s.write(goimPacket(4, 1, '', { headerLen: 24, packLen: 20 }));
    // Only the header of an oversized packet: it is refused before its body arrives.
    long.s.write(goimPacket(4, 1, '', { packLen: 1025 }));
    await eventually(() => seen.closes.size === 2, 5000, () => `closes ${[...seen.closes.values()].map((c) => c.reason)}`);
    expect(seen.closes.get(short.port)?.reason).toBe('bad-frame');
    expect(seen.closes.get(long.port)?.reason).toBe('frame-too-large');
    expect(seen.closes.get(long.port)?.error).toBeInstanceOf(FrameTooLargeError);
    await eventually(() => short.r.closed && long.r.closed, 5000, () => 'clients not closed');
    expect(seen.frames).toEqual([]);
  });

  it('answers heartbeats (op 2) natively with op 3: onFrame never sees them', async () => {
    const { seen, server, client } = await start();
    const { s, r } = await client();
    for (let i = 0; i < 5; i++) s.write(goimPacket(2, 100 + i, '', { ver: 2 }));
    s.write(goimPacket(4, 200, 'message'));
    await eventually(() => r.packets.length === 6, 5000, () => `replies ${r.ops()}`);
    expect(r.packets.slice(0, 5).map((p) => [p.op, p.seq, p.ver, p.body.length])).toEqual(
      Array.from({ length: 5 }, (_, i) => [3, 100 + i, 2, 0]),
    );
    expect(seen.frames).toEqual([{ op: 4, seq: 200, ver: 1, body: 'message' }]);
    // Only the message crossed into JS.
    expect(server.stats().framesIn).toBe(1);
    // Native replies do not count as bytes JS queued.
    const conn = server.connections()[0] as Connection;
    await eventually(() => conn.bufferedAmount === 0, 5000, () => `bufferedAmount ${conn.bufferedAmount}`);
  });

  it('heartbeatTimeout closes a silent connection (heartbeat-timeout); one sending heartbeats stays', async () => {
    const { seen, client } = await start({ heartbeatTimeout: 300 });
    const silent = await client();
    const beating = await client();
    for (let i = 0; i < 16; i++) {
      beating.s.write(goimPacket(2, i));
      await sleep(60);
    }
    await eventually(() => seen.closes.has(silent.port), 5000, () => 'silent connection not closed');
    const c = seen.closes.get(silent.port);
    expect(c?.reason).toBe('heartbeat-timeout');
    expect(c?.error).toBeInstanceOf(ConnectionTimeoutError);
    expect((c?.error as ConnectionTimeoutError).code).toBe('ERR_HEARTBEAT_TIMEOUT');
    expect(seen.closes.has(beating.port)).toBe(false);
    await eventually(() => beating.r.packets.length === 16, 5000, () => `heartbeat replies ${beating.r.packets.length}`);
    expect(beating.r.ops().every((op) => op === 3)).toBe(true);
  });

  describe('auth gate', () => {
    it('delivers nothing before the auth; an accepted auth gets op 8 with its seq, then packets flow', async () => {
      const { seen, client } = await start({}, { onAuth: (_c, f) => ({ body: `hello ${f.body.toString()}` }) });
      const { s, r } = await client();
      s.write(goimPacket(7, 41, 'token-1'));
      await eventually(() => r.packets.length === 1, 5000, () => 'no auth reply');
      expect(r.packets[0]).toMatchObject({ op: 8, seq: 41 });
      expect(r.packets[0]?.body.toString()).toBe('hello token-1');
      s.write(Buffer.concat([goimPacket(2, 42), goimPacket(4, 43, 'after auth')]));
      await eventually(() => r.packets.length === 3, 5000, () => `replies ${r.ops()}`);
      expect(r.ops()).toEqual([8, 3, 5]);
      expect(seen.auths).toEqual([{ seq: 41, body: 'token-1' }]);
      expect(seen.frames).toEqual([{ op: 4, seq: 43, ver: 1, body: 'after auth' }]);
    });

    it('an async onAuth accepts later; conn.authenticated follows', async () => {
      let conn: Connection | undefined;
      const { seen, client } = await start({}, {
        onAuth: async (c) => {
          conn = c;
          await sleep(50);
          return true;
        },
      });
      const { s, r } = await client();
      s.write(goimPacket(7, 1, 'tok'));
      await eventually(() => conn !== undefined, 5000, () => 'onAuth not called');
      expect(conn?.authenticated).toBe(false);
      await eventually(() => r.packets.length === 1, 5000, () => 'no auth reply');
      expect(r.packets[0]).toMatchObject({ op: 8, seq: 1 });
      expect(r.packets[0]?.body.length).toBe(0);
      expect(conn?.authenticated).toBe(true);
      s.write(goimPacket(4, 2, 'ok'));
      await eventually(() => seen.frames.length === 1, 5000, () => 'message not delivered');
    });

    it('auths that arrive while the batch to JS is full are judged once: every one is accepted', async () => {
      // batchBytes 4096 holds one 3 KiB auth per arena: the others wait and are
      // decoded again when an arena returns (a second look once judged them
      // 'auth-required').
      const { seen, client } = await start({}, { batchBytes: 4096, batchArenas: 1, onAuth: () => true });
      const clients = await Promise.all(Array.from({ length: 30 }, () => client()));
      const body = 'x'.repeat(3000);
      clients.forEach(({ s }, i) => s.write(goimPacket(7, i, `${i}:${body}`)));
      await eventually(() => clients.every(({ r }) => r.packets.length === 1), 10_000,
        () => `auth replies ${clients.filter(({ r }) => r.packets.length === 1).length}/30, closes ${[...seen.closes.values()].map((c) => c.reason)}`);
      expect(seen.closes.size).toBe(0);
      expect(clients.map(({ r }) => r.packets[0]?.op)).toEqual(clients.map(() => 8));
      expect(seen.auths.map((a) => a.seq).sort((a, b) => a - b)).toEqual(clients.map((_c, i) => i));
    });

    it('a packet other than auth first closes with auth-required and never reaches JS', async () => {
      const { seen, client } = await start({}, { onAuth: () => true });
      const early = await client();
      const beat = await client();
      early.s.write(goimPacket(4, 1, 'too early'));
      beat.s.write(goimPacket(2, 1)); // goim's Comet wants the auth before heartbeats too
      await eventually(() => seen.closes.size === 2, 5000, () => `closes ${seen.closes.size}`);
      for (const c of [early, beat]) {
        expect(seen.closes.get(c.port)?.reason).toBe('auth-required');
        expect(seen.closes.get(c.port)?.error).toBeInstanceOf(AuthRequiredError);
      }
      expect(seen.frames).toEqual([]);
      expect(seen.auths).toEqual([]);
      expect(beat.r.packets).toEqual([]);
    });

    it('a packet sent while the auth is still pending closes with auth-required', async () => {
      const { seen, client } = await start({}, { onAuth: () => new Promise<boolean>(() => undefined) });
      const { s, port } = await client();
      s.write(goimPacket(7, 1, 'tok'));
      await eventually(() => seen.auths.length === 1, 5000, () => 'onAuth not called');
      s.write(goimPacket(4, 2, 'not yet'));
      await eventually(() => seen.closes.has(port), 5000, () => 'not closed');
      expect(seen.closes.get(port)?.reason).toBe('auth-required');
      expect(seen.frames).toEqual([]);
    });

    it('a rejected auth closes gracefully with auth-rejected', async () => {
      const { seen, client } = await start({}, { onAuth: (_c, f) => f.body.toString() === 'good' });
      const bad = await client();
      const good = await client();
      bad.s.write(goimPacket(7, 1, 'bad'));
      good.s.write(goimPacket(7, 1, 'good'));
      await eventually(() => seen.closes.has(bad.port), 5000, () => 'bad not closed');
      expect(seen.closes.get(bad.port)?.reason).toBe('auth-rejected');
      expect(seen.closes.get(bad.port)?.error).toBeInstanceOf(AuthRejectedError);
      await eventually(() => bad.r.ended, 5000, () => 'no FIN for the rejected client');
      expect(bad.r.packets).toEqual([]);
      await eventually(() => good.r.packets.length === 1, 5000, () => 'good not accepted');
      expect(good.r.packets[0]?.op).toBe(8);
    });

    it('only true or { body } accept: other objects and truthy values reject (fail closed)', async () => {
      const answers: unknown[] = [{}, { ok: true }, { body: 42 }, 1, 'yes', null, undefined];
      const { seen, client } = await start({}, {
        onAuth: (_c, f) => (f.body.toString() === 'good' ? { body: 'welcome' } : answers[Number(f.body.toString())]) as GoimAuthResult,
      });
      const bad = await Promise.all(answers.map(() => client()));
      const good = await client();
      bad.forEach(({ s }, i) => s.write(goimPacket(7, i, String(i))));
      good.s.write(goimPacket(7, 99, 'good'));
      await eventually(() => bad.every((b) => seen.closes.has(b.port)), 5000, () => `closed ${bad.filter((b) => seen.closes.has(b.port)).length}/${bad.length}`);
      for (const b of bad) {
        expect(seen.closes.get(b.port)?.reason).toBe('auth-rejected');
        expect(b.r.packets).toEqual([]);
      }
      await eventually(() => good.r.packets.length === 1, 5000, () => 'good not accepted');
      expect(good.r.packets[0]).toMatchObject({ op: 8, seq: 99 });
      expect(good.r.packets[0]?.body.toString()).toBe('welcome');
    });

    it('authTimeout closes a connection that never authenticates (auth-timeout); an accepted one stays', async () => {
      const { seen, client } = await start({ authTimeout: 300 }, { onAuth: () => true });
      const silent = await client();
      const authed = await client();
      authed.s.write(goimPacket(7, 1, 'tok'));
      await eventually(() => seen.closes.has(silent.port), 5000, () => 'silent not closed');
      const c = seen.closes.get(silent.port);
      expect(c?.reason).toBe('auth-timeout');
      expect((c?.error as ConnectionTimeoutError).code).toBe('ERR_AUTH_TIMEOUT');
      await sleep(400);
      expect(seen.closes.has(authed.port)).toBe(false);
      authed.s.write(goimPacket(4, 2, 'still here'));
      await eventually(() => authed.r.packets.length === 2, 5000, () => `replies ${authed.r.ops()}`);
    });
  });

  describe('checksum', () => {
    it('on: packets carry a CRC-32 of the body in a 20-byte header, both ways; a bad one closes (bad-frame)', async () => {
      const { seen, server, client } = await start({ checksum: true });
      const ok = await client();
      const corrupt = await client();
      const plain = await client();
      ok.s.write(goimPacket(4, 1, 'checked', { checksum: true }));
      ok.s.write(goimPacket(2, 2, '', { checksum: true }));
      const bad = goimPacket(4, 1, 'checked', { checksum: true });
      bad[bad.length - 1] ^= 0x01;
      corrupt.s.write(bad);
      plain.s.write(goimPacket(4, 1, 'no checksum'));
      await eventually(() => ok.r.packets.length === 2, 5000, () => 'no replies');
      for (const p of ok.r.packets) {
        expect(p.headerLen).toBe(20);
        expect(p.checksum).toBe(crc32(p.body));
      }
      // The heartbeat reply is native: it may overtake the reply JS sends to the message before it.
      expect(ok.r.ops().sort()).toEqual([3, 5]);
      // A broadcast is encoded once with the same encoder: it carries the checksum too.
      expect(server.broadcastAll({ op: 9, seq: 3, body: 'to all' })).toBe(true);
      await eventually(() => ok.r.packets.length === 3, 5000, () => 'no broadcast');
      expect(ok.r.packets[2]).toMatchObject({ op: 9, seq: 3, headerLen: 20, checksum: crc32(Buffer.from('to all')) });
      await eventually(() => seen.closes.size === 2, 5000, () => `closes ${seen.closes.size}`);
      expect(seen.closes.get(corrupt.port)?.reason).toBe('bad-frame');
      expect(seen.closes.get(plain.port)?.reason).toBe('bad-frame');
      expect(seen.frames).toEqual([{ op: 4, seq: 1, ver: 1, body: 'checked' }]);
    });

    it('off (default): a 20-byte header is just a longer header; replies use 16 bytes', async () => {
      const { seen, client } = await start();
      const { s, r } = await client();
      s.write(goimPacket(4, 1, 'x', { checksum: true }));
      await eventually(() => r.packets.length === 1, 5000, () => 'no reply');
      expect(r.packets[0]?.headerLen).toBe(16);
      expect(seen.frames).toEqual([{ op: 4, seq: 1, ver: 1, body: 'x' }]);
    });
  });
});

describe('goim options and send()', () => {
  it('are validated', () => {
    const goim = (f: Record<string, unknown>) => createServer({ framing: { type: 'goim', ...f } as GoimFramingOptions }, {});
    expect(() => goim({ maxFrameLength: 15 })).toThrow(InvalidOptionError);
    expect(() => goim({ checksum: true, maxFrameLength: 19 })).toThrow(InvalidOptionError);
    expect(() => goim({ extendedHeader: 'maybe' })).toThrow(InvalidOptionError);
    expect(() => goim({ heartbeatTimeout: -1 })).toThrow(InvalidOptionError);
    expect(() => goim({ ver: 70000 })).toThrow(InvalidOptionError);
    expect(() => goim({ bogus: 1 })).toThrow(InvalidOptionError);
    expect(() => createServer({ framing: { type: 'length' } }, { onAuth: () => true })).toThrow(InvalidOptionError);
    expect(() => goim({ heartbeatTimeout: 1000, authTimeout: 0, checksum: true, extendedHeader: 'reject', ver: 2 })).not.toThrow();
  });

  const h = useHarness();
  it('send() takes { op, seq, ver, body } and refuses bytes or an oversized body', async () => {
    const errors: unknown[] = [];
    const { port } = await h.listen({ framing: { type: 'goim', maxFrameLength: 64 } }, {
      onOpen: (conn) => {
        for (const bad of [Buffer.from('raw'), { op: -1 }, { op: 1, seq: 2 ** 32 }]) {
          try {
            conn.send(bad as never);
          } catch (e) {
            errors.push(e);
          }
        }
        try {
          conn.send({ op: 4, body: Buffer.alloc(49) });
        } catch (e) {
          errors.push(e);
        }
        conn.send({ op: 4, seq: 9, body: Buffer.alloc(48, 0x61) });
        conn.send({ op: 6 });
      },
    } as GoimHandlers);
    const s = await h.connect(port);
    const r = new GoimReader(s);
    await eventually(() => r.packets.length === 2, 5000, () => 'no packets');
    expect(errors.length).toBe(4);
    expect(errors.slice(0, 3).every((e) => e instanceof TypeError)).toBe(true);
    expect(errors[3]).toBeInstanceOf(InvalidFrameError);
    expect(r.packets.map((p) => [p.op, p.seq, p.ver, p.body.length])).toEqual([[4, 9, 1, 48], [6, 0, 1, 0]]);
  });
});
