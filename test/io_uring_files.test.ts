/**
 * io_uring registered (fixed) files: each connection's socket is installed in
 * the ring's sparse file table and its recv/send name the index. What a user
 * relies on: echo is byte-exact, a close still ends the connection at once
 * (the table's own reference to the socket must be dropped before close(), or
 * no FIN/RST would leave), fds go back to their baseline, and where the table
 * is refused (RINGNET_IO_URING_FIXED_FILES=0 stands in for an old kernel or a
 * low file limit) the same holds over plain fds. Real sockets, both shapes.
 */
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { native } from '../src/native';
import { pattern, useHarness } from './support/harness';
import { lengthFrame, readBytes, readToEnd, sleep, waitFor } from './support/net';

const available = native.backendAvailable(1) === true;
const VARIANTS = [
  { name: 'io_uring/inline', options: { backend: 'io_uring' as const, workers: 1, inlineWorker: true } },
  { name: 'io_uring/threads', options: { backend: 'io_uring' as const, workers: 2, inlineWorker: false } },
];
const fdCount = (): number => fs.readdirSync('/proc/self/fd').length;

describe.skipIf(!available).each(VARIANTS)('io_uring registered files ($name)', (variant) => {
  const h = useHarness();
  afterEach(() => {
    delete process.env.RINGNET_IO_URING_FIXED_FILES;
  });

  for (const fixed of [true, false]) {
    it(`${fixed ? 'registered files' : 'fallback to plain fds'}: byte-exact echo; server closes (graceful and abortive) reach the client at once; fds back to baseline`, async () => {
      if (!fixed) process.env.RINGNET_IO_URING_FIXED_FILES = '0';
      const { server, port } = await h.listen({ ...variant.options, framing: { type: 'length' } }, {
        onFrame(c, f) {
          if (f.length === 1 && f[0] === 2) return c.destroy(); // RST
          c.send(f);
          if (f.length === 1 && f[0] === 1) c.close(); // graceful: FIN after the echo
        },
      });
      await sleep(50);
      const baseline = fdCount(); // the server's own fds (ring, eventfds, listener) included
      const clients = await Promise.all(Array.from({ length: 8 }, () => h.connect(port)));
      const payloads = clients.map((_, i) => pattern(40 + i, 4096 * (i + 1)));
      await Promise.all(clients.map(async (s, i) => {
        const wire = lengthFrame(payloads[i]!);
        const got = readBytes(s, wire.length);
        s.write(wire);
        expect((await got).equals(wire)).toBe(true);
      }));
      const workers = server.stats().workers;
      const accepted = workers.reduce((n, w) => n + w.accepted, 0);
      const viaTable = workers.reduce((n, w) => n + w.fixedFiles, 0);
      expect(accepted).toBe(8);
      expect(viaTable).toBe(fixed ? accepted : 0);

      // Half close gracefully (the echo, then end of stream), half abortively.
      await Promise.all(clients.map(async (s, i) => {
        s.on('error', () => {});
        const graceful = i % 2 === 0;
        const rest = readToEnd(s, 5_000).catch((e: Error) => e);
        s.write(lengthFrame(Buffer.from([graceful ? 1 : 2])));
        const out = await rest;
        // Either way within 5 s: a socket the table kept open would time out here.
        if (graceful) expect(out).toEqual(lengthFrame(Buffer.from([1])));
        else expect((out as NodeJS.ErrnoException).code).toBe('ECONNRESET');
      }));
      await waitFor(() => server.stats().connections === 0, 5_000, 'server-side closes');
      for (const s of clients) s.destroy();
      await waitFor(() => fdCount() <= baseline, 10_000, `fd count back to ${baseline} (now ${fdCount()})`);
    });
  }
});
