/**
 * Load over real sockets: 1000 concurrent connections each echoing 1 MiB with
 * every byte checked, and 2000 short-lived connections after which the server
 * holds no connection and no file descriptor more than before.
 */
import * as fs from 'node:fs';
import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { pattern, useHarness, withTimeout, writeAll } from './support/harness';
import { lengthFrame, waitFor } from './support/net';
import { VARIANTS } from './support/variants';

const KiB = 1024;
const MiB = 1024 * KiB;

const CONNECTIONS = 1000;
const FRAME = 64 * KiB;
const FRAMES = 16; // 1 MiB of payload per connection
const HEADER = Buffer.alloc(4);
HEADER.writeUInt32BE(FRAME, 0);
/** Every connection's payload is a window of this at its own offset. */
const BASE = pattern(0xc0ffee, 2 * MiB);

function payload(conn: number, frame: number): Buffer {
  const start = ((conn * 104_729) % MiB) + frame * FRAME;
  return BASE.subarray(start, start + FRAME);
}

/** Checks an echoed stream (header + payload, FRAMES times) chunk by chunk, without buffering it. */
class EchoChecker {
  received = 0;
  mismatch: string | undefined;
  readonly expected = FRAMES * (4 + FRAME);

  constructor(private readonly conn: number) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.mismatch === undefined) {
      if (this.received >= this.expected) {
        this.mismatch = `${chunk.length - at} bytes more than expected`;
        return;
      }
      const frame = Math.floor(this.received / (4 + FRAME));
      const inFrame = this.received % (4 + FRAME);
      const want =
        inFrame < 4 ? HEADER.subarray(inFrame) : payload(this.conn, frame).subarray(inFrame - 4);
      const n = Math.min(want.length, chunk.length - at);
      if (!chunk.subarray(at, at + n).equals(want.subarray(0, n))) {
        this.mismatch = `bytes differ in frame ${frame} at offset ${inFrame}`;
      }
      at += n;
      this.received += n;
    }
  }

  get done(): boolean {
    return this.received === this.expected || this.mismatch !== undefined;
  }
}

function* echoRequest(conn: number): Generator<Buffer> {
  for (let k = 0; k < FRAMES; k++) {
    yield HEADER;
    yield payload(conn, k);
  }
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** Settles when the socket is closed (errors are expected for some scripts). */
function whenClosed(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    s.on('error', () => {});
    if (s.destroyed && s.closed) resolve();
    else s.once('close', () => resolve());
  });
}

describe.each(VARIANTS)('load ($name)', (variant) => {
  const h = useHarness();

  it(`${CONNECTIONS} concurrent connections each echo ${(FRAMES * FRAME) / MiB} MiB, every byte checked`, async () => {
    const { server, port } = await h.listen({ ...variant.options }, { onFrame: (c, f) => void c.send(f) });

    const sockets: net.Socket[] = [];
    for (let i = 0; i < CONNECTIONS; i += 250) {
      const wave = Array.from({ length: Math.min(250, CONNECTIONS - i) }, () => h.connect(port));
      sockets.push(...(await Promise.all(wave)));
    }
    await waitFor(() => server.stats().connections === CONNECTIONS, 10_000, 'every connection accepted');

    const started = Date.now();
    const checkers = sockets.map((s, i) => {
      const checker = new EchoChecker(i);
      s.on('data', (d: Buffer) => checker.push(d));
      s.on('error', (e: Error & { code?: string }) => (checker.mismatch ??= `socket error ${e.code}`));
      return checker;
    });
    const writes = sockets.map((s, i) => writeAll(s, echoRequest(i)));
    await Promise.all(writes);
    await waitFor(
      () => checkers.every((c) => c.done),
      90_000,
      `every echo (${checkers.filter((c) => c.done).length}/${CONNECTIONS} done)`,
    );
    const seconds = (Date.now() - started) / 1000;

    const bad = checkers.map((c, i) => (c.mismatch ? `connection ${i}: ${c.mismatch}` : '')).filter(Boolean);
    expect(bad.slice(0, 5)).toEqual([]);
    expect(checkers.every((c) => c.received === c.expected)).toBe(true);
    const stats = server.stats();
    expect(stats.framesIn).toBe(CONNECTIONS * FRAMES);
    expect(stats.framesOut).toBe(CONNECTIONS * FRAMES);
    expect(stats.bytesIn).toBe(CONNECTIONS * FRAMES * (FRAME + 4));
    console.info(
      `${variant.name}: ${CONNECTIONS} x ${(FRAMES * FRAME) / MiB} MiB echoed in ${seconds.toFixed(1)} s ` +
        `(${((CONNECTIONS * FRAMES * FRAME) / MiB / seconds).toFixed(0)} MiB/s each way)`,
    );
  }, 120_000);

  it('2000 short-lived connections: connections and open fds back to their baseline', async () => {
    let opens = 0;
    let closes = 0;
    const { server, port } = await h.listen(
      { ...variant.options },
      {
        onOpen: () => void opens++,
        onFrame: (c, f) => void c.send(f),
        onClose: () => void closes++,
      },
    );
    const baseline = openFds();

    // Three ways to be short-lived: close at once, a request/response then FIN, a request then RST.
    const lifetimes: Array<(s: net.Socket) => Promise<void>> = [
      async (s) => {
        s.destroy();
      },
      async (s) => {
        s.write(lengthFrame('ping'));
        await new Promise<void>((resolve) => s.once('data', () => resolve()));
        s.end();
      },
      async (s) => {
        s.write(lengthFrame('ping'));
        s.resetAndDestroy();
      },
    ];
    const one = async (i: number) => {
      const s = await h.connect(port);
      const done = whenClosed(s);
      await withTimeout(lifetimes[i % lifetimes.length]!(s), 5000, `connection ${i} (lifetime ${i % 3}): request`);
      await withTimeout(done, 5000, `connection ${i} (lifetime ${i % 3}): close`);
    };
    const TOTAL = 2000;
    const PARALLEL = 100;
    for (let i = 0; i < TOTAL; i += PARALLEL) {
      await Promise.all(Array.from({ length: PARALLEL }, (_, j) => one(i + j)));
    }

    await waitFor(() => server.stats().connections === 0, 2000, `stats().connections === 0 (${server.stats().connections})`);
    await waitFor(() => opens === closes, 2000, `onClose for every onOpen (${closes}/${opens})`);
    expect(server.connections()).toHaveLength(0);
    const stats = server.stats();
    const accepted = stats.workers.reduce((a, w) => a + w.accepted, 0);
    const closed = stats.workers.reduce((a, w) => a + w.closed, 0);
    expect(accepted).toBeGreaterThanOrEqual(Math.floor(TOTAL / 3)); // at least every request/response one
    expect(closed).toBe(accepted);
    expect(opens).toBe(accepted);
    await waitFor(() => openFds() <= baseline, 2000, `open fds back to ${baseline} (now ${openFds()})`);
  }, 60_000);
});
