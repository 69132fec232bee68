/**
 * io_uring under pipelined 4 KiB echo (issue 12: "c100-d16-4K"): many
 * connections, each keeping 16 length-framed 4 KiB frames in flight and
 * sending the next one only when an echo comes back, as the lab's load
 * generator does. What a user relies on: every frame comes back byte-exact
 * and in order on its own connection, and no connection waits for its echo
 * while the others are served (each echo within a generous 2 s: a correctness
 * bound against a stall, not a speed target). Run with the default buffer
 * ring, with a tiny one (8 buffers of 4 KiB: the multishot recvs keep finding
 * it empty, ENOBUFS, and must be re-armed), and with every buffer published;
 * inline and threaded workers.
 */
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { native } from '../src/native';
import { pattern, useHarness, withTimeout } from './support/harness';
import { lengthFrame } from './support/net';

const available = native.backendAvailable(1) === true;
const VARIANTS = [
  { name: 'io_uring/inline', options: { backend: 'io_uring' as const, workers: 1, inlineWorker: true } },
  { name: 'io_uring/threads', options: { backend: 'io_uring' as const, workers: 2, inlineWorker: false } },
];
const RINGS = [
  { name: 'adaptive ring (RINGNET_IO_URING_ADAPTIVE_BUFFERS=1)', ioUring: {}, adaptive: true },
  { name: 'tiny ring (8 x 4 KiB: ENOBUFS)', ioUring: { bufferCount: 8, bufferSize: 4096 }, adaptive: true },
  { name: 'every buffer published (the default)', ioUring: {}, adaptive: false },
];
const CONNS = 32;
const FRAMES = 48;
const DEPTH = 16;
const PAYLOAD = 4096;
const MAX_WAIT_MS = 2000;

interface Result {
  echoed: number;
  maxWaitMs: number;
}

/** One client: DEPTH frames in flight, the next sent as each echo arrives; checks every byte. */
function pipeline(s: net.Socket, seed: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const payloads = Array.from({ length: FRAMES }, (_, k) => pattern(seed * 1000 + k, PAYLOAD));
    const sentAt: number[] = [];
    let sent = 0;
    let echoed = 0;
    let maxWaitMs = 0;
    let buf: Buffer = Buffer.alloc(0);
    const sendNext = () => {
      sentAt[sent] = performance.now();
      s.write(lengthFrame(payloads[sent]!));
      sent++;
    };
    s.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (buf.length < 4 + len) break;
        const frame = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (!frame.equals(payloads[echoed]!)) {
          reject(new Error(`connection ${seed}: echo ${echoed} differs (${len} bytes)`));
          s.destroy();
          return;
        }
        maxWaitMs = Math.max(maxWaitMs, performance.now() - sentAt[echoed]!);
        echoed++;
        if (sent < FRAMES) sendNext();
        if (echoed === FRAMES) {
          resolve({ echoed, maxWaitMs });
          return;
        }
      }
    });
    s.on('error', reject);
    s.on('close', () => {
      if (echoed < FRAMES) reject(new Error(`connection ${seed} closed after ${echoed} echoes`));
    });
    for (let k = 0; k < DEPTH; k++) sendNext();
  });
}

describe.skipIf(!available).each(VARIANTS)('io_uring pipelined 4 KiB echo ($name)', (variant) => {
  const h = useHarness();
  afterEach(() => {
    delete process.env.RINGNET_IO_URING_ADAPTIVE_BUFFERS;
  });

  for (const ring of RINGS) {
    it(`${ring.name}: ${CONNS} connections x ${FRAMES} frames, ${DEPTH} in flight: every echo byte-exact, none waits > ${MAX_WAIT_MS} ms`, async () => {
      process.env.RINGNET_IO_URING_ADAPTIVE_BUFFERS = ring.adaptive ? '1' : '0';
      const { server, port } = await h.listen(
        { ...variant.options, framing: { type: 'length' }, ioUring: ring.ioUring },
        { onFrame: (c, f) => void c.send(f) },
      );
      const sockets = await Promise.all(Array.from({ length: CONNS }, () => h.connect(port)));
      const results = await withTimeout(Promise.all(sockets.map((s, i) => pipeline(s, i + 1))), 60_000, 'every echo');
      for (const r of results) expect(r.echoed).toBe(FRAMES);
      const worst = Math.max(...results.map((r) => r.maxWaitMs));
      expect(worst).toBeLessThan(MAX_WAIT_MS);
      expect(server.stats().framesIn).toBe(CONNS * FRAMES);
      // Between passes no provided buffer is held: every one the kernel filled came back.
      expect(server.stats().workers.every((w) => w.providedBuffersHeld === 0)).toBe(true);
      for (const s of sockets) s.destroy();
    });
  }
});
