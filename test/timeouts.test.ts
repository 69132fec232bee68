/**
 * Connection timeouts: idleTimeout (no bytes either way) and readTimeout
 * (nothing received). A timed-out connection closes with its own reason and a
 * ConnectionTimeoutError; an active one is left alone; other connections carry on.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionTimeoutError, InvalidOptionError, createServer, type CloseReason } from '../src/index';
import { lengthFrame, sleep } from './support/net';
import { FrameReader, eventually, useHarness } from './support/harness';
import { VARIANTS } from './support/variants';

interface Closed {
  reason: CloseReason;
  error: Error | undefined;
  at: number;
}

describe.each(VARIANTS)('timeouts ($name)', ({ options }) => {
  const h = useHarness();

  function recordingEcho(extra: Record<string, unknown>) {
    const closes = new Map<number, Closed>();
    const opened = new Map<number, number>();
    return {
      closes,
      opened,
      start: () =>
        h.listen(
          { ...options, ...extra },
          {
            onOpen: (conn) => void opened.set(conn.remotePort, Date.now()),
            onFrame: (conn, frame) => void conn.send(frame),
            onClose: (conn, reason, error) => void closes.set(conn.remotePort, { reason, error, at: Date.now() }),
          },
        ),
    };
  }

  it('idleTimeout closes a silent connection with FIN and reason idle-timeout; a busy one stays', async () => {
    // Generous against a loaded machine: the busy client's timers may stall for
    // a few hundred ms without the connection looking idle for a whole second.
    const srv = recordingEcho({ idleTimeout: 1000 });
    const { port } = await srv.start();
    const silent = await h.connect(port);
    const busy = await h.connect(port);
    const silentPort = silent.localPort as number; // a closed socket forgets it
    const silentReader = new FrameReader(silent);
    const busyReader = new FrameReader(busy);
    const started = Date.now();
    // The busy client talks every 50 ms for 2.2 s: two idle timeouts' worth.
    for (let i = 0; i < 44; i++) {
      busy.write(lengthFrame(`ping ${i}`));
      await sleep(50);
    }
    await eventually(() => busyReader.frames.length === 44, 5000, () => `busy got ${busyReader.frames.length}`);
    expect(busyReader.texts()).toEqual(Array.from({ length: 44 }, (_, i) => `ping ${i}`));
    expect(busyReader.ended).toBe(false);

    await eventually(() => silentReader.closed, 5000, () => `silent events ${silentReader.events}`);
    // Graceful: the client sees a FIN, not a reset.
    expect(silentReader.events).toEqual(['end', 'close']);
    // The server reports the close once the client's FIN completes the handshake.
    await eventually(() => srv.closes.has(silentPort), 5000, () => 'no onClose');
    const c = srv.closes.get(silentPort);
    expect(c?.reason).toBe('idle-timeout');
    expect(c?.error).toBeInstanceOf(ConnectionTimeoutError);
    expect((c?.error as ConnectionTimeoutError).code).toBe('ERR_IDLE_TIMEOUT');
    expect((c?.error as ConnectionTimeoutError).timeout).toBe('idle');
    // Not before the timeout; not absurdly late (sweep every ~40 ms here).
    const openedAt = srv.opened.get(silentPort) as number;
    expect((c as Closed).at - openedAt).toBeGreaterThanOrEqual(980);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(srv.closes.has(busy.localPort as number)).toBe(false);
  });

  it('idleTimeout counts output too: a client that only receives is not idle', async () => {
    let pusher: NodeJS.Timeout | undefined;
    const closes: CloseReason[] = [];
    const { port } = await h.listen(
      { ...options, idleTimeout: 1000 },
      {
        onOpen: (conn) => {
          let n = 0;
          pusher = setInterval(() => conn.send(Buffer.from(`push ${n++}`)), 40);
        },
        onFrame: () => undefined,
        onClose: (_c, reason) => {
          clearInterval(pusher);
          closes.push(reason);
        },
      },
    );
    const s = await h.connect(port);
    const reader = new FrameReader(s);
    await sleep(2500);
    expect(reader.closed).toBe(false);
    expect(closes).toEqual([]);
    expect(reader.frames.length).toBeGreaterThan(5);
    clearInterval(pusher);
  });

  it('readTimeout closes a connection that only receives, with reason read-timeout', async () => {
    let pusher: NodeJS.Timeout | undefined;
    const closes: Array<{ reason: CloseReason; error?: Error }> = [];
    const { port } = await h.listen(
      { ...options, readTimeout: 300 },
      {
        onOpen: (conn) => {
          pusher = setInterval(() => conn.send(Buffer.from('tick')), 30);
        },
        onFrame: (conn, frame) => void conn.send(frame),
        onClose: (_c, reason, error) => {
          clearInterval(pusher);
          closes.push({ reason, error });
        },
      },
    );
    const s = await h.connect(port);
    const reader = new FrameReader(s);
    await eventually(() => reader.closed, 5000, () => `events ${reader.events.slice(-3)}`);
    await eventually(() => closes.length === 1, 5000, () => 'no onClose');
    expect(closes[0]?.reason).toBe('read-timeout');
    expect((closes[0]?.error as ConnectionTimeoutError).code).toBe('ERR_READ_TIMEOUT');
    expect(reader.frames.length).toBeGreaterThan(0); // it was receiving all along (timing varies under load)
    expect(reader.texts().every((t) => t === 'tick')).toBe(true);
  });

  it('a timed-out connection does not disturb the others, and new ones are accepted', async () => {
    const srv = recordingEcho({ idleTimeout: 200 });
    const { port } = await srv.start();
    const idle = await h.connect(port);
    const idleReader = new FrameReader(idle);
    await eventually(() => idleReader.closed, 5000, () => `idle events ${idleReader.events}`);
    const fresh = await h.connect(port);
    const reader = new FrameReader(fresh);
    fresh.write(lengthFrame('after'));
    await eventually(() => reader.frames.length === 1, 5000, () => 'no echo after a timeout');
    expect(reader.texts()).toEqual(['after']);
  });
});

describe('timeout options', () => {
  it('are validated', () => {
    for (const bad of [-1, 1.5, 'x', 2 ** 31]) {
      expect(() => createServer({ idleTimeout: bad as number }, { onFrame() {} })).toThrow(InvalidOptionError);
      expect(() => createServer({ readTimeout: bad as number }, { onFrame() {} })).toThrow(InvalidOptionError);
    }
    expect(() => createServer({ idleTimeout: 0, readTimeout: 0 }, { onFrame() {} })).not.toThrow();
  });
});
