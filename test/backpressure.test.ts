/**
 * Flow control over real sockets: send()'s return value and onDrain against a
 * client that stops reading, the maxOutbound limit, and a JS thread that falls
 * behind the native readers (arenas exhausted) without losing frames.
 */
import { describe, expect, it } from 'vitest';
import { BackpressureError, type CloseReason, type Connection } from '../src/index';
import { blockFor, eventually, FrameReader, pattern, useHarness } from './support/harness';
import { lengthFrame, sleep, waitFor } from './support/net';
import { VARIANTS } from './support/variants';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Payload number i: its index in the first 4 bytes, then pseudo-random bytes. */
function numbered(i: number, size: number): Buffer {
  const p = pattern(i + 1, size);
  p.writeUInt32BE(i, 0);
  return p;
}

describe.each(VARIANTS)('backpressure ($name)', (variant) => {
  const h = useHarness();

  it('send() returns false for a client that stops reading; memory stays bounded; onDrain resumes; nothing lost', async () => {
    const CHUNK = 64 * KiB;
    const highWaterMark = 64 * KiB;
    const maxOutbound = 8 * MiB;
    const p = {
      conn: undefined as Connection | undefined,
      sent: 0,
      falses: 0,
      drains: 0,
      waiting: false, // last send() said false: wait for onDrain
      lastActivity: Date.now(),
      target: Infinity, // stop (and end) after this many payloads
      bufferedAtFalse: 0,
    };
    const pump = () => {
      const c = p.conn as Connection;
      p.waiting = false;
      p.lastActivity = Date.now();
      for (let n = 0; n < 8; n++) {
        if (p.sent >= p.target) {
          c.end();
          return;
        }
        if (!c.send(numbered(p.sent++, CHUNK))) {
          p.falses++;
          p.waiting = true;
          p.bufferedAtFalse = c.bufferedAmount;
          return;
        }
      }
      setImmediate(pump);
    };
    const { port } = await h.listen(
      { ...variant.options, highWaterMark, maxOutbound },
      {
        onFrame(c) {
          p.conn = c;
          pump();
        },
        onDrain() {
          p.drains++;
          pump();
        },
      },
    );
    const client = await h.connect(port);
    const reader = new FrameReader(client);
    client.pause();

    const rss0 = process.memoryUsage().rss;
    client.write(lengthFrame('go'));
    await sleep(1000); // the producer pushes for a second
    const rss1 = process.memoryUsage().rss;
    await waitFor(() => p.waiting && Date.now() - p.lastActivity > 300, 5000, 'producer to stall on send() === false');

    const conn = p.conn as Connection;
    expect(p.falses).toBeGreaterThan(0);
    expect(p.bufferedAtFalse).toBeGreaterThan(highWaterMark);
    // Stalled with output still queued (the kernel buffers are full); an empty
    // queue here would mean an onDrain that never came.
    expect(conn.bufferedAmount, 'queue empty but the producer is still waiting for onDrain').toBeGreaterThan(0);
    expect(conn.bufferedAmount).toBeLessThan(maxOutbound);
    expect(p.sent * CHUNK).toBeLessThan(maxOutbound); // false came long before the hard limit
    expect(rss1 - rss0).toBeLessThan(2 * maxOutbound);
    expect(conn.closed).toBe(false);

    const sentBeforeResume = p.sent;
    const drainsBeforeResume = p.drains;
    p.target = sentBeforeResume + 16;
    client.resume();
    await eventually(() => reader.ended, 15_000, () => `all frames and end: got ${reader.frames.length}/${p.target}, drains ${p.drains}`);
    expect(p.drains).toBeGreaterThan(drainsBeforeResume);
    expect(reader.frames.length).toBe(p.target);
    reader.frames.forEach((f, i) => {
      if (!f.equals(numbered(i, CHUNK))) expect.fail(`frame ${i} (header says ${f.readUInt32BE(0)}) is corrupt`);
    });
    expect(reader.partialBytes).toBe(0);
  });

  it("maxOutbound: ignoring send()'s false gets the connection closed ('backpressure', ERR_BACKPRESSURE); others are served", async () => {
    const closes = new Map<number, { reason: CloseReason; error?: Error }>();
    const sendResults: boolean[] = [];
    const chunk = pattern(3, 64 * KiB);
    const { server, port } = await h.listen(
      { ...variant.options, maxOutbound: 1 * MiB },
      {
        onFrame(c, f) {
          if (f.toString() === 'flood') {
            for (let i = 0; i < 64; i++) sendResults.push(c.send(chunk)); // 4 MiB, return value ignored
          } else {
            c.send(`pong:${f}`);
          }
        },
        onClose: (c, reason, error) => void closes.set(c.id, { reason, error }),
      },
    );
    const other = await h.connect(port);
    const otherReader = new FrameReader(other);
    const flooded = await h.connect(port);
    flooded.on('error', () => {}); // it will be reset
    flooded.pause(); // never reads

    flooded.write(lengthFrame('flood'));
    await eventually(() => closes.size === 1, 5000, () => `onClose for the flooded connection (sends: ${sendResults.filter((r) => r).length} true, ${sendResults.filter((r) => !r).length} false)`);
    const [closed] = [...closes.values()];
    expect(closed?.reason).toBe('backpressure');
    expect(closed?.error).toBeInstanceOf(BackpressureError);
    expect((closed?.error as BackpressureError).code).toBe('ERR_BACKPRESSURE');
    expect(sendResults.at(-1)).toBe(false);

    other.write(lengthFrame('still-there'));
    await waitFor(() => otherReader.frames.length === 1, 5000, 'pong');
    expect(otherReader.texts()).toEqual(['pong:still-there']);
    const late = await h.connect(port);
    const lateReader = new FrameReader(late);
    late.write(lengthFrame('late'));
    await waitFor(() => lateReader.frames.length === 1, 5000, 'pong for a new client');
    expect(lateReader.texts()).toEqual(['pong:late']);
    expect(server.connections()).toHaveLength(2);
    expect(closes.size).toBe(1);
  });

  it('a JS thread that falls behind (busy for 200 ms, batchArenas 1, batchBytes 4096) loses no frame and keeps order', async () => {
    let blocked = false;
    const { server, port } = await h.listen(
      { ...variant.options, batchArenas: 1, batchBytes: 4096 },
      {
        onFrame(c, f) {
          if (!blocked) {
            blocked = true;
            blockFor(200);
          }
          c.send(f);
        },
      },
    );
    const CLIENTS = 4;
    const FRAMES = 3000;
    const streams = Array.from({ length: CLIENTS }, (_, k) =>
      Buffer.concat(
        Array.from({ length: FRAMES }, (_, i) => {
          // 0..3071 bytes: small frames share the arena, those over 2048 take the big-frame path.
          const size = (i * 7919 + k * 104729) % 3072;
          return lengthFrame(pattern(k * FRAMES + i, size));
        }),
      ),
    );
    const clients = await Promise.all(streams.map(() => h.connect(port)));
    const received = clients.map((c) => {
      const chunks: Buffer[] = [];
      c.on('data', (d: Buffer) => chunks.push(d));
      return chunks;
    });
    const total = (k: number) => received[k]!.reduce((a, b) => a + b.length, 0);
    clients.forEach((c, k) => c.write(streams[k] as Buffer)); // blast everything at once

    await waitFor(
      () => streams.every((s, k) => total(k) >= s.length),
      30_000,
      `every echo (${streams.map((s, k) => `${total(k)}/${s.length}`).join(', ')})`,
    );
    streams.forEach((s, k) => {
      const got = Buffer.concat(received[k]!);
      expect(got.length, `client ${k}`).toBe(s.length);
      expect(got.equals(s), `client ${k}: echoed bytes differ from what was sent`).toBe(true);
    });
    expect(blocked).toBe(true);
    expect(server.stats().framesIn).toBe(CLIENTS * FRAMES);
  });
});
