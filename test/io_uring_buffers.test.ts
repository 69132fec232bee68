/**
 * io_uring provided buffers, published adaptively (native/io_uring/buffer_ring.h):
 * about 1 MiB of them in the kernel's ring at first, more whenever a recv
 * finds it empty. What a user relies on: under bursts from many connections
 * every byte arrives whole and in order, no buffer is lost (stats:
 * providedBuffersHeld back to 0), and the ring grows instead of starving; with
 * RINGNET_IO_URING_ADAPTIVE_BUFFERS=0 (every buffer published, the old way)
 * the same holds. Real sockets, inline and threaded workers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../src/index';
import { native } from '../src/native';
import { blockFor, pattern, useHarness, withTimeout, writeAll } from './support/harness';
import { lengthFrame, readBytes, waitFor } from './support/net';

const available = native.backendAvailable(1) === true;
const VARIANTS = [
  { name: 'io_uring/inline', options: { backend: 'io_uring' as const, workers: 1, inlineWorker: true } },
  { name: 'io_uring/threads', options: { backend: 'io_uring' as const, workers: 2, inlineWorker: false } },
];
// 64 buffers of 64 KiB: 16 (1 MiB) published at first when adaptive.
const IO_URING = { bufferCount: 64, bufferSize: 65536 };
const FIRST = 16;

describe.skipIf(!available).each(VARIANTS)('io_uring provided buffers ($name)', (variant) => {
  const h = useHarness();
  afterEach(() => {
    delete process.env.RINGNET_IO_URING_ADAPTIVE_BUFFERS;
  });

  for (const adaptive of [true, false]) {
    it(`${adaptive ? 'adaptive' : 'all published (RINGNET_IO_URING_ADAPTIVE_BUFFERS=0)'}: bursts from 48 connections arrive whole and in order, no buffer is kept, the ring grows (adaptive) or stays whole`, async () => {
      process.env.RINGNET_IO_URING_ADAPTIVE_BUFFERS = adaptive ? '1' : '0';
      const conns = 48;
      const perConn = 512 * 1024;
      const received = new Map<number, Buffer[]>();
      let total = 0;
      let calls = 0;
      const { server, port } = await h.listen(
        { ...variant.options, framing: { type: 'raw' }, ioUring: IO_URING },
        {
          onFrame(c: Connection, chunk) {
            let list = received.get(c.id);
            if (!list) received.set(c.id, (list = []));
            list.push(Buffer.from(chunk));
            total += chunk.length;
            // The JS thread (inline: the reactor too) stalls now and then, so
            // the kernel's recvs pile up and the ring runs dry.
            if (++calls % 48 === 0) blockFor(10);
          },
        },
      );
      const sockets = await Promise.all(Array.from({ length: conns }, () => h.connect(port)));
      const payloads = sockets.map((_, i) => pattern(i + 7, perConn));
      await Promise.all(sockets.map((s, i) => {
        const p = payloads[i]!;
        const pieces: Buffer[] = [];
        for (let off = 0; off < p.length; off += 64 * 1024) pieces.push(p.subarray(off, off + 64 * 1024));
        return writeAll(s, pieces);
      }));
      await withTimeout(waitFor(() => total === conns * perConn, 60_000, 'all bytes'), 65_000, 'every byte');
      const expected = new Set(payloads.map((p) => p.toString('base64')));
      expect(received.size).toBe(conns);
      for (const list of received.values()) {
        const got = Buffer.concat(list);
        expect(got.length).toBe(perConn);
        expect(expected.has(got.toString('base64'))).toBe(true);
      }
      // Between passes the reactor holds no buffer: every one the kernel filled came back.
      await waitFor(() => server.stats().workers.every((w) => w.providedBuffersHeld === 0), 5_000, 'buffers back');
      const published = server.stats().workers.map((w) => w.providedBuffers);
      for (const n of published) {
        expect(n).toBeGreaterThanOrEqual(adaptive ? FIRST : IO_URING.bufferCount);
        expect(n).toBeLessThanOrEqual(IO_URING.bufferCount);
      }
      // The bursts made the ring run dry somewhere: it grew there instead of starving.
      if (adaptive) expect(Math.max(...published)).toBeGreaterThan(FIRST);
      else expect(published.every((n) => n === IO_URING.bufferCount)).toBe(true);
      expect(server.stats().bytesIn).toBe(conns * perConn);
      for (const s of sockets) s.destroy();
    });
  }

  it('adaptive: length-framed echo across buffer boundaries is byte-exact and the ring starts at 1 MiB', async () => {
    const { server, port } = await h.listen(
      { ...variant.options, framing: { type: 'length' }, ioUring: IO_URING },
      { onFrame: (c, f) => void c.send(f) },
    );
    const clients = await Promise.all(Array.from({ length: 6 }, () => h.connect(port)));
    await Promise.all(clients.map(async (s, i) => {
      // Frames of odd sizes, 40 at once: recvs end mid-frame at buffer ends.
      const frames = Array.from({ length: 40 }, (_, k) => lengthFrame(pattern(i * 100 + k, 4093 + 37 * k)));
      const wire = Buffer.concat(frames);
      const got = readBytes(s, wire.length);
      s.write(wire);
      expect((await got).equals(wire)).toBe(true);
    }));
    const workers = server.stats().workers;
    expect(workers.every((w) => w.providedBuffersHeld === 0)).toBe(true);
    expect(workers.every((w) => w.providedBuffers >= FIRST && w.providedBuffers <= IO_URING.bufferCount)).toBe(true);
    for (const s of clients) s.destroy();
  });
});
